interface Gateway {
  charge(amount: number): boolean;
}
class Stripe implements Gateway {
  charge(amount: number): boolean {
    return amount > 0;
  }
}
class Adyen implements Gateway {
  charge(amount: number): boolean {
    return amount > 1;
  }
}
export function pay(g: Gateway, amount: number): boolean {
  return g.charge(amount);
}
