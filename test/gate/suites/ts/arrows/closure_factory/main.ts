function scale(x: number): number {
  return x * 3;
}
function makeScaler(): (x: number) => number {
  const inner = (x: number): number => scale(x);
  return inner;
}
export function use(): number {
  const s = makeScaler();
  return s(2);
}
