abstract class Base {
  abstract handle: (x: number) => number;
  run(): number {
    return this.handle(1);
  }
}
class A extends Base {
  handle = (x: number): number => double(x);
}
function double(x: number): number {
  return x * 2;
}
class Plain {
  protected handle?: (x: number) => number;
  go(): number {
    return this.handle?.(2) ?? 0;
  }
}
class B extends Plain {
  protected override handle = (x: number): number => x + 1;
}
export function main(): number {
  return new A().run() + new B().go();
}
