type Fee = (amount: number) => number;
function card(amount: number): number {
  return amount + 1;
}
function bank(amount: number): number {
  return amount + 2;
}
function late(amount: number): number {
  return amount + 3;
}
function base(amount: number): number {
  return amount + 4;
}
class Charger {
  private readonly fee: Fee;
  private extra?: Fee;
  constructor(fn: Fee) {
    this.fee = fn;
  }
  setExtra(f: Fee): void {
    this.extra = f;
  }
  charge(amount: number): number {
    return this.fee(amount);
  }
  chargeExtra(amount: number): number {
    return this.extra?.(amount) ?? amount;
  }
}
class Other {
  private readonly fee: Fee;
  constructor(fn: Fee) {
    this.fee = fn;
  }
  charge(amount: number): number {
    return this.fee(amount);
  }
}
class Base {
  constructor(protected readonly rule: Fee) {}
  apply(amount: number): number {
    return this.rule(amount);
  }
}
class Derived extends Base {
  constructor() {
    super(base);
  }
}
export function main(): number {
  const c = new Charger(card);
  c.setExtra(late);
  const o = new Other(bank);
  const d = new Derived();
  return c.charge(1) + c.chargeExtra(2) + o.charge(3) + d.apply(4);
}
