import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertEdge, assertNoEdge, assertNotFlagged, assertPath, edit, FixtureRepo, graphOf, reachedThroughArrows } from './fixture.js';

const fees = [
  'export type Fee = (a: number) => number;',
  'export function chargeCard(a: number): number {',
  '  return a * 2;',
  '}',
  'export function chargeBank(a: number): number {',
  '  return a + 1;',
  '}',
  'export function chargeCash(a: number): number {',
  '  return a - 1;',
  '}',
  'export function chargeWire(a: number): number {',
  '  return a * 3;',
  '}',
  'export function chargeSet(a: number): number {',
  '  return a * 4;',
  '}',
  'export function chargeLate(a: number): number {',
  '  return a * 5;',
  '}',
  '',
].join('\n');

const pay = [
  "import { chargeCard, chargeBank, chargeCash, chargeWire, chargeSet, chargeLate, type Fee } from './fees';",
  'const pipeline: Fee[] = [chargeCard, chargeBank];',
  'export function runPipeline(a: number): number {',
  '  for (const f of pipeline) a = f(a);',
  '  return a;',
  '}',
  'export function runEach(a: number): number {',
  '  pipeline.forEach((f) => {',
  '    a = f(a);',
  '  });',
  '  return a;',
  '}',
  'export function runMapped(a: number): number[] {',
  '  return pipeline.map((f) => f(a));',
  '}',
  'export function runDestructured(a: number): number {',
  '  const [first] = pipeline;',
  '  return first!(a);',
  '}',
  'export class Svc {',
  '  constructor(private readonly fee: Fee) {}',
  '  pay(a: number): number {',
  '    return this.fee(a);',
  '  }',
  '}',
  'export const svc = new Svc(chargeCash);',
  'const steps: Fee[] = [];',
  'steps.push(chargeWire);',
  'export function runSteps(a: number): number {',
  '  return steps.reduce((x, s) => s(x), a);',
  '}',
  'export function runFirst(a: number): number {',
  '  return steps[0]!(a);',
  '}',
  'const late: Fee[] = [];',
  'export function addLate(): void {',
  '  late[late.length] = chargeLate;',
  '}',
  'export function runLate(i: number, a: number): number {',
  '  return late[i]!(a);',
  '}',
  'const fns = new Set<Fee>();',
  'fns.add(chargeSet);',
  'export function runSet(a: number): number {',
  '  for (const f of fns) a = f(a);',
  '  return a;',
  '}',
  'const byKind = new Map<string, Fee>([["card", chargeCard]]);',
  'export function runMapValues(a: number): number {',
  '  for (const f of byKind.values()) a = f(a);',
  '  byKind.forEach((g) => {',
  '    a = g(a);',
  '  });',
  '  return a;',
  '}',
  'export function runMapEntries(a: number): number {',
  '  for (const [, f] of byKind) a = f(a);',
  '  return a;',
  '}',
  '',
].join('\n');

// a class's array field filled in its initializer and by a registering method
const steps = [
  "import type { Fee } from './fees';",
  'export class Steps {',
  '  private readonly steps = [this.double.bind(this), (x: number) => this.triple(x)];',
  '  private readonly extra: Fee[] = [];',
  '  private readonly nums: number[] = [1, 2];',
  '  double(x: number): number {',
  '    return x * 2;',
  '  }',
  '  triple(x: number): number {',
  '    return x * 3;',
  '  }',
  '  register(fn: Fee): void {',
  '    this.extra.push(fn);',
  '  }',
  '  count(n: number): void {',
  '    this.nums.push(n, this.nums.length);',
  '  }',
  '  run(x: number): number {',
  '    for (const s of this.steps) x = s(x);',
  '    return this.extra.reduce((acc, f) => f(acc), x);',
  '  }',
  '}',
  '',
].join('\n');
const wiring = [
  "import { Steps } from './steps';",
  'export function quadruple(x: number): number {',
  '  return x * 4;',
  '}',
  'export function wire(s: Steps): void {',
  '  s.register(quadruple);',
  '}',
  '',
].join('\n');

// precision: another array of the same type, a data array, a repository class with its own push
const others = [
  "import { chargeCard, chargeBank, type Fee } from './fees';",
  'const first: Fee[] = [chargeCard];',
  'const second: Fee[] = [];',
  'second.push(chargeBank);',
  'export function runFirstOnly(a: number): number {',
  '  for (const f of first) a = f(a);',
  '  return a;',
  '}',
  'export class Queue {',
  '  private items: Fee[] = [];',
  '  push(f: Fee): void {',
  '    void f;',
  '  }',
  '  forEach(cb: (f: Fee) => void): void {',
  '    this.items.forEach(cb);',
  '  }',
  '}',
  'const queue = new Queue();',
  'queue.push(chargeBank);',
  'export function runQueue(a: number): number {',
  '  queue.forEach((f) => {',
  '    a = f(a);',
  '  });',
  '  return a;',
  '}',
  'const amounts: number[] = [];',
  'amounts.push(1, 2);',
  'export function total(): number {',
  '  return amounts.reduce((x, y) => x + y, 0);',
  '}',
  '',
].join('\n');

const files = { 'src/fees.ts': fees, 'src/pay.ts': pay, 'src/steps.ts': steps, 'src/wiring.ts': wiring, 'src/others.ts': others };

describe('TypeScript arrays and sets of functions as tables', () => {
  let g: Record<string, string[]>;
  before(async () => {
    g = await graphOf(files);
  });

  it('a loop over an array literal, forEach and map over it, and its destructured element reach every function it holds', () => {
    for (const caller of ['runPipeline', 'runEach', 'runMapped', 'runDestructured']) {
      const r = reachedThroughArrows(g, `src.pay.${caller}`);
      assert.ok(r.includes('src.fees.chargeCard') && r.includes('src.fees.chargeBank'), `${caller}: ${r.join(', ')}`);
      assert.ok(!r.includes('src.fees.chargeWire'), `${caller}: ${r.join(', ')}`);
    }
  });

  it('an element called by a numeric or computed index, or by reduce, reaches what push() and an index assignment store', () => {
    assertEdge(g, 'src.pay.runFirst', 'src.fees.chargeWire');
    assertNoEdge(g, 'src.pay.runFirst', 'src.fees.chargeCard');
    assert.deepEqual(reachedThroughArrows(g, 'src.pay.runSteps'), ['src.fees.chargeWire', 'src.pay.runSteps.<arrow1>']);
    assertEdge(g, 'src.pay.runLate', 'src.fees.chargeLate');
    assertNoEdge(g, 'src.pay.runLate', 'src.fees.chargeWire');
  });

  it('a Set filled by add() and a Map iterated by values(), forEach and entries reach what they hold', () => {
    assertEdge(g, 'src.pay.runSet', 'src.fees.chargeSet');
    assertNoEdge(g, 'src.pay.runSet', 'src.fees.chargeWire');
    assertEdge(g, 'src.pay.runMapValues', 'src.fees.chargeCard');
    assertEdge(g, 'src.pay.runMapValues.<arrow1>', 'src.fees.chargeCard');
    assertEdge(g, 'src.pay.runMapEntries', 'src.fees.chargeCard');
    assertNoEdge(g, 'src.pay.runMapValues', 'src.fees.chargeSet');
  });

  it("a class's array field: bound methods and arrows of its initializer, and what callers pass to the method that pushes its parameter", () => {
    assertEdge(g, 'src.steps.Steps.run', 'src.steps.Steps.double');
    assertEdge(g, 'src.steps.Steps.run', 'src.steps.Steps.<arrow1>');
    assert.ok(reachedThroughArrows(g, 'src.steps.Steps.run').includes('src.wiring.quadruple'), reachedThroughArrows(g, 'src.steps.Steps.run').join(', '));
    assertNoEdge(g, 'src.steps.Steps.run', 'src.fees.chargeCard');
  });

  it('another array of the same type, a data array and a repository class with its own push reach nothing of it', () => {
    assert.deepEqual(reachedThroughArrows(g, 'src.others.runFirstOnly'), ['src.fees.chargeCard']);
    assert.ok(!reachedThroughArrows(g, 'src.others.runQueue').includes('src.fees.chargeBank'), reachedThroughArrows(g, 'src.others.runQueue').join(', '));
    assert.deepEqual(reachedThroughArrows(g, 'src.others.total'), ['src.others.total.<arrow1>']);
  });

  it('a parameter property of function type stands for what `new` passes there', () => {
    assertEdge(g, 'src.pay.Svc.pay', 'src.fees.chargeCash');
    assertNoEdge(g, 'src.pay.Svc.pay', 'src.fees.chargeCard');
  });

  describe('gated', () => {
    let repo: FixtureRepo;
    before(() => {
      repo = new FixtureRepo(files);
    });
    after(() => repo.remove());

    it('a change to a function in an array, pushed, or passed to a parameter property is on the path from the root that calls through it', async () => {
      const cfg = { roots: ['*.runPipeline', '*.runSteps', '*.Svc.pay', '*.runFirstOnly'] };
      const card = await repo.gate(repo.branch('card', { 'src/fees.ts': edit(fees, 'a * 2', 'a * 7') }), cfg);
      assertPath(card, ['src.pay.runPipeline', 'src.fees.chargeCard'], 'head');
      const wire = await repo.gate(repo.branch('wire', { 'src/fees.ts': edit(fees, 'a * 3', 'a * 8') }), cfg);
      assertPath(wire, ['src.pay.runSteps', 'src.pay.runSteps.<arrow1>', 'src.fees.chargeWire'], 'head');
      const cash = await repo.gate(repo.branch('cash', { 'src/fees.ts': edit(fees, 'a - 1', 'a - 2') }), cfg);
      assertPath(cash, ['src.pay.Svc.pay', 'src.fees.chargeCash'], 'head');
    });

    it('a function only another array or a data-only path holds is not', async () => {
      const r = await repo.gate(repo.branch('set', { 'src/fees.ts': edit(fees, 'a * 4', 'a * 9') }), { roots: ['*.runPipeline', '*.runFirstOnly', '*.total'] });
      assertNotFlagged(r);
    });
  });
});
