export { roundHalfEven as rhe } from './rounding.js';
export { default as clamp } from './rounding.js';
