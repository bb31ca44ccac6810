function fee(x: number): number {
  return x + 1;
}
export const outer = (): number[][] => [1].map(() => [2].map(() => fee(2)));
export class Ledger {
  post(xs: number[]): void {
    xs.forEach((x) => fee(x));
  }
  later(): () => number {
    return () => fee(3);
  }
}
