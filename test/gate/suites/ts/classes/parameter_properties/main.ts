type Fee = (amount: number) => number;
function flat(amount: number): number {
  return amount + 5;
}
function percent(amount: number): number {
  return amount * 1.01;
}
class Logger {
  log(amount: number): number {
    return amount;
  }
}
class Charger {
  constructor(
    private readonly fee: Fee,
    private readonly logger: Logger,
  ) {}
  charge(amount: number): number {
    return this.logger.log(this.fee(amount));
  }
}
class Refunder {
  constructor(private readonly fee: Fee) {}
  refund(amount: number): number {
    return -this.fee(amount);
  }
}
export function main(): number {
  const c = new Charger(flat, new Logger());
  const r = new Refunder(percent);
  return c.charge(1) + r.refund(2);
}
