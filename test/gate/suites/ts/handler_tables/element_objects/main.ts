type Fee = (amount: number) => number;
interface Rule {
  kind: string;
  run: Fee;
}
function card(amount: number): number {
  return amount + 1;
}
function bank(amount: number): number {
  return amount + 2;
}
function other(amount: number): number {
  return amount + 3;
}
function late(amount: number): number {
  return amount + 4;
}
const rules: Rule[] = [
  { kind: 'card', run: card },
  { kind: 'bank', run: bank },
];
const others: Rule[] = [{ kind: 'other', run: other }];
function register(kind: string, run: Fee): void {
  rules.push({ kind, run });
}
function runAll(amount: number): number {
  for (const r of rules) amount = r.run(amount);
  return amount;
}
function runKind(kind: string, amount: number): number {
  return rules.find((r) => r.kind === kind)!.run(amount);
}
export function main(): number {
  register('late', late);
  return runAll(1) + runKind('card', 2) + others.length;
}
