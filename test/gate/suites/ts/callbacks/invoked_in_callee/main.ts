function applyAll(xs: number[], fn: (x: number) => number): number[] {
  const out: number[] = [];
  for (const x of xs) out.push(fn(x));
  return out;
}
function fee(a: number): number {
  return a * 0.01;
}
export function charge(a: number): number[] {
  return applyAll([a], fee);
}
