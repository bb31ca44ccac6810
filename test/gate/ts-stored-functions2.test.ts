import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCallGraph, evaluateGate, GraphCaches, readRevisionSources } from '../../src/gate/index.js';
import {
  assertEdge,
  assertNoEdge,
  assertNotFlagged,
  assertNotReaches,
  assertPath,
  assertReaches,
  edgeList,
  edit,
  FixtureRepo,
  graphOf,
  reachedThroughArrows,
} from './fixture.js';

const FEES = [
  'fieldFee',
  'lateFee',
  'fieldOther',
  'superFee',
  'superAssigned',
  'listA',
  'listB',
  'chainA',
  'runA',
  'listOther',
  'spreadBase',
  'spreadExtra',
  'concatExtra',
  'fromA',
  'pipeExtra',
  'applyA',
  'findA',
  'findOther',
  'ruleCard',
  'ruleBank',
  'ruleOther',
  'recordCard',
  'pushedRule',
  'registeredRule',
];
const fees = [
  'export type Fee = (a: number) => number;',
  ...FEES.flatMap((name, i) => [`export function ${name}(a: number): number {`, `  return a + ${i + 1};`, '}']),
  '',
].join('\n');
const importAll = `import { ${FEES.join(', ')}, type Fee } from './fees';`;

// 1. a field assigned a parameter in the constructor or in a method
const fields = [
  "import type { Fee } from './fees';",
  'export class Svc {',
  '  private readonly fee: Fee;',
  '  private late?: Fee;',
  '  private readonly label: string;',
  '  constructor(fn: Fee, label: string) {',
  '    this.fee = fn;',
  '    this.label = label;',
  '  }',
  '  setLate(f: Fee): void {',
  '    this.late = f;',
  '  }',
  '  pay(a: number): number {',
  '    return this.fee(a) + (this.late?.(a) ?? 0) + this.label.length;',
  '  }',
  '}',
  'export class Other {',
  '  private readonly fee: Fee;',
  '  constructor(fn: Fee) {',
  '    this.fee = fn;',
  '  }',
  '  pay(a: number): number {',
  '    return this.fee(a);',
  '  }',
  '}',
  '',
].join('\n');

// 2. what a subclass passes through super() into a parameter property or an assigned field
const bases = [
  "import type { Fee } from './fees';",
  'export class Base {',
  '  constructor(protected readonly fee: Fee) {}',
  '  charge(a: number): number {',
  '    return this.fee(a);',
  '  }',
  '}',
  'export class Assigned {',
  '  private readonly rule: Fee;',
  '  constructor(rule: Fee) {',
  '    this.rule = rule;',
  '  }',
  '  charge(a: number): number {',
  '    return this.rule(a);',
  '  }',
  '}',
  '',
].join('\n');

// 3. arrays passed as arguments to a parameter the callee stores or iterates
const pipelines = [
  "import type { Fee } from './fees';",
  'export class Pipeline {',
  '  constructor(private readonly steps: Fee[]) {}',
  '  run(a: number): number {',
  '    for (const s of this.steps) a = s(a);',
  '    return a;',
  '  }',
  '}',
  'export class Chain {',
  '  private readonly links: readonly Fee[];',
  '  constructor(links: readonly Fee[]) {',
  '    this.links = links;',
  '  }',
  '  run(a: number): number {',
  '    return this.links.reduce((x, f) => f(x), a);',
  '  }',
  '}',
  'export function runAll(steps: Fee[], a: number): number {',
  '  for (const s of steps) a = s(a);',
  '  return a;',
  '}',
  'export function runOthers(steps: Fee[], a: number): number {',
  '  steps.forEach((s) => {',
  '    a = s(a);',
  '  });',
  '  return a;',
  '}',
  '',
].join('\n');

const wiring = [
  importAll,
  "import { Svc, Other } from './fields';",
  "import { Base, Assigned } from './bases';",
  "import { Pipeline, Chain, runAll, runOthers } from './pipelines';",
  "export const svc = new Svc(fieldFee, 'card');",
  'svc.setLate(lateFee);',
  'export const other = new Other(fieldOther);',
  'export class Card extends Base {',
  '  constructor() {',
  '    super(superFee);',
  '  }',
  '}',
  'export class Bank extends Assigned {',
  '  constructor() {',
  '    super(superAssigned);',
  '  }',
  '}',
  'export const pipeline = new Pipeline([listA, listB]);',
  'export const chain = new Chain([chainA]);',
  'const base: Fee[] = [spreadBase];',
  'export const extended = new Pipeline([...base, pipeExtra]);',
  'export function wireRuns(): number {',
  '  return runAll([runA], 1) + runOthers([listOther], 2);',
  '}',
  '',
].join('\n');

// 4. arrays built by spreading, concat and Array.from; 5. a named callback; 6. find()
const built = [
  importAll,
  'const base: Fee[] = [spreadBase];',
  'const extended = [...base, spreadExtra];',
  'const joined = base.concat([concatExtra]);',
  'const fromSet = new Set<Fee>([fromA]);',
  'const copied = Array.from(fromSet);',
  'export function runExtended(a: number): number {',
  '  for (const f of extended) a = f(a);',
  '  return a;',
  '}',
  'export function runJoined(a: number): number {',
  '  return joined.reduce((x, f) => f(x), a);',
  '}',
  'export function runCopied(i: number, a: number): number {',
  '  return copied[i]!(a);',
  '}',
  'export function runBase(a: number): number {',
  '  for (const f of base) a = f(a);',
  '  return a;',
  '}',
  'function apply(f: Fee): void {',
  '  f(1);',
  '}',
  'function keep(f: Fee): void {',
  '  void f;',
  '}',
  'const applied: Fee[] = [applyA];',
  'export function runApplied(): void {',
  '  applied.forEach(apply);',
  '  applied.forEach(keep);',
  '}',
  'const finders: Fee[] = [findA];',
  'const otherFinders: Fee[] = [findOther];',
  'export function runFind(a: number): number {',
  '  return finders.find((f) => f.length > 0)!(a);',
  '}',
  'export function runFindOptional(a: number): number {',
  '  return finders.findLast((f) => f.length > 0)?.(a) ?? otherFinders.length;',
  '}',
  '',
].join('\n');

// 7. arrays and records of objects holding functions
const rules = [
  importAll,
  'interface Rule {',
  '  kind: string;',
  '  run: Fee;',
  '}',
  "export const rules: Rule[] = [{ kind: 'card', run: ruleCard }, { kind: 'bank', run: (a) => ruleBank(a) }];",
  "const otherRules: Rule[] = [{ kind: 'other', run: ruleOther }];",
  'const RULES = { card: { run: recordCard } };',
  "rules.push({ kind: 'late', run: pushedRule });",
  'export function register(kind: string, run: Fee): void {',
  '  rules.push({ kind, run });',
  '}',
  "register('registered', registeredRule);",
  'export function runRules(a: number): number {',
  '  for (const r of rules) a = r.run(a);',
  '  return a;',
  '}',
  'export function findRule(k: string, a: number): number {',
  '  return rules.find((r) => r.kind === k)!.run(a);',
  '}',
  'export function runOtherRules(a: number): number {',
  '  otherRules.forEach((r) => {',
  '    a = r.run(a);',
  '  });',
  '  return a;',
  '}',
  "export function runRecord(k: 'card', a: number): number {",
  '  return RULES[k].run(a);',
  '}',
  '',
].join('\n');

const files = {
  'src/fees.ts': fees,
  'src/fields.ts': fields,
  'src/bases.ts': bases,
  'src/pipelines.ts': pipelines,
  'src/wiring.ts': wiring,
  'src/built.ts': built,
  'src/rules.ts': rules,
};
const F = (name: string): string => `src.fees.${name}`;

describe('TypeScript functions stored through fields, super(), array arguments and built arrays', () => {
  let g: Record<string, string[]>;
  before(async () => {
    g = await graphOf(files);
  });

  it('a field assigned a parameter in the constructor or a method holds what callers pass there', () => {
    assertEdge(g, 'src.fields.Svc.pay', F('fieldFee'));
    assertEdge(g, 'src.fields.Svc.pay', F('lateFee'));
    assertNoEdge(g, 'src.fields.Svc.pay', F('fieldOther'));
    assertEdge(g, 'src.fields.Other.pay', F('fieldOther'));
    assertNoEdge(g, 'src.fields.Other.pay', F('fieldFee'));
  });

  it("what a subclass passes through super() reaches the base class's callers of the field", () => {
    assertEdge(g, 'src.bases.Base.charge', F('superFee'));
    assertNoEdge(g, 'src.bases.Base.charge', F('superAssigned'));
    assertEdge(g, 'src.bases.Assigned.charge', F('superAssigned'));
    assertNoEdge(g, 'src.bases.Assigned.charge', F('superFee'));
  });

  it('an array passed to a parameter the callee stores or iterates: its elements and spread sources', () => {
    for (const f of ['listA', 'listB', 'spreadBase', 'pipeExtra']) assertEdge(g, 'src.pipelines.Pipeline.run', F(f));
    assertNoEdge(g, 'src.pipelines.Pipeline.run', F('chainA'));
    assertReaches(g, 'src.pipelines.Chain.run', F('chainA'));
    assertNotReaches(g, 'src.pipelines.Chain.run', F('listA'));
    assertEdge(g, 'src.pipelines.runAll', F('runA'));
    assertNoEdge(g, 'src.pipelines.runAll', F('listOther'));
    assertReaches(g, 'src.pipelines.runOthers', F('listOther'));
    assertNotReaches(g, 'src.pipelines.runOthers', F('runA'));
  });

  it('arrays built by spreading, concat and Array.from hold what their sources hold', () => {
    assertEdge(g, 'src.built.runExtended', F('spreadBase'));
    assertEdge(g, 'src.built.runExtended', F('spreadExtra'));
    assertReaches(g, 'src.built.runJoined', F('spreadBase'));
    assertReaches(g, 'src.built.runJoined', F('concatExtra'));
    assertEdge(g, 'src.built.runCopied', F('fromA'));
    assert.deepEqual(reachedThroughArrows(g, 'src.built.runBase'), [F('spreadBase')]);
  });

  it('a named callback given to forEach is called, and calls the elements when it calls its parameter', () => {
    assertEdge(g, 'src.built.runApplied', 'src.built.apply');
    assertEdge(g, 'src.built.apply', F('applyA'));
    assertNoEdge(g, 'src.built.keep', F('applyA'));
  });

  it('an element found by find() or findLast() and called reaches what the array holds', () => {
    assertEdge(g, 'src.built.runFind', F('findA'));
    assertNoEdge(g, 'src.built.runFind', F('findOther'));
    assertEdge(g, 'src.built.runFindOptional', F('findA'));
    assertNoEdge(g, 'src.built.runFindOptional', F('findOther'));
  });

  it('a member called on an element of an array or record of objects reaches the functions those objects hold', () => {
    assertReaches(g, 'src.rules.runRules', F('ruleCard'));
    assertReaches(g, 'src.rules.runRules', F('ruleBank'));
    assertNotReaches(g, 'src.rules.runRules', F('ruleOther'));
    assertReaches(g, 'src.rules.findRule', F('ruleCard'));
    assertNotReaches(g, 'src.rules.findRule', F('ruleOther'));
    assertReaches(g, 'src.rules.runOtherRules', F('ruleOther'));
    assertNotReaches(g, 'src.rules.runOtherRules', F('ruleCard'));
    assertEdge(g, 'src.rules.runRecord', F('recordCard'));
  });

  it('objects pushed into a table of objects, also by a registering function, are reached too', () => {
    assertReaches(g, 'src.rules.runRules', F('pushedRule'));
    assertReaches(g, 'src.rules.findRule', F('registeredRule'));
    assertNotReaches(g, 'src.rules.runOtherRules', F('pushedRule'));
    assertNotReaches(g, 'src.rules.runOtherRules', F('registeredRule'));
  });

  describe('gated', () => {
    let repo: FixtureRepo;
    let cacheDir: string;
    before(() => {
      repo = new FixtureRepo(files);
      cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-stored2-'));
    });
    after(() => {
      repo.remove();
      rmSync(cacheDir, { recursive: true, force: true });
    });
    const change = (name: string): Record<string, string> => ({ 'src/fees.ts': edit(fees, `return a + ${FEES.indexOf(name) + 1};`, 'return a * 9;') });

    it('a change to a function stored these ways is on the path from the root calling through it', async () => {
      const cfg = { roots: ['*.Svc.pay', '*.Base.charge', '*.Pipeline.run', '*.runExtended', '*.runFind', '*.runRules'] };
      assertPath(await repo.gate(repo.branch('field', change('fieldFee')), cfg), ['src.fields.Svc.pay', F('fieldFee')], 'head');
      assertPath(await repo.gate(repo.branch('super', change('superFee')), cfg), ['src.bases.Base.charge', F('superFee')], 'head');
      assertPath(await repo.gate(repo.branch('list', change('listB')), cfg), ['src.pipelines.Pipeline.run', F('listB')], 'head');
      assertPath(await repo.gate(repo.branch('spread', change('spreadExtra')), cfg), ['src.built.runExtended', F('spreadExtra')], 'head');
      assertPath(await repo.gate(repo.branch('find', change('findA')), cfg), ['src.built.runFind', F('findA')], 'head');
      assertPath(await repo.gate(repo.branch('rule', change('ruleCard')), cfg), ['src.rules.runRules', F('ruleCard')], 'head');
    });

    it('a function only another class, array or table holds is not', async () => {
      const cfg = { roots: ['*.Svc.pay', '*.Base.charge', '*.Pipeline.run', '*.runBase', '*.runFind', '*.runRules'] };
      for (const name of ['fieldOther', 'superAssigned', 'chainA', 'concatExtra', 'findOther', 'ruleOther'])
        assertNotFlagged(await repo.gate(repo.branch(`other-${name}`, change(name)), cfg));
    });

    it('a new file passing functions to a cached constructor, super() or array parameter, or pushing an object into a cached table, gives a warm graph equal to a cold one', async () => {
      const cfg = { roots: ['*.Svc.pay', '*.Base.charge', '*.Pipeline.run', '*.runRules'] };
      await evaluateGate({ repoDir: repo.dir, base: 'main', head: 'main', config: cfg, caches: new GraphCaches(cacheDir) });
      const head = repo.branch('new-wiring', {
        'src/more.ts': [
          "import { Svc } from './fields';",
          "import { Base } from './bases';",
          "import { Pipeline } from './pipelines';",
          "import { rules } from './rules';",
          'export function addedRule(a: number): number {',
          '  return a * 14;',
          '}',
          "rules.push({ kind: 'added', run: addedRule });",
          'export function addedFee(a: number): number {',
          '  return a * 11;',
          '}',
          'export function addedStep(a: number): number {',
          '  return a * 12;',
          '}',
          'export function addedBase(a: number): number {',
          '  return a * 13;',
          '}',
          "export const more = new Svc(addedFee, 'more');",
          'export const steps = new Pipeline([addedStep]);',
          'export class Wire extends Base {',
          '  constructor() {',
          '    super(addedBase);',
          '  }',
          '}',
          '',
        ].join('\n'),
      });
      const caches = new GraphCaches(cacheDir);
      const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: cfg, caches });
      assert.equal(caches.stats.tsFilesWalked, 1);
      assertPath(r, ['src.fields.Svc.pay', 'src.more.addedFee'], 'head');
      assertPath(r, ['src.pipelines.Pipeline.run', 'src.more.addedStep'], 'head');
      assertPath(r, ['src.bases.Base.charge', 'src.more.addedBase'], 'head');
      assertPath(r, ['src.rules.runRules', 'src.more.addedRule'], 'head');
      const sources = readRevisionSources(repo.dir, head);
      assert.deepEqual(edgeList(await buildCallGraph(sources, new GraphCaches(cacheDir))), edgeList(await buildCallGraph(sources)));
    });
  });
});

describe('TypeScript stored functions handed on: parameters passed to super() or on, named arrays, assigned arrays', () => {
  const more = [
    'export type Fee = (a: number) => number;',
    ...['viaSuper', 'namedStep', 'localStep', 'passedOn', 'assignedStep', 'callStep', 'foundRule', 'wrapped', 'otherStep', 'inherited'].flatMap((name, i) => [
      `export function ${name}(a: number): number {`,
      `  return a + ${i + 1};`,
      '}',
    ]),
    'export class Base {',
    '  constructor(protected readonly fee: Fee) {}',
    '  charge(a: number): number {',
    '    return this.fee(a);',
    '  }',
    '}',
    'export class Middle extends Base {',
    '  constructor(fn: Fee) {',
    '    super(fn);',
    '  }',
    '}',
    'export const middle = new Middle(viaSuper);',
    'export class Plain extends Middle {}',
    'export const plain = new Plain(inherited);',
    'export class Pipeline {',
    '  private readonly all: Fee[];',
    '  constructor(private readonly steps: Fee[]) {',
    '    this.all = [...steps, assignedStep];',
    '  }',
    '  run(a: number): number {',
    '    for (const s of this.steps) a = s(a);',
    '    return a;',
    '  }',
    '  runAll(a: number): number {',
    '    return this.all.reduce((x, f) => f(x), a);',
    '  }',
    '}',
    'const STEPS: Fee[] = [namedStep];',
    'export const named = new Pipeline(STEPS);',
    'export function local(): Pipeline {',
    '  const steps = [localStep];',
    '  return new Pipeline(steps);',
    '}',
    'export function handOn(steps: Fee[]): Pipeline {',
    '  return new Pipeline(steps);',
    '}',
    'export const handed = handOn([passedOn]);',
    'const byKind = new Map<string, Fee>([["card", callStep]]);',
    'export function viaCall(k: string, a: number): number {',
    '  return byKind.get(k)!.call(undefined, a);',
    '}',
    'const rules = [{ kind: "card", check: foundRule }];',
    'export function firstRule(k: string, a: number): number {',
    '  const r = rules.find((x) => x.kind === k);',
    '  return r?.check(a) ?? 0;',
    '}',
    'export class Wrapper {',
    '  private readonly fees: Fee[] = [wrapped];',
    '  private readonly others: Fee[] = [otherStep];',
    '  wrap(f: Fee): number {',
    '    return f(1);',
    '  }',
    '  run(): number[] {',
    '    return this.fees.map(this.wrap).concat(this.others.length);',
    '  }',
    '}',
    '',
  ].join('\n');
  let g: Record<string, string[]>;
  before(async () => {
    g = await graphOf({ 'src/more.ts': more });
  });

  it("a subclass constructor's parameter passed to super() stands for what its callers pass", () => {
    assertEdge(g, 'src.more.Base.charge', 'src.more.viaSuper');
    // a subclass without a constructor of its own takes its base's parameters
    assertEdge(g, 'src.more.Base.charge', 'src.more.inherited');
  });

  it('a named, a local and a passed-on array reach the parameter property; an array assigned from a spread holds both parts', () => {
    for (const f of ['namedStep', 'localStep', 'passedOn']) assertEdge(g, 'src.more.Pipeline.run', `src.more.${f}`);
    assertNoEdge(g, 'src.more.Pipeline.run', 'src.more.assignedStep');
    for (const f of ['namedStep', 'assignedStep']) assertReaches(g, 'src.more.Pipeline.runAll', `src.more.${f}`);
  });

  it('a table read called through .call(), a found object kept in a variable, and a method given to map()', () => {
    assertEdge(g, 'src.more.viaCall', 'src.more.callStep');
    assertEdge(g, 'src.more.firstRule', 'src.more.foundRule');
    assertEdge(g, 'src.more.Wrapper.wrap', 'src.more.wrapped');
    assertNoEdge(g, 'src.more.Wrapper.wrap', 'src.more.otherStep');
  });
});
