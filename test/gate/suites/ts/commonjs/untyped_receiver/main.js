import { settle as s } from './a.js';
export function go(obj) {
  return obj.settle(1) + s(2);
}
