type Rule = (x: number) => number;
function flat(x: number): number {
  return x + 1;
}
function percent(x: number): number {
  return x / 100;
}
function makeRule(): Rule {
  return percent;
}
class Pricing {
  private rule: Rule;
  constructor() {
    this.rule = (x) => flat(x);
  }
  price(x: number): number {
    return this.rule(x);
  }
}
class Tax {
  rule: Rule = makeRule();
  apply(x: number): number {
    return this.rule(x);
  }
}
class Label {
  rule?: Rule;
}
export function main(): number {
  const l = new Label();
  l.rule = flat;
  return new Pricing().price(1) + new Tax().apply(2) + (l.rule?.(3) ?? 0);
}
