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
const pipeline: Step[] = [fee, tax];
const later: Step[] = [];
later.push(round);
const audits = new Set<Step>();
audits.add(audit);
const others: Step[] = [refund];
const amounts: number[] = [1, 2];
amounts.push(3);
class Queue {
  push(step: Step): void {
    void step;
  }
  forEach(cb: (step: Step) => void): void {
    void cb;
  }
}
const queue = new Queue();
queue.push(refund);
export function runAll(amount: number): number {
  for (const step of pipeline) amount = step(amount);
  return later.reduce((acc, step) => step(acc), amount);
}
export function runAudits(amount: number): number {
  audits.forEach((a) => {
    amount = a(amount);
  });
  return amount;
}
export function runQueue(amount: number): number {
  queue.forEach((s) => {
    amount = s(amount);
  });
  return amount + others.length + amounts.length;
}
export function main(): number {
  return runAll(1) + runAudits(2) + runQueue(3);
}
