interface Store {
  save(x: number): void;
}
class Memory implements Store {
  save(x: number): void {}
}
class Disk implements Store {
  save(x: number): void {}
}
export function keep(m: Memory): void {
  m.save(1);
}
