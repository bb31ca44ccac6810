import { after, before, describe, it } from 'node:test';
import { assertEdge, assertNotFlagged, assertNotReaches, assertPath, assertReaches, edit, FixtureRepo, graphOf } from './fixture.js';

// Handlers written in place as methods of an object (`rules.push({ run(x) { … } })`) or as function
// expressions: a call through the table reaches them, as it reaches arrows written in place.
const rules = [
  'export interface Rule {',
  '  run(x: number): number;',
  '}',
  'export function fee(x: number): number {',
  '  return x * 2;',
  '}',
  'export function tax(x: number): number {',
  '  return x + 1;',
  '}',
  'export function audit(x: number): number {',
  '  return x;',
  '}',
  'export function stamp(x: number): number {',
  '  return x;',
  '}',
  'export function debitFee(x: number): number {',
  '  return x - 1;',
  '}',
  "const DEBIT = 'debit';",
  'export const RULES: Rule[] = [];',
  'RULES.push({',
  '  run(x) {',
  '    return fee(x);',
  '  },',
  '});',
  'export function register(): void {',
  '  RULES.push({',
  '    run: function (x) {',
  '      return tax(x);',
  '    },',
  '  });',
  '}',
  'export const LIST: Rule[] = [',
  '  {',
  '    run(x) {',
  '      return stamp(x);',
  '    },',
  '  },',
  '];',
  'export const TABLE: Record<string, Rule> = {',
  '  bank: {',
  '    run(x) {',
  '      return fee(x) + 1;',
  '    },',
  '  },',
  '  cash: { run: (x) => tax(x) },',
  '  // a key that is also the name of a definition of the repository (the function audit)',
  '  audit: { run: (x) => stamp(x) + 2 },',
  '  [DEBIT]: {',
  '    run(x) {',
  '      return debitFee(x);',
  '    },',
  '  },',
  '};',
  '// an object handed to something else: no table of RULES holds it',
  'export const LOGGER = { configure(o: { format(x: number): number }): number { return o.format(1); } };',
  'export function setUp(): number {',
  '  return LOGGER.configure({',
  '    format(x) {',
  '      return audit(x);',
  '    },',
  '  });',
  '}',
  '',
].join('\n');
const pay = [
  "import { LIST, RULES, TABLE } from './rules';",
  'export function processPayment(a: number): number {',
  '  let t = a;',
  '  for (const r of RULES) t = r.run(t);',
  '  return t;',
  '}',
  'export function approveLoan(a: number, k: string): number {',
  '  return TABLE[k]!.run(a);',
  '}',
  'export function settleBank(a: number): number {',
  "  return TABLE['bank']!.run(a);",
  '}',
  'export function settleDebit(a: number): number {',
  "  return TABLE['debit']!.run(a);",
  '}',
  'export function settleCash(a: number): number {',
  '  return TABLE.cash!.run(a);',
  '}',
  'export function settleAudit(a: number): number {',
  '  return TABLE.audit!.run(a);',
  '}',
  'export function stampAll(a: number): number {',
  '  let t = a;',
  '  for (const r of LIST) t = r.run(t);',
  '  return t;',
  '}',
  '',
].join('\n');

describe('TypeScript handlers written in place as object methods and function expressions', () => {
  it('a call through the table reaches a method of an object pushed into it, or of one in its initializer', async () => {
    const g = await graphOf({ 'src/rules.ts': rules, 'src/pay.ts': pay });
    assertEdge(g, 'src.pay.processPayment', 'src.rules.<method1>');
    assertEdge(g, 'src.rules.<method1>', 'src.rules.fee');
    assertReaches(g, 'src.pay.processPayment', 'src.rules.fee');
    // a function expression pushed by a registering function, under its own name
    assertEdge(g, 'src.pay.processPayment', 'src.rules.register.<function1>');
    assertEdge(g, 'src.rules.register.<function1>', 'src.rules.tax');
    assertReaches(g, 'src.pay.stampAll', 'src.rules.stamp');
    assertReaches(g, 'src.pay.approveLoan', 'src.rules.fee');
    // the method is a function of its own: its calls are not the module's
    assertEdge(g, 'src.rules', 'src.rules.<method1>');
  });

  it("a record's object under a literal key (`TABLE['bank'].run`, `TABLE.cash.run`) is that key's only", async () => {
    const g = await graphOf({ 'src/rules.ts': rules, 'src/pay.ts': pay });
    assertReaches(g, 'src.pay.settleBank', 'src.rules.fee');
    assertNotReaches(g, 'src.pay.settleBank', 'src.rules.tax');
    assertReaches(g, 'src.pay.settleCash', 'src.rules.tax');
    assertNotReaches(g, 'src.pay.settleCash', 'src.rules.fee');
    // a computed key may be any of them, and a key the syntax does not name may be the one asked for
    assertReaches(g, 'src.pay.approveLoan', 'src.rules.tax');
    assertReaches(g, 'src.pay.settleDebit', 'src.rules.debitFee');
    assertNotReaches(g, 'src.pay.settleDebit', 'src.rules.tax');
    // a key named like a definition is a key all the same
    assertReaches(g, 'src.pay.settleAudit', 'src.rules.stamp');
    assertNotReaches(g, 'src.pay.settleAudit', 'src.rules.fee');
  });

  it('an object method handed to another function is not reached through an unrelated table', async () => {
    const g = await graphOf({ 'src/rules.ts': rules, 'src/pay.ts': pay });
    assertReaches(g, 'src.rules.setUp', 'src.rules.audit');
    for (const from of ['src.pay.processPayment', 'src.pay.approveLoan', 'src.pay.stampAll']) assertNotReaches(g, from, 'src.rules.audit');
  });

  describe('the gate', () => {
    let repo: FixtureRepo;
    let feeChange: string;
    let auditChange: string;
    before(() => {
      repo = new FixtureRepo({ 'src/rules.ts': rules, 'src/pay.ts': pay });
      feeChange = repo.branch('fee', { 'src/rules.ts': edit(rules, 'return x * 2;', 'return x * 3;') });
      auditChange = repo.branch('audit', {
        'src/rules.ts': edit(rules, 'export function audit(x: number): number {\n  return x;', 'export function audit(x: number): number {\n  return x + 0;'),
      });
    });
    after(() => repo.remove());

    it('flags a change to what a pushed object method calls, on the path through the method', async () => {
      const r = await repo.gate(feeChange, { roots: ['*.processPayment'] });
      assertPath(r, ['src.pay.processPayment', 'src.rules.<method1>', 'src.rules.fee'], 'head');
    });

    it('passes a change to what only the unrelated object calls', async () => {
      assertNotFlagged(await repo.gate(auditChange, { roots: ['*.processPayment', '*.approveLoan', '*.stampAll'] }));
    });
  });
});
