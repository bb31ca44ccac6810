function each(xs: number[], cb: (x: number) => void): void {
  xs.forEach(cb);
}
function log(x: number): void {}
export function report(xs: number[]): void {
  each(xs, log);
}
