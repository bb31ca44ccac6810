abstract class Account {
  abstract accrue(x: number): number;
  interest(x: number): number {
    return this.accrue(x);
  }
}
class Savings extends Account {
  accrue(x: number): number {
    return x * 0.02;
  }
}
class Checking extends Account {
  accrue(x: number): number {
    return x * 0.01;
  }
}
export function month(a: Account): number {
  return a.interest(100);
}
