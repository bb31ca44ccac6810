const tax = (x: number): number => x * 0.2;
const net = (x: number): number => x - tax(x);
export function invoice(x: number): number {
  const round = (y: number): number => Math.round(net(y));
  return round(x);
}
