import { rhe, clamp } from './lib/index.js';
import * as r from './lib/rounding.js';
export function score(a: number): number {
  return rhe(clamp(a)) + r.roundHalfEven(a);
}
