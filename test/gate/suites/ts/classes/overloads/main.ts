class Billing {
  charge(a: number): number;
  charge(a: string): number;
  charge(a: number | string): number {
    return round(Number(a));
  }
}
function round(x: number): number {
  return Math.round(x);
}
function total(a: number): number;
function total(a: string): number;
function total(a: number | string): number {
  return Number(a) + 1;
}
export function pay(b: Billing): number {
  return b.charge(1) + b.charge('2') + total('3');
}
