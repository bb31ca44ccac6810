class Base {
  constructor(public n: number) {
    this.init();
  }
  init(): void {}
}
class Child extends Base {
  constructor(n: number) {
    super(n);
  }
  init(): void {}
}
class Plain {
  go(): number {
    return 1;
  }
}
export function make(): number {
  const c = new Child(1);
  const p = new Plain();
  return c.n + p.go();
}
