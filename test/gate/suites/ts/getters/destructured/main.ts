class Invoice {
  constructor(private readonly lines: number[]) {}
  get total(): number {
    return sum(this.lines);
  }
  get count(): number {
    return this.lines.length;
  }
}
class Quote {
  get total(): number {
    return 0;
  }
}
function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
function totalOf(invoice: Invoice): number {
  const { total } = invoice;
  return total;
}
function countOf({ count }: Invoice): number {
  return count;
}
export function main(): number {
  return totalOf(new Invoice([1, 2])) + countOf(new Invoice([3])) + new Quote().total;
}
