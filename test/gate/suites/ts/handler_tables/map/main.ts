type Handler = (amount: number) => number;
function refund(amount: number): number {
  return -amount;
}
function capture(amount: number): number {
  return amount;
}
const handlers = new Map<string, Handler>([
  ['refund', refund],
  ['capture', capture],
]);
export function dispatch(k: string, amount: number): number {
  return handlers.get(k)!(amount);
}
