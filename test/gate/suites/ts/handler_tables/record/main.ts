type Kind = 'card' | 'bank';
type Handler = (amount: number) => boolean;
function payCard(amount: number): boolean {
  return amount > 0;
}
function payBank(amount: number): boolean {
  return amount > 10;
}
function unused(amount: number): boolean {
  return false;
}
const HANDLERS: Record<Kind, Handler> = { card: payCard, bank: payBank };
export function pay(kind: Kind, amount: number): boolean {
  return HANDLERS[kind](amount);
}
