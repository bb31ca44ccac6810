export function settle(x, y) {
  return x + y;
}
