import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gateCodeVersion } from '../../src/gate/code-version.js';
import { buildCallGraph, evaluateGate, GraphCaches, readDirectorySources, readRevisionSources } from '../../src/gate/index.js';
import { analyzeTypeScript, type TsAnalysisCache, type TsFileEdges, type TsFileFacts, type TsGraphPart } from '../../src/gate/ts/analyze.js';
import { ALIASED_FEES, assertPath, edgeList, edit, FixtureRepo, REALIASED_FEES } from './fixture.js';

// Enough unrelated files that a small change is analysed with a partial program (only the
// changed files and their imports), the case a warm run after one more edit takes.
const files: Record<string, string> = {};
for (let i = 0; i < 16; i++) files[`src/filler${i}.ts`] = `export function filler${i}(x: number): number {\n  return x + ${i};\n}\n`;
files['src/api.ts'] = ['export interface Api {', '  run(x: number): number;', '}', ''].join('\n');
files['src/a.ts'] = [
  "import type { Api } from './api.js';",
  'export class A implements Api {',
  '  run(x: number): number {',
  '    return x + 1;',
  '  }',
  '}',
  '',
].join('\n');
files['src/loans.ts'] = [
  "import type { Api } from './api.js';",
  "import { filler1 } from './filler1.js';",
  'export function approveLoan(api: Api, x: number): number {',
  '  return api.run(filler1(x));',
  '}',
  '',
].join('\n');
// untyped JavaScript: `obj.settle()` cannot be resolved, so it reaches every `settle` in the repository
files['src/legacy.js'] = ['export function processPayment(obj) {', '  return obj.settle(1);', '}', ''].join('\n');
files['src/ledger.ts'] = ['export class Ledger {', '  settle(x: number): number {', '    return x;', '  }', '}', ''].join('\n');
files['src/scoring.ts'] = ["import { filler2 } from './filler2.js';", 'export function score(x: number): number {', '  return filler2(x) * 2;', '}', ''].join(
  '\n',
);

// a type two files away: caller.ts imports factory.ts, whose return type is declared in types.ts
files['src/types.ts'] = ['export class Svc {', '  run(x: number): number {', '    return x;', '  }', '}', ''].join('\n');
files['src/factory.ts'] = ["import { Svc } from './types.js';", 'export function make(): Svc {', '  return new Svc();', '}', ''].join('\n');
files['src/caller.ts'] = [
  "import { make } from './factory.js';",
  'export function calculateInterest(x: number): number {',
  '  return make().run(x);',
  '}',
  '',
].join('\n');

// a constant built by calling a function of another file
files['src/fees.ts'] = ["import { filler3 } from './filler3.js';", 'export const FEE = filler3(1);', ''].join('\n');
files['src/pay.ts'] = ["import { FEE } from './fees.js';", 'export function processFee(x: number): number {', '  return x + FEE;', '}', ''].join('\n');

// a Map filled by .set() in one file and called through .get() in another; a field assigned a function
files['src/registry.ts'] = ['export type Fee = (x: number) => number;', 'export const FEES = new Map<string, Fee>();', ''].join('\n');
files['src/flat.ts'] = [
  "import { FEES } from './registry.js';",
  "import { filler4 } from './filler4.js';",
  'export function flatFee(x: number): number {',
  '  return filler4(x);',
  '}',
  "FEES.set('flat', flatFee);",
  '',
].join('\n');
files['src/charge.ts'] = [
  "import { FEES } from './registry.js';",
  "import type { Fee } from './registry.js';",
  'export class Charger {',
  '  rule?: Fee;',
  '}',
  'export function processCharge(kind: string, c: Charger, x: number): number {',
  '  const fee = FEES.get(kind);',
  '  return (fee ? fee(x) : 0) + (c.rule?.(x) ?? 0);',
  '}',
  '',
].join('\n');
files['src/wire.ts'] = [
  "import type { Charger } from './charge.js';",
  "import { filler5 } from './filler5.js';",
  'export function wire(c: Charger): void {',
  '  c.rule = (x) => filler5(x);',
  '}',
  '',
].join('\n');

// a function stored into a field inherited by a class two files away from the store
files['src/base1.ts'] = ['export class Base1 {', '  handle?: (x: number) => number;', '}', ''].join('\n');
files['src/base2.ts'] = ['export class Base2 {', '  handle?: (x: number) => number;', '}', ''].join('\n');
files['src/pay-a.ts'] = ["import { Base1 } from './base1.js';", 'export class PayA extends Base1 {}', ''].join('\n');
files['src/make-pay.ts'] = ["import { PayA } from './pay-a.js';", 'export function makePay() {', '  return new PayA();', '}', ''].join('\n');
files['src/setup.ts'] = [
  "import { makePay } from './make-pay.js';",
  "import { filler7 } from './filler7.js';",
  'export const PAY = makePay();',
  'PAY.handle = filler7;',
  '',
].join('\n');
files['src/use-pay.ts'] = [
  "import type { Base2 } from './base2.js';",
  'export function processBase2(b: Base2): number {',
  '  return b.handle?.(1) ?? 0;',
  '}',
  '',
].join('\n');

// a getter run by a destructuring, of a value whose class is declared two files away
files['src/inv.ts'] = [
  "import { filler6 } from './filler6.js';",
  'export class Inv {',
  '  get total(): number {',
  '    return filler6(1);',
  '  }',
  '}',
  '',
].join('\n');
files['src/inv-factory.ts'] = ["import { Inv } from './inv.js';", 'export function makeInv() {', '  return new Inv();', '}', ''].join('\n');
files['src/totals.ts'] = [
  "import { makeInv } from './inv-factory.js';",
  'export function processTotal(): number {',
  '  const { total } = makeInv();',
  '  return total;',
  '}',
  '',
].join('\n');

// a table filled through a registering method, which callers in other files pass functions to
files['src/reg-class.ts'] = [
  'type Fee = (x: number) => number;',
  'export class Reg {',
  '  private handlers = new Map<string, Fee>();',
  '  register(k: string, fn: Fee): void {',
  '    this.handlers.set(k, fn);',
  '  }',
  '  processReg(k: string, x: number): number {',
  '    return this.handlers.get(k)!(x);',
  '  }',
  '}',
  '',
].join('\n');

// an array of functions iterated in one file, filled in others; a parameter property of function type
files['src/steps.ts'] = ['export type Step = (x: number) => number;', 'export const STEPS: Step[] = [];', ''].join('\n');
files['src/run-steps.ts'] = [
  "import { STEPS } from './steps.js';",
  'export function processSteps(x: number): number {',
  '  for (const s of STEPS) x = s(x);',
  '  return STEPS.reduce((acc, s) => s(acc), x);',
  '}',
  '',
].join('\n');
files['src/fee-svc.ts'] = [
  'export class FeeSvc {',
  '  constructor(private readonly fee: (x: number) => number) {}',
  '  processFeeSvc(x: number): number {',
  '    return this.fee(x);',
  '  }',
  '}',
  '',
].join('\n');

const roots = {
  roots: ['*.approveLoan', '*.processPayment', '*.score', '*.calculateInterest', '*.processFee', '*.processCharge', '*.processTotal'],
};

describe('TypeScript warm runs with a partial program', () => {
  let repo: FixtureRepo;
  let cacheDir: string;
  before(async () => {
    repo = new FixtureRepo(files);
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-inc-'));
    // warm the cache with the base revision (a full program)
    const warmup = new GraphCaches(cacheDir);
    await evaluateGate({ repoDir: repo.dir, base: 'main', head: 'main', config: roots, caches: warmup });
    assert.equal(warmup.stats.tsProgramFiles, Object.keys(files).length);
  });
  after(() => {
    repo.remove();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('a class added in a new file that implements an interface is reached from a cached caller', async () => {
    const head = repo.branch('new-impl', {
      'src/b.ts': [
        "import type { Api } from './api.js';",
        'export class B implements Api {',
        '  run(x: number): number {',
        '    return x * 3;',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    const caches = new GraphCaches(cacheDir);
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches });
    assert.ok(caches.stats.tsFilesReused > 0, 'loans.ts edges come from the cache');
    assert.ok((caches.stats.tsProgramFiles ?? 0) < Object.keys(files).length, `partial program expected, got ${caches.stats.tsProgramFiles} files`);
    assertPath(r, ['src.loans.approveLoan', 'src.b.B.run'], 'head');
  });

  it('a method added in a new file is reached by an unresolved call in a cached file', async () => {
    const head = repo.branch('new-settle', {
      'src/bank.ts': ['export class Bank {', '  settle(x: number): number {', '    return x - 1;', '  }', '}', ''].join('\n'),
    });
    const caches = new GraphCaches(cacheDir);
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches });
    assert.ok((caches.stats.tsProgramFiles ?? 0) < Object.keys(files).length);
    assertPath(r, ['src.legacy.processPayment', 'src.bank.Bank.settle'], 'head');
  });

  it('a cached file is analysed again when a declaration it resolved through (outside its imports) changes', async () => {
    const head = repo.branch('types-edit', { 'src/types.ts': edit(files['src/types.ts']!, 'run(x: number): number', 'run(x: number, y = 0): number') });
    const caches = new GraphCaches(cacheDir);
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches });
    // types.ts itself, factory.ts (imports it) and caller.ts (its call resolved into types.ts)
    assert.equal(caches.stats.tsFilesWalked, 3);
    assertPath(r, ['src.caller.calculateInterest', 'src.types.Svc.run'], 'head');
  });

  it('an edit inside an annotated body is analysed in its own file only: what others resolve through it is unchanged', async () => {
    const head = repo.branch('types-body', { 'src/types.ts': edit(files['src/types.ts']!, 'return x;', 'const y = x * 2;\n    return y;') });
    // a cache of base's alone: another test's run may have left caller.ts's entry resolved through another types.ts
    const own = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-inc-body-'));
    try {
      await evaluateGate({ repoDir: repo.dir, base: 'main', head: 'main', config: roots, caches: new GraphCaches(own) });
      const caches = new GraphCaches(own);
      const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches });
      // neither factory.ts (imports it) nor caller.ts (resolved through it): their entries stand
      assert.equal(caches.stats.tsFilesWalked, 1);
      assertPath(r, ['src.caller.calculateInterest', 'src.types.Svc.run'], 'head');
      const sources = readRevisionSources(repo.dir, head);
      assert.deepEqual(edgeList(await buildCallGraph(sources, new GraphCaches(own))), edgeList(await buildCallGraph(sources)));
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('an edit inside an annotated body that changes which parameter it calls is seen by the files passing it callbacks', async () => {
    const before = ['export function apply(f: (x: number) => number, g: (x: number) => number): number {', '  return f(1);', '}', ''].join('\n');
    const base = repo.branch('apply-base', {
      'src/apply.ts': before,
      'src/useapply.ts': [
        "import { apply } from './apply.js';",
        "import { filler8 } from './filler8.js';",
        "import { filler9 } from './filler9.js';",
        'export function processPayment(): number {',
        '  return apply(filler8, filler9);',
        '}',
        '',
      ].join('\n'),
    });
    await evaluateGate({ repoDir: repo.dir, base, head: base, config: roots, caches: new GraphCaches(cacheDir) });
    // head differs from base in apply.ts's body alone (its outline is the same), and in filler9
    const head = repo.branch(
      'apply-head',
      { 'src/apply.ts': edit(before, 'return f(1);', 'return g(1);'), 'src/filler9.ts': edit(files['src/filler9.ts']!, 'x + 9', 'x + 90') },
      [],
      base,
    );
    const caches = new GraphCaches(cacheDir);
    const r = await evaluateGate({ repoDir: repo.dir, base, head, config: roots, caches });
    // the callback apply now calls is reached through the cached caller's entry, walked again
    assertPath(r, ['src.useapply.processPayment', 'src.apply.apply', 'src.filler9.filler9'], 'head');
    const sources = readRevisionSources(repo.dir, head);
    assert.deepEqual(edgeList(await buildCallGraph(sources, new GraphCaches(cacheDir))), edgeList(await buildCallGraph(sources)));
  });

  it('a change two imports away is found, and the partial graph equals a cold one', async () => {
    const head = repo.branch('filler-edit', { 'src/filler2.ts': edit(files['src/filler2.ts']!, 'x + 2', 'x + 20') });
    const caches = new GraphCaches(cacheDir);
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches });
    assert.ok((caches.stats.tsProgramFiles ?? 0) < Object.keys(files).length);
    assertPath(r, ['src.scoring.score', 'src.filler2.filler2'], 'head');

    const sources = readRevisionSources(repo.dir, head);
    const warm = await buildCallGraph(sources, new GraphCaches(cacheDir));
    const cold = await buildCallGraph(sources);
    assert.deepEqual(edgeList(warm), edgeList(cold));
  });

  it('a function stored into a Map or a field in a new file is reached from a cached caller, as in a cold run', async () => {
    const head = repo.branch('new-fee', {
      'src/pct.ts': [
        "import { FEES } from './registry.js';",
        "import type { Charger } from './charge.js';",
        'export function pctFee(x: number): number {',
        '  return x / 100;',
        '}',
        "FEES.set('pct', pctFee);",
        'export function wirePct(c: Charger): void {',
        '  c.rule = pctFee;',
        '}',
        '',
      ].join('\n'),
    });
    const caches = new GraphCaches(cacheDir);
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches });
    // only the new file is walked: charge.ts's edges come from the cache
    assert.equal(caches.stats.tsFilesWalked, 1);
    assertPath(r, ['src.charge.processCharge', 'src.pct.pctFee'], 'head');
    const sources = readRevisionSources(repo.dir, head);
    const warm = await buildCallGraph(sources, new GraphCaches(cacheDir));
    const cold = await buildCallGraph(sources);
    assert.deepEqual(edgeList(warm), edgeList(cold));
  });

  it('a function a new file passes to a cached registering method is reached from the cached dispatcher, as in a cold run', async () => {
    const head = repo.branch('new-registration', {
      'src/reg-use.ts': [
        "import { Reg } from './reg-class.js';",
        'export function cardFee(x: number): number {',
        '  return x * 2;',
        '}',
        'export function wireReg(r: Reg): void {',
        "  r.register('card', cardFee);",
        '}',
        '',
      ].join('\n'),
    });
    const caches = new GraphCaches(cacheDir);
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: { roots: ['*.processReg'] }, caches });
    assert.equal(caches.stats.tsFilesWalked, 1);
    assertPath(r, ['src.reg-class.Reg.processReg', 'src.reg-use.cardFee'], 'head');
    const sources = readRevisionSources(repo.dir, head);
    assert.deepEqual(edgeList(await buildCallGraph(sources, new GraphCaches(cacheDir))), edgeList(await buildCallGraph(sources)));
  });

  it('a function a new file pushes into a cached array, or passes to a parameter property, is reached from the cached callers, as in a cold run', async () => {
    const head = repo.branch('new-step', {
      'src/new-step.ts': [
        "import { STEPS } from './steps.js';",
        "import { FeeSvc } from './fee-svc.js';",
        'export function addTen(x: number): number {',
        '  return x + 10;',
        '}',
        'export function halve(x: number): number {',
        '  return x / 2;',
        '}',
        'STEPS.push(addTen);',
        'export const SVC = new FeeSvc(halve);',
        '',
      ].join('\n'),
    });
    const caches = new GraphCaches(cacheDir);
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: { roots: ['*.processSteps', '*.processFeeSvc'] }, caches });
    // only the new file is walked: run-steps.ts's and fee-svc.ts's edges come from the cache
    assert.equal(caches.stats.tsFilesWalked, 1);
    assertPath(r, ['src.run-steps.processSteps', 'src.new-step.addTen'], 'head');
    assertPath(r, ['src.fee-svc.FeeSvc.processFeeSvc', 'src.new-step.halve'], 'head');
    const sources = readRevisionSources(repo.dir, head);
    assert.deepEqual(edgeList(await buildCallGraph(sources, new GraphCaches(cacheDir))), edgeList(await buildCallGraph(sources)));
  });

  it('a store is walked again when the class of the value stored into changes two files away', async () => {
    const head = repo.branch('pay-a-base', { 'src/pay-a.ts': files['src/pay-a.ts']!.replace(/Base1/g, 'Base2').replace('base1', 'base2') });
    const sources = readRevisionSources(repo.dir, head);
    const warm = edgeList(await buildCallGraph(sources, new GraphCaches(cacheDir)));
    assert.ok(warm.includes('src.use-pay.processBase2 > src.filler7.filler7'), warm.filter((e) => e.startsWith('src.use-pay')).join('\n'));
    assert.deepEqual(warm, edgeList(await buildCallGraph(sources)));
  });

  it('a change to a function stored elsewhere is found from a cached caller', async () => {
    const head = repo.branch('filler4-edit', { 'src/filler4.ts': edit(files['src/filler4.ts']!, 'x + 4', 'x + 40') });
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches: new GraphCaches(cacheDir) });
    assertPath(r, ['src.charge.processCharge', 'src.flat.flatFee', 'src.filler4.filler4'], 'head');
    const field = repo.branch('filler5-edit', { 'src/filler5.ts': edit(files['src/filler5.ts']!, 'x + 5', 'x + 50') });
    const f = await evaluateGate({ repoDir: repo.dir, base: 'main', head: field, config: roots, caches: new GraphCaches(cacheDir) });
    assertPath(f, ['src.charge.processCharge', 'src.wire.wire.<arrow1>', 'src.filler5.filler5'], 'head');
  });

  it('a getter run by a destructuring is reached from a cached caller, and a cached caller is walked again when the getter is', async () => {
    const head = repo.branch('filler6-edit', { 'src/filler6.ts': edit(files['src/filler6.ts']!, 'x + 6', 'x + 60') });
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches: new GraphCaches(cacheDir) });
    assertPath(r, ['src.totals.processTotal', 'src.inv.Inv.total', 'src.filler6.filler6'], 'head');
    const moved = repo.branch('getter-edit', { 'src/inv.ts': edit(files['src/inv.ts']!, 'get total', 'get sum') });
    const caches = new GraphCaches(cacheDir);
    await evaluateGate({ repoDir: repo.dir, base: 'main', head: moved, config: roots, caches });
    // inv.ts, inv-factory.ts (imports it) and totals.ts (its destructuring resolved into inv.ts)
    assert.equal(caches.stats.tsFilesWalked, 3);
    const sources = readRevisionSources(repo.dir, moved);
    assert.deepEqual(edgeList(await buildCallGraph(sources, new GraphCaches(cacheDir))), edgeList(await buildCallGraph(sources)));
  });

  it('a cached read of a member its receiver lacks is walked again once a class the receiver extends declares it', async () => {
    const sizes = { roots: ['*.processSize'] };
    const base = repo.branch('size-base', {
      'src/shapes.ts': ['export class Shape {}', ''].join('\n'),
      'src/box.ts': ["import { Shape } from './shapes.js';", 'export class Box extends Shape {}', ''].join('\n'),
      'src/box-factory.ts': ["import { Box } from './box.js';", 'export function makeBox(): Box {', '  return new Box();', '}', ''].join('\n'),
      // `size` is some other class's getter: a known name, which the checker is asked about
      'src/other-size.ts': ['export class Other {', '  get size(): number {', '    return 1;', '  }', '}', ''].join('\n'),
      'src/size-reader.ts': [
        "import { makeBox } from './box-factory.js';",
        'export function processSize(): number {',
        '  // @ts-expect-error no Box has a size yet',
        '  return makeBox().size;',
        '}',
        '',
      ].join('\n'),
    });
    await evaluateGate({ repoDir: repo.dir, base, head: base, config: sizes, caches: new GraphCaches(cacheDir) });
    // neither box.ts nor shapes.ts is among size-reader.ts's imports; the getter goes on the class Box extends
    const head = repo.branch(
      'size-head',
      {
        'src/shapes.ts': [
          "import { filler11 } from './filler11.js';",
          'export class Shape {',
          '  get size(): number {',
          '    return filler11(1);',
          '  }',
          '}',
          '',
        ].join('\n'),
      },
      [],
      base,
    );
    const r = await evaluateGate({ repoDir: repo.dir, base, head, config: sizes, caches: new GraphCaches(cacheDir) });
    assertPath(r, ['src.size-reader.processSize', 'src.shapes.Shape.size'], 'head');
  });

  it('a constant built by a call changes with the function it calls in a warm run as in a cold one', async () => {
    const head = repo.branch('filler3-edit', { 'src/filler3.ts': edit(files['src/filler3.ts']!, 'x + 3', 'x + 30') });
    const caches = new GraphCaches(cacheDir);
    const warm = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, caches });
    assert.ok(caches.stats.tsFilesReused > 0, 'fees.ts and pay.ts edges come from the cache');
    const cold = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: roots, cacheDir: null });
    assert.ok(
      warm.reasons.some((x) => x.message.includes('src.pay.processFee (changed: reads src.fees.FEE)')),
      warm.reasons.map((x) => x.message).join('\n'),
    );
    assert.deepEqual(warm.reasons, cold.reasons);
  });
});

describe('TypeScript imports of files at the repository root', () => {
  let repo: FixtureRepo;
  const rootFiles: Record<string, string> = {
    'config.ts': ['export const FEE = 2;', 'export class Ledger {', '  post(x: number): number {', '    return x;', '  }', '}', ''].join('\n'),
    'lib/loans.ts': [
      "import { FEE, Ledger } from '../config.js';",
      'export function approveLoan(x: number): number {',
      '  return new Ledger().post(x) + FEE;',
      '}',
      '',
    ].join('\n'),
  };
  before(() => {
    repo = new FixtureRepo(rootFiles);
  });
  after(() => repo.remove());

  it('a constant in a top-level file read from a subdirectory counts as a change to its reader', async () => {
    const head = repo.branch('fee', { 'config.ts': edit(rootFiles['config.ts']!, 'FEE = 2', 'FEE = 3') });
    const r = await repo.gate(head, { roots: ['*.approveLoan'] });
    assert.equal(r.flagged, true, JSON.stringify(r.reasons));
    assert.ok(
      r.changedFunctions.some((c) => c.id === 'lib.loans.approveLoan'),
      JSON.stringify(r.changedFunctions),
    );
  });

  it('a method of a class in a top-level file is reached from a subdirectory', async () => {
    const head = repo.branch('post', { 'config.ts': edit(rootFiles['config.ts']!, 'return x;', 'return x + 1;') });
    const r = await repo.gate(head, { roots: ['*.approveLoan'] });
    assertPath(r, ['lib.loans.approveLoan', 'config.Ledger.post'], 'head');
  });
});

describe('TypeScript import aliases from tsconfig.json paths', () => {
  let repo: FixtureRepo;
  const aliasFiles: Record<string, string> = {
    // extends a base config that declares the aliases relative to baseUrl
    'tsconfig.base.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@bank/*': ['src/bank/*'] } } }),
    'tsconfig.json': '{\n  // comments are allowed\n  "extends": "./tsconfig.base.json",\n  "compilerOptions": { "strict": true }\n}\n',
    'src/bank/rates.ts': ['export const FEE = 2;', 'export function calc(x: number): number {', '  return x * 2;', '}', ''].join('\n'),
    'src/bank/ledger.ts': ['export class Ledger {', '  post(x: number): number {', '    return x;', '  }', '}', ''].join('\n'),
    'src/app/loans.ts': [
      "import { calc, FEE } from '@bank/rates';",
      "import { Ledger } from '@bank/ledger';",
      'export function approveLoan(x: number): number {',
      '  return new Ledger().post(calc(x)) + FEE;',
      '}',
      '',
    ].join('\n'),
    // a package with its own config and alias of the same name pointing elsewhere
    'packages/fx/tsconfig.json': JSON.stringify({ compilerOptions: { paths: { '@bank/*': ['./lib/*'] } } }),
    'packages/fx/lib/rates.ts': ['export function calc(x: number): number {', '  return x;', '}', ''].join('\n'),
    'packages/fx/src/convert.ts': [
      "import { calc } from '@bank/rates';",
      'export function processPayment(x: number): number {',
      '  return calc(x);',
      '}',
      '',
    ].join('\n'),
  };
  before(() => {
    repo = new FixtureRepo(aliasFiles);
  });
  after(() => repo.remove());

  it('resolves aliases precisely: functions, classes and constants behind them are reached', async () => {
    const roots = { roots: ['*.approveLoan', '*.processPayment'] };
    assertPath(
      await repo.gate(repo.branch('calc', { 'src/bank/rates.ts': edit(aliasFiles['src/bank/rates.ts']!, 'x * 2', 'x * 3') }), roots),
      ['src.app.loans.approveLoan', 'src.bank.rates.calc'],
      'head',
    );
    assertPath(
      await repo.gate(repo.branch('post', { 'src/bank/ledger.ts': edit(aliasFiles['src/bank/ledger.ts']!, 'return x;', 'return x + 1;') }), roots),
      ['src.app.loans.approveLoan', 'src.bank.ledger.Ledger.post'],
      'head',
    );
    const fee = await repo.gate(repo.branch('fee', { 'src/bank/rates.ts': edit(aliasFiles['src/bank/rates.ts']!, 'FEE = 2', 'FEE = 3') }), roots);
    assert.ok(
      fee.changedFunctions.some((c) => c.id === 'src.app.loans.approveLoan'),
      JSON.stringify(fee.changedFunctions),
    );
  });

  it('reads jsconfig.json for a JavaScript-only gate and tsconfig.json for TypeScript', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-jsconfig-'));
    try {
      writeFileSync(path.join(dir, 'jsconfig.json'), '{}');
      writeFileSync(path.join(dir, 'tsconfig.json'), '{}');
      writeFileSync(path.join(dir, 'a.js'), 'export const a = 1;\n');
      const js = readDirectorySources(dir, { languages: ['js'] }).map((f) => `${f.path}:${f.language}`);
      assert.deepEqual(js.sort(), ['a.js:js', 'jsconfig.json:js']);
      assert.deepEqual(
        readDirectorySources(dir, { languages: ['ts'] }).map((f) => f.path),
        ['tsconfig.json'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('each file uses the aliases of its nearest config', async () => {
    const g = await buildCallGraph(readRevisionSources(repo.dir, 'main'));
    assert.deepEqual(
      [...(g.calls.get('src.app.loans.approveLoan') ?? [])].filter((c) => c.endsWith('calc')),
      ['src.bank.rates.calc'],
    );
    assert.deepEqual([...(g.calls.get('packages.fx.src.convert.processPayment') ?? [])], ['packages.fx.lib.rates.calc']);
    assert.ok(![...g.defs.keys()].some((id) => id.startsWith('tsconfig')), 'configs are not analysed as code');
  });
});

describe('TypeScript import aliases changed by the change itself', () => {
  // the same files in base and head: only tsconfig.json's alias and the function it now names change
  it("resolves head's imports with head's aliases, not with what they named in base", async () => {
    const repo = new FixtureRepo(ALIASED_FEES);
    try {
      const head = repo.branch('realias', REALIASED_FEES);
      const config = { roots: ['*.processPayment'] };
      const result = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config, caches: new GraphCaches(undefined) });
      assert.equal(result.flagged, true, JSON.stringify(result.reasons));
      assert.deepEqual(
        result.paths.map((p) => p.nodes),
        [['web.pay.processPayment', 'alt.fee.charge']],
      );
    } finally {
      repo.remove();
    }
  });
});

describe('TypeScript alias settings changed: every form of import the checker resolves through them', () => {
  // Each file's cached edges are keyed by its alias settings as written. Keying them instead by
  // what the specifiers the syntax facts list resolve to missed these forms (a review's cases):
  // head then reused base's edges through the old alias, and a cold gate run missed a path.
  const svc = (fee: string): string =>
    ['export class Svc {', '  m(): number {', `    return ${fee}();`, '  }', '}', `export function ${fee}(): number {`, '  return 1;', '}', ''].join('\n');
  const aliases = (to: string): string => JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@svc/*': [`${to}/*`] } } });
  const shared = { 'tsconfig.json': aliases('lib'), 'lib/svc.ts': svc('libFee'), 'alt/svc.ts': svc('altFee') };
  const forms: [string, Record<string, string>][] = [
    [
      'a JSDoc @import over several lines',
      {
        'app/pay.js': [
          '/**',
          ' * @import {',
          ' *   Svc',
          " * } from '@svc/svc'",
          ' */',
          '',
          '/** @param {Svc} s */',
          'export function processPayment(s) {',
          '  return s.m();',
          '}',
          '',
        ].join('\n'),
      },
    ],
    [
      'an import inside an ambient module',
      {
        'types/ext.ts': ["declare module 'ext-lib' {", "  import { Svc } from '@svc/svc';", '  export function get(): Svc;', '}', ''].join('\n'),
        'app/pay.ts': ["import { get } from 'ext-lib';", 'export function processPayment(): number {', '  return get().m();', '}', ''].join('\n'),
      },
    ],
    [
      'an import type with a comment before its parenthesis',
      { 'app/pay.ts': ["export function processPayment(s: import/**/('@svc/svc').Svc): number {", '  return s.m();', '}', ''].join('\n') },
    ],
    [
      'such an import type in a file the caller imports',
      {
        'app/b.ts': ['export interface Holder {', "  x: import/**/('@svc/svc').Svc;", '}', ''].join('\n'),
        'app/pay.ts': ["import type { Holder } from './b';", 'export function processPayment(h: Holder): number {', '  return h.x.m();', '}', ''].join('\n'),
      },
    ],
  ];
  for (const [form, files] of forms) {
    it(`${form}: head after base as head alone`, async () => {
      const repo = new FixtureRepo({ ...shared, ...files });
      try {
        const head = repo.branch('realias', { 'tsconfig.json': aliases('alt') });
        const caches = new GraphCaches(undefined);
        await buildCallGraph(readRevisionSources(repo.dir, 'main'), caches);
        const warm = edgeList(await buildCallGraph(readRevisionSources(repo.dir, head), caches));
        const cold = edgeList(await buildCallGraph(readRevisionSources(repo.dir, head), new GraphCaches(undefined)));
        assert.ok(cold.includes('app.pay.processPayment > alt.svc.Svc.m'), cold.join('\n'));
        assert.deepEqual(warm, cold);
      } finally {
        repo.remove();
      }
    });
  }
});

describe('TypeScript imports that a file added by the change answers', () => {
  it("head resolves base's imports afresh where a new file comes first, and takes the others over", async () => {
    const shadowed: Record<string, string> = {
      'web/pay.ts': [
        "import { fee } from './fee';",
        "import { tax } from './tax';",
        'export function processPayment(x: number): number {',
        '  return fee(tax(x));',
        '}',
        '',
      ].join('\n'),
      'web/fee/index.ts': ['export function fee(x: number): number {', '  return x + 1;', '}', ''].join('\n'),
      'web/tax.ts': ['export function tax(x: number): number {', '  return x * 2;', '}', ''].join('\n'),
    };
    const repo = new FixtureRepo(shadowed);
    try {
      // web/fee.ts comes before web/fee/index.ts for `./fee`: processPayment now calls the new fee
      const head = repo.branch('shadow', { 'web/fee.ts': ['export function fee(x: number): number {', '  return x + 2;', '}', ''].join('\n') });
      const caches = new GraphCaches(undefined);
      const result = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: { roots: ['*.processPayment'] }, caches });
      assert.deepEqual(
        result.paths.map((p) => p.nodes),
        [['web.pay.processPayment', 'web.fee.fee']],
      );
      // base resolved pay.ts's two imports; head only `./fee` again
      assert.equal(caches.stats.tsImportsResolved, 3);
    } finally {
      repo.remove();
    }
  });
});

describe('TypeScript cached entries and names that become known', () => {
  // `deps.handle` names an interface property whose type is an alias: no repository definition
  // carries `handle`, so the call is skipped (and the name left pending); a class that adds a
  // data field `handle` makes the name known, and a cold walk then reaches what is stored there
  const fixture: Record<string, string> = {
    'src/types.ts': ['export type Fn = (x: number) => number;', 'export interface Deps {', '  handle?: Fn;', '}', ''].join('\n'),
    'src/deps.ts': ["import type { Deps } from './types.js';", 'export const deps: Deps = {};', ''].join('\n'),
    'src/deep.ts': ['export function deep(x: number): number {', '  return x + 1;', '}', ''].join('\n'),
    'src/fee.ts': ["import { deep } from './deep.js';", 'export function fee(x: number): number {', '  return deep(x);', '}', ''].join('\n'),
    'src/store.ts': ["import { deps } from './deps.js';", "import { fee } from './fee.js';", 'deps.handle = fee;', ''].join('\n'),
    'src/caller.ts': ["import { deps } from './deps.js';", 'export function approveLoan(): number {', '  return deps.handle?.(1) ?? 0;', '}', ''].join('\n'),
  };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(fixture);
  });
  after(() => repo.remove());

  it('an entry that skipped a name as unknown is walked again once a data field of that name is defined', async () => {
    const head = repo.branch('local-deps', {
      'src/deep.ts': edit(fixture['src/deep.ts']!, 'x + 1', 'x + 2'),
      'src/local.ts': ["import type { Deps, Fn } from './types.js';", 'export class LocalDeps implements Deps {', '  handle?: Fn;', '}', ''].join('\n'),
    });
    const sources = readRevisionSources(repo.dir, head);
    const cold = await buildCallGraph(sources);
    assert.ok(edgeList(cold).includes('src.caller.approveLoan > src.fee.fee'), edgeList(cold).join('\n'));
    // the base revision's entries (caller.ts is unchanged, its imports too) must not hide it
    const r = await repo.gate(head, { roots: ['*.approveLoan'] });
    assertPath(r, ['src.caller.approveLoan', 'src.fee.fee', 'src.deep.deep'], 'head');
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-inc-'));
    try {
      // written as a gate run writes them, or the next run would find none and be cold too
      const warmed = new GraphCaches(cacheDir);
      await buildCallGraph(readRevisionSources(repo.dir, 'main'), warmed);
      warmed.save();
      const warm = new GraphCaches(cacheDir);
      assert.deepEqual(edgeList(await buildCallGraph(sources, warm)), edgeList(cold));
      assert.ok(warm.stats.tsFilesReused > 0, 'some entries came from the cache');
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

/**
 * Runs `f` on a fixture repository of `files` and a cache folder filled from its `main`, written
 * as a gate run writes it (the next run takes it from the disk, else that run would be cold too);
 * both removed after.
 */
async function withWarmedCache(files: Record<string, string>, f: (repo: FixtureRepo, cacheDir: string) => Promise<void>): Promise<void> {
  const repo = new FixtureRepo(files);
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-inc-key-'));
  try {
    const warmed = new GraphCaches(cacheDir);
    await buildCallGraph(readRevisionSources(repo.dir, 'main'), warmed);
    warmed.save();
    await f(repo, cacheDir);
  } finally {
    repo.remove();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

describe('TypeScript warm runs after an edit that leaves a file outline key as it was', () => {
  // each case: a base, an edit of one file (its outline text unchanged but for what the case
  // names), and the edge a cold run of the head has that a warm run must find too
  const cases: { name: string; base: Record<string, string>; head: Record<string, string>; edge: string }[] = [
    {
      name: 'a place named by position after a body above it grows',
      base: {
        'src/fees.ts': 'export function fee(x: number): number {\n  return x;\n}\n',
        'src/d.ts': [
          "import { fee } from './fees.js';",
          'export function pad(): number {',
          '  return 1;',
          '}',
          'export interface Registry {',
          '  handlers: Map<string, (x: number) => number>;',
          '}',
          'export const registry: Registry = { handlers: new Map() };',
          "registry.handlers.set('card', fee);",
          '',
        ].join('\n'),
        'src/g.ts': "import { registry } from './d.js';\nexport function charge(k: string): number {\n  return registry.handlers.get(k)!(1);\n}\n",
      },
      head: { 'src/d.ts': 'return 1;' },
      edge: 'src.g.charge > src.fees.fee',
    },
    {
      name: 'a factory declared to return a promise of a function, which now returns another',
      base: {
        'src/fees.ts':
          'export type Fee = (x: number) => number;\nexport function settle(x: number): number {\n  return x;\n}\nexport function other(x: number): number {\n  return x * 2;\n}\n',
        'src/d.ts': "import { settle, other, type Fee } from './fees.js';\nexport async function make(): Promise<Fee> {\n  return settle;\n}\n",
        'src/f.ts': "import { make } from './d.js';\nexport async function run(): Promise<number> {\n  const s = await make();\n  return s(1);\n}\n",
      },
      head: { 'src/d.ts': 'return settle;' },
      edge: 'src.f.run > src.fees.other',
    },
    {
      name: 'a method read, overridden by a getter added in the receiver’s class',
      base: {
        'src/b.ts': 'export class B {\n  total(): number {\n    return 1;\n  }\n}\n',
        'src/c.ts': "import { B } from './b.js';\nexport class C extends B {\n  other(): number {\n    return 2;\n  }\n}\n",
        'src/x.ts': "import { C } from './c.js';\nexport const svc = new C();\n",
        'src/f.ts': "import { svc } from './x.js';\nexport function read() {\n  return svc.total;\n}\n",
      },
      head: { 'src/c.ts': '  other(): number {' },
      edge: 'src.f.read > src.c.C.total',
    },
    {
      name: 'a member a union receiver lacks, added as a getter to the class both members extend',
      base: {
        'src/base.ts': 'export class Base {\n  id(): number {\n    return 0;\n  }\n}\n',
        'src/card.ts': "import { Base } from './base.js';\nexport class Card extends Base {\n  kind = 'card';\n}\n",
        'src/wire.ts': "import { Base } from './base.js';\nexport class Wire extends Base {\n  kind = 'wire';\n}\n",
        'src/f.ts':
          "import type { Card } from './card.js';\nimport type { Wire } from './wire.js';\nexport function read(x: Card | Wire) {\n  // @ts-expect-error no total yet\n  return x.total;\n}\nexport function total() {\n  return 1;\n}\n",
      },
      head: { 'src/base.ts': '  id(): number {' },
      edge: 'src.f.read > src.base.Base.total',
    },
  ];
  // the edit of each case: what replaces the text its `head` names
  const edits: Record<string, string> = {
    'return 1;': 'return 1 + 2 + 3;',
    'return settle;': 'return other;',
    '  other(): number {': '  // @ts-expect-error a getter over a method\n  get total(): number {\n    return 3;\n  }\n  other(): number {',
    '  id(): number {': '  get total(): number {\n    return 1;\n  }\n  id(): number {',
  };
  it('an edit inside a body declared to return data that holds no function walks its file alone, though importers take what it returns', async () => {
    const files = {
      'src/d.ts': 'export async function load(): Promise<number[]> {\n  const o = [1];\n  return o;\n}\n',
      'src/f.ts': "import { load } from './d.js';\nexport async function run(): Promise<number> {\n  const o = await load();\n  return o.length;\n}\n",
    };
    await withWarmedCache(files, async (repo, cacheDir) => {
      const head = repo.branch('head', { 'src/d.ts': edit(files['src/d.ts'], '[1]', '[1, 2]') });
      const sources = readRevisionSources(repo.dir, head);
      const caches = new GraphCaches(cacheDir);
      assert.deepEqual(edgeList(await buildCallGraph(sources, caches)), edgeList(await buildCallGraph(sources)));
      // f.ts read load's returns (a value stored from a call), but a number[] holds no function
      assert.equal(caches.stats.tsFilesWalked, 1);
    });
  });

  for (const c of cases) {
    it(c.name, async () => {
      // with a file the edit cannot concern, whose entry a warm run must take from the cache
      await withWarmedCache({ ...c.base, 'src/filler.ts': 'export function filler(x: number): number {\n  return x;\n}\n' }, async (repo, cacheDir) => {
        const [file, from] = Object.entries(c.head)[0]!;
        const head = repo.branch('head', { [file]: edit(c.base[file]!, from, edits[from]!) });
        const sources = readRevisionSources(repo.dir, head);
        const cold = edgeList(await buildCallGraph(sources));
        assert.ok(cold.includes(c.edge), cold.join('\n'));
        const warm = new GraphCaches(cacheDir);
        assert.deepEqual(edgeList(await buildCallGraph(sources, warm)), cold);
        assert.ok(warm.stats.tsFilesReused > 0, 'some entries came from the cache');
      });
    });
  }

  it('edges stored by other code are not used: the walk is code, and its entries are kept under the code version', async () => {
    const base = {
      'src/fees.ts': 'export function fee(x: number): number {\n  return x;\n}\n',
      'src/pay.ts': "import { fee } from './fees.js';\nexport function pay(x: number): number {\n  return fee(x);\n}\n",
      'src/other.ts': 'export function other(): number {\n  return 1;\n}\n',
    };
    await withWarmedCache(base, async (repo, cacheDir) => {
      const head = repo.branch('head', { 'src/other.ts': edit(base['src/other.ts'], 'return 1;', 'return 2;') });
      const sources = readRevisionSources(repo.dir, head);
      const cold = edgeList(await buildCallGraph(sources));
      const packs = readdirSync(cacheDir).filter((n) => n.includes('-ts-edges.'));
      assert.ok(packs.length > 0, readdirSync(cacheDir).join(' '));
      const code = gateCodeVersion().slice(0, 16);
      const texts = new Map(packs.map((n) => [n, readFileSync(path.join(cacheDir, n), 'utf8')]));
      assert.ok(
        [...texts.values()].some((t) => t.includes(`"${code}:`)),
        'entries are keyed by the code version',
      );
      // the same entries, as another build of the gate would have stored them
      for (const [n, t] of texts) writeFileSync(path.join(cacheDir, n), t.replaceAll(`"${code}:`, `"${'0'.repeat(16)}:`));
      const other = new GraphCaches(cacheDir);
      assert.deepEqual(edgeList(await buildCallGraph(sources, other)), cold);
      assert.equal(other.stats.tsFilesReused, 0, 'no entry of other code is used');
      assert.equal(other.stats.tsFilesWalked, 3);
      // and this code's own entries are (the run above stored them)
      other.save();
      const again = new GraphCaches(cacheDir);
      assert.deepEqual(
        edgeList(
          await buildCallGraph(
            readRevisionSources(repo.dir, repo.branch('head2', { 'src/other.ts': edit(base['src/other.ts'], 'return 1;', 'return 3;') })),
            again,
          ),
        ),
        edgeList(await buildCallGraph(readRevisionSources(repo.dir, 'head2'))),
      );
      assert.equal(again.stats.tsFilesWalked, 1);
    });
  });

  it('a function declared to return data that holds no function is taken at its word, warm as cold: what it returns through `any` is not followed', async () => {
    // its body is blanked in an outline, so only a program holding the file in full could read it
    const base = {
      'src/d.ts': [
        'export const settle: any = (x: number): number => x;',
        'export const other: any = (x: number): number => x * 2;',
        'export function make(): number {',
        '  return settle;',
        '}',
        '',
      ].join('\n'),
      'src/f.ts': "import { make } from './d.js';\nexport function run(): number {\n  const s: any = make();\n  return s(1);\n}\n",
    };
    await withWarmedCache(base, async (repo, cacheDir) => {
      // the factory's body edited (f.ts from the cache), then the caller's (d.ts an outline)
      for (const [file, from, to] of [
        ['src/d.ts', 'return settle;', 'return other;'],
        ['src/f.ts', 'return s(1);', 'return s(1) + 1;'],
      ] as const) {
        const head = repo.branch(`head-${path.basename(file, '.ts')}`, { [file]: edit(base[file], from, to) });
        const sources = readRevisionSources(repo.dir, head);
        const cold = edgeList(await buildCallGraph(sources));
        assert.ok(!cold.some((e) => e.startsWith('src.f.run > src.d.settle') || e.startsWith('src.f.run > src.d.other')), cold.join('\n'));
        assert.ok(cold.includes('src.f.run > src.d.make'), cold.join('\n'));
        const warm = new GraphCaches(cacheDir);
        assert.deepEqual(edgeList(await buildCallGraph(sources, warm)), cold, file);
        assert.equal(warm.stats.tsFilesWalked, 1, `${file} alone is walked`);
      }
    });
  });

  it('an edit beside an unchanged factory declared to return a promise of a function reads what it returns from its outline', async () => {
    // the warm run walks f.ts alone, with d.ts held only as context: its outline shows make's body
    const base = {
      'src/fees.ts': 'export type Fee = (x: number) => number;\nexport function settle(x: number): number {\n  return x;\n}\n',
      'src/d.ts': "import { settle, type Fee } from './fees.js';\nexport async function make(): Promise<Fee> {\n  return settle;\n}\n",
      'src/f.ts': "import { make } from './d.js';\nexport async function run(): Promise<number> {\n  const s = await make();\n  return s(1);\n}\n",
    };
    await withWarmedCache(base, async (repo, cacheDir) => {
      const head = repo.branch('head', { 'src/f.ts': edit(base['src/f.ts'], 'return s(1);', 'return s(1) + 1;') });
      const sources = readRevisionSources(repo.dir, head);
      const cold = edgeList(await buildCallGraph(sources));
      assert.ok(cold.includes('src.f.run > src.fees.settle'), cold.join('\n'));
      const warm = new GraphCaches(cacheDir);
      assert.deepEqual(edgeList(await buildCallGraph(sources, warm)), cold);
      assert.equal(warm.stats.tsFilesWalked, 1, 'f.ts alone is walked');
    });
  });
});

describe('TypeScript names resolved in another file than the one walked: the walk depends on every file on the way', () => {
  // each case: a repository, an edit in a file the walked caller (src/a.ts) does not import, and the
  // edge a cold run of the edited repository has; a warm run must find it too (a.ts's entry from
  // the cache would keep the old one), and so must an analysis split into one program per file
  const fees = 'export function settle(x: number): number {\n  return x;\n}\nexport function refund(x: number): number {\n  return -x;\n}\n';
  // (`edge`: an edge the cold run has; `gone`: one it no longer has, the edit having deleted a file)
  const cases: { name: string; base: Record<string, string>; edited: [string, string | null]; edge?: string; gone?: string }[] = [
    {
      name: 'a factory, called by a variable of another file, whose declared type now holds a function',
      base: {
        'src/fees.ts': fees,
        'src/c.ts':
          "import { settle } from './fees.js';\nexport type Fee = (x: number) => number;\nexport function make(): number[] {\n  return [settle(1)];\n}\n",
        'src/b.ts': "import { make } from './c.js';\nexport const s = make();\n",
        'src/a.ts': "import { s } from './b.js';\nexport function run(): void {\n  (s as any)(1);\n}\n",
      },
      edited: [
        'src/c.ts',
        "import { settle } from './fees.js';\nexport type Fee = (x: number) => number;\nexport function make(): Fee {\n  return settle;\n}\n",
      ],
      edge: 'src.a.run > src.fees.settle',
    },
    {
      name: 'a re-export between a variable of another file and the factory it calls, switched to another module',
      base: {
        'src/fees.ts': fees,
        'src/c.ts': "import { settle } from './fees.js';\nexport function make(): (x: number) => number {\n  return settle;\n}\n",
        'src/e.ts': "import { refund } from './fees.js';\nexport function make(): (x: number) => number {\n  return refund;\n}\n",
        'src/x.ts': "export { make } from './c.js';\n",
        'src/b.ts': "import { make } from './x.js';\nexport const s = make();\n",
        'src/a.ts': "import { s } from './b.js';\nexport function run(): void {\n  s(1);\n}\n",
      },
      edited: ['src/x.ts', "export { make } from './e.js';\n"],
      edge: 'src.a.run > src.fees.refund',
    },
    {
      name: 'a re-export under a table of another file, switched to another module',
      base: {
        'src/c.ts': 'export function settle(x: number): number {\n  return x;\n}\n',
        'src/e.ts': 'export function settle(x: number): number {\n  return -x;\n}\n',
        'src/x.ts': "export { settle } from './c.js';\n",
        'src/b.ts': "import { settle } from './x.js';\nexport const handlers = [settle];\n",
        'src/a.ts': "import { handlers } from './b.js';\nexport function run(i: number): void {\n  handlers[i]!(1);\n}\n",
      },
      edited: ['src/x.ts', "export { settle } from './e.js';\n"],
      edge: 'src.a.run > src.e.settle',
    },
    {
      name: "a factory returning a namespace import's function, whose module is deleted",
      base: {
        'src/fees.ts': fees,
        'src/d.ts': "import * as fees from './fees.js';\nexport async function make(): Promise<(x: number) => number> {\n  return fees.settle;\n}\n",
        'src/a.ts': "import { make } from './d.js';\nexport async function run(): Promise<number> {\n  const s = await make();\n  return s(1);\n}\n",
      },
      edited: ['src/fees.ts', null],
      gone: 'src.a.run > src.fees.settle',
    },
    {
      name: "a factory returning a namespace's member, the namespace's module re-exporting another module",
      base: {
        'src/fees.ts': fees,
        'src/fees2.ts': fees.replace('return x;', 'return 2 * x;'),
        'src/fidx.ts': "export * from './fees.js';\n",
        'src/d.ts': "import * as f from './fidx.js';\nexport function make() {\n  return f.settle;\n}\n",
        'src/a.ts': "import { make } from './d.js';\nexport function run(): number {\n  return make()(1);\n}\n",
      },
      edited: ['src/fidx.ts', "export * from './fees2.js';\n"],
      edge: 'src.a.run > src.fees2.settle',
    },
    {
      name: "a factory returning a namespace's member, a module two re-exports away switching to another",
      base: {
        'src/fees.ts': fees,
        'src/fees2.ts': fees.replace('return x;', 'return 2 * x;'),
        'src/fidx.ts': "export * from './mid.js';\n",
        'src/mid.ts': "export * from './fees.js';\n",
        'src/d.ts': "import * as f from './fidx.js';\nexport function make() {\n  return f.settle;\n}\n",
        'src/a.ts': "import { make } from './d.js';\nexport function run(): number {\n  const s = make();\n  return s(1);\n}\n",
      },
      edited: ['src/mid.ts', "export * from './fees2.js';\n"],
      edge: 'src.a.run > src.fees2.settle',
    },
    {
      name: "a factory returning a namespace's member that no module has, a module the namespace re-exports from added back",
      base: {
        'src/fidx.ts': "export * from './fees.js';\n",
        'src/d.ts': "import * as f from './fidx.js';\nexport function make() {\n  return f.settle;\n}\n",
        'src/a.ts': "import { make } from './d.js';\nexport async function run(): Promise<number> {\n  return (await make())(1);\n}\n",
      },
      edited: ['src/fees.ts', fees],
      edge: 'src.a.run > src.fees.settle',
    },
    {
      name: "a factory's import resolving to a file the change adds beside the one it named, the factory's text unchanged",
      base: {
        'src/fees/index.ts': fees,
        'src/d.ts': "import { settle } from './fees';\nexport function make() {\n  return settle;\n}\n",
        'src/a.ts': "import { make } from './d';\nexport function run(): number {\n  return make()(1);\n}\n",
      },
      edited: ['src/fees.ts', fees.replace('return x;', 'return 2 * x;')],
      edge: 'src.a.run > src.fees.settle',
    },
  ];
  const analyse = (files: Record<string, string>, cache?: TsAnalysisCache, programBudgetChars?: number): TsGraphPart =>
    analyzeTypeScript(
      Object.entries(files).map(([p, text]) => ({ path: p, text })),
      cache,
      undefined,
      programBudgetChars === undefined ? {} : { programBudgetChars },
    );
  const feesAndAdjust = fees + 'export function adjust(x: number): number {\n  return x + 1;\n}\n';
  /** The edges of a warm run of `head`, the cache filled by a run of `base`. */
  const warmEdges = (base: Record<string, string>, head: Record<string, string>): string[] => {
    const cache: TsAnalysisCache = { facts: new Map<string, TsFileFacts>(), edges: new Map<string, TsFileEdges>() };
    analyse(base, cache);
    return edgeList(analyse(head, cache));
  };
  for (const c of cases) {
    it(c.name, () => {
      const head = { ...c.base };
      if (c.edited[1] === null) delete head[c.edited[0]];
      else head[c.edited[0]] = c.edited[1];
      const cold = edgeList(analyse(head));
      if (c.edge) assert.ok(cold.includes(c.edge), cold.join('\n'));
      if (c.gone) assert.ok(edgeList(analyse(c.base)).includes(c.gone) && !cold.includes(c.gone), cold.join('\n'));
      assert.deepEqual(warmEdges(c.base, head), cold, 'warm');
      assert.deepEqual(edgeList(analyse(head, undefined, 1)), cold, 'one program per file');
    });
  }

  it('what a factory returns through a cast, parentheses or a non-null assertion is followed, in full and in outline alike', () => {
    const files = {
      'src/fees.ts': feesAndAdjust,
      'src/d.ts': [
        "import { settle, refund, adjust } from './fees.js';",
        'export type Fee = (x: number) => number;',
        'export function viaAs(): Fee {',
        '  return settle as Fee;',
        '}',
        'export function viaParens(): Fee {',
        '  return (refund)!;',
        '}',
        'export function viaAssertion(): Fee {',
        '  return <Fee>adjust;',
        '}',
        '',
      ].join('\n'),
      'src/a.ts':
        "import { viaAs, viaParens, viaAssertion } from './d.js';\nexport function run(): number {\n  const a = viaAs();\n  const b = viaParens();\n  const c = viaAssertion();\n  return a(1) + b(1) + c(1);\n}\n",
    };
    const cold = edgeList(analyse(files));
    for (const target of ['settle', 'refund', 'adjust']) assert.ok(cold.includes(`src.a.run > src.fees.${target}`), cold.join('\n'));
    assert.deepEqual(edgeList(analyse(files, undefined, 1)), cold, 'one program per file (d.ts an outline where a.ts is walked)');
    const edited = { ...files, 'src/a.ts': files['src/a.ts'].replace('return a(1)', 'return 1 + a(1)') };
    assert.deepEqual(warmEdges(files, edited), edgeList(analyse(edited)), 'a warm run after an edit of the caller');
  });

  it('a call of what a call returns (`make()()`, `picker.pick()()`, `(await load())()`) runs what the callee returns, in full and in outline alike', () => {
    const files = {
      'src/fees.ts': feesAndAdjust,
      'src/d.ts': [
        "import { settle, refund, adjust } from './fees.js';",
        'export function make() {',
        '  return settle;',
        '}',
        'export class Picker {',
        '  pick(): (x: number) => number {',
        '    return refund;',
        '  }',
        '}',
        'export const picker = new Picker();',
        'export async function load(): Promise<(x: number) => number> {',
        '  return adjust;',
        '}',
        '',
      ].join('\n'),
      'src/a.ts': [
        "import { make, picker, Picker, load } from './d.js';",
        'export function direct(): number {',
        '  return make()(1);',
        '}',
        'export function method(): number {',
        '  return picker.pick()(1) + new Picker().pick()(2);',
        '}',
        'export async function awaited(): Promise<number> {',
        '  return (await load())(1);',
        '}',
        'export function wrapped(): number {',
        '  return (make)()(1) + picker.pick!()(2);',
        '}',
        '',
      ].join('\n'),
    };
    const cold = edgeList(analyse(files));
    for (const edge of [
      'direct > src.fees.settle',
      'method > src.fees.refund',
      'awaited > src.fees.adjust',
      'wrapped > src.fees.settle',
      'wrapped > src.fees.refund',
    ])
      assert.ok(cold.includes(`src.a.${edge}`), cold.join('\n'));
    assert.deepEqual(edgeList(analyse(files, undefined, 1)), cold, 'one program per file (d.ts an outline where a.ts is walked)');
    // what the method returns changes: the cached caller is walked again
    const edited = { ...files, 'src/d.ts': files['src/d.ts'].replace('return refund;', 'return settle;') };
    const editedCold = edgeList(analyse(edited));
    assert.ok(editedCold.includes('src.a.method > src.fees.settle') && !editedCold.includes('src.a.method > src.fees.refund'), editedCold.join('\n'));
    assert.deepEqual(warmEdges(files, edited), editedCold, 'a warm run after an edit of what the method returns');
  });
});
