export function outer(x: number): number {
  function inner(y: number): number {
    return double(y);
  }
  return inner(x);
}
function double(z: number): number {
  return z * 2;
}
