type Step = (amount: number) => number;
function fee(amount: number): number {
  return amount + 1;
}
function tax(amount: number): number {
  return amount * 2;
}
function round(amount: number): number {
  return Math.round(amount);
}
function audit(amount: number): number {
  return 0 * amount;
}
function refund(amount: number): number {
  return -amount;
}
function extra(amount: number): number {
  return amount + 3;
}
const core: Step[] = [fee];
const all = [...core, tax];
const joined = core.concat([extra]);
class Pipeline {
  constructor(private readonly steps: Step[]) {}
  run(amount: number): number {
    for (const s of this.steps) amount = s(amount);
    return amount;
  }
}
function runEach(steps: Step[], amount: number): number {
  steps.forEach((s) => {
    amount = s(amount);
  });
  return amount;
}
function apply(s: Step): void {
  s(1);
}
const audits: Step[] = [audit];
export function main(): number {
  const p = new Pipeline([round, ...all]);
  audits.forEach(apply);
  const found = joined.find((s) => s.length > 0)!(5);
  return p.run(1) + runEach([refund], 2) + found;
}
