function fee(x: number): number {
  return x + 1;
}
function tax(x: number): number {
  return x * 2;
}
export function settle(xs: number[]): number[] {
  const a = xs.map((x) => fee(x));
  return a.map((y) => tax(y)).filter((z) => z > 0);
}
export function run(): number {
  return (() => fee(tax(1)))();
}
