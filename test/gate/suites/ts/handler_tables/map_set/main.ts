type Handler = (amount: number) => number;
function refund(amount: number): number {
  return -amount;
}
function capture(amount: number): number {
  return amount;
}
function audit(amount: number): number {
  return 0 * amount;
}
const handlers = new Map<string, Handler>();
handlers.set('refund', refund);
handlers.set('capture', capture);
const audits = new Map<string, Handler>();
audits.set('audit', audit);
class Router {
  private routes = new Map<string, Handler>();
  constructor() {
    this.routes.set('card', this.card.bind(this));
  }
  private card(amount: number): number {
    return amount + 1;
  }
  route(k: string, amount: number): number {
    return this.routes.get(k)?.(amount) ?? 0;
  }
}
export function dispatch(k: string, amount: number): number {
  return handlers.get(k)!(amount) + audits.size;
}
export function main(): number {
  return dispatch('refund', 1) + new Router().route('card', 2);
}
