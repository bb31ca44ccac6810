class Ledger {
  private items: number[] = [];
  get total(): number {
    return sum(this.items);
  }
  set last(x: number) {
    this.items.push(x);
  }
}
function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
export function close(l: Ledger): number {
  l.last = 3;
  return l.total;
}
