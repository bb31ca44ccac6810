import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCallGraph, readDirectorySources, toPycg } from '../../src/gate/index.js';
import { assertNotFlagged, assertPath, edit, FixtureRepo, graphOf } from './fixture.js';

// TypeScript names follow the default roots written in camelCase, configured explicitly.
const roots = ['*.approveLoan', '*.processPayment', '*.calculateInterest'];

const files: Record<string, string> = {
  'src/lib/rounding.ts': [
    'export const SCALE = 100;',
    'export function roundHalfEven(x: number): number {',
    '  return Math.round(x * SCALE) / SCALE;',
    '}',
    'export function unrelatedFormat(x: number): string {',
    '  return String(x);',
    '}',
    'export default function clamp(x: number): number {',
    '  return Math.max(0, x);',
    '}',
    '',
  ].join('\n'),
  'src/lib/index.ts': ["export { roundHalfEven as rhe } from './rounding.js';", "export { default as clamp } from './rounding.js';", ''].join('\n'),
  'src/scoring.ts': [
    "import { rhe } from './lib/index.js';",
    'export interface Scorer {',
    '  score(a: number): number;',
    '}',
    'export class RiskScorer implements Scorer {',
    '  score(a: number): number {',
    '    return weigh(a);',
    '  }',
    '}',
    'export function weigh(a: number): number {',
    '  return rhe(a) * 2;',
    '}',
    '',
  ].join('\n'),
  'src/loans.ts': [
    "import type { Scorer } from './scoring.js';",
    "import { clamp } from './lib/index.js';",
    'export function approveLoan(scorer: Scorer, a: number): boolean {',
    '  return scorer.score(clamp(a)) > 1;',
    '}',
    'export function fee(a: number): number {',
    '  return a * 0.01;',
    '}',
    'function applyAll(xs: number[], fn: (x: number) => number): number[] {',
    '  return xs.map(fn);',
    '}',
    'export const processPayment = (a: number): number[] => applyAll([a], fee);',
    '',
  ].join('\n'),
  'src/legacy.ts': [
    'export abstract class Account {',
    '  abstract accrue(x: number): number;',
    '  calculateInterest(x: number): number {',
    '    return this.accrue(x);',
    '  }',
    '}',
    'export class Savings extends Account {',
    '  accrue(x: number): number {',
    '    return oldHelper(x);',
    '  }',
    '}',
    'function oldHelper(x: number): number {',
    '  return x + 1;',
    '}',
    '',
  ].join('\n'),
  'src/report.js': ['export function render(x) {', '  return String(x);', '}', ''].join('\n'),
};

describe('gate on a TypeScript/JavaScript repository', () => {
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('direct call and a base-class method resolved to its override (this.accrue → Savings.accrue)', async () => {
    const head = repo.branch('direct', { 'src/legacy.ts': edit(files['src/legacy.ts']!, 'x + 1', 'x + 2') });
    const r = await repo.gate(head, { roots });
    assertPath(r, ['src.legacy.Account.calculateInterest', 'src.legacy.Savings.accrue', 'src.legacy.oldHelper'], 'head');
  });

  it('3+ hops through an interface method, a re-export and an import alias', async () => {
    const head = repo.branch('hops', { 'src/lib/rounding.ts': edit(files['src/lib/rounding.ts']!, 'Math.round(x * SCALE)', 'Math.round(x * SCALE + 0)') });
    const r = await repo.gate(head, { roots });
    assertPath(r, ['src.loans.approveLoan', 'src.scoring.RiskScorer.score', 'src.scoring.weigh', 'src.lib.rounding.roundHalfEven'], 'head');
  });

  it('a default export re-exported under a name', async () => {
    const head = repo.branch('default-export', { 'src/lib/rounding.ts': edit(files['src/lib/rounding.ts']!, 'Math.max(0, x)', 'Math.max(1, x)') });
    const r = await repo.gate(head, { roots });
    assertPath(r, ['src.loans.approveLoan', 'src.lib.rounding.clamp'], 'head');
  });

  it('through a callback passed as an argument', async () => {
    const head = repo.branch('callback', { 'src/loans.ts': edit(files['src/loans.ts']!, 'a * 0.01', 'a * 0.02') });
    const r = await repo.gate(head, { roots });
    // applyAll invokes its parameter (xs.map(fn)), so the callback is called from there
    assertPath(r, ['src.loans.processPayment', 'src.loans.applyAll', 'src.loans.fee'], 'head');
  });

  it('through an exported constant read in another function', async () => {
    const head = repo.branch('constant', { 'src/lib/rounding.ts': edit(files['src/lib/rounding.ts']!, 'SCALE = 100', 'SCALE = 1000') });
    const r = await repo.gate(head, { roots });
    const changed = r.changedFunctions.find((c) => c.id === 'src.lib.rounding.roundHalfEven' && c.revision === 'head');
    assert.equal(changed?.via, 'binding');
    assertPath(r, ['src.loans.approveLoan', 'src.scoring.RiskScorer.score', 'src.scoring.weigh', 'src.lib.rounding.roundHalfEven'], 'head');
  });

  it('a deleted function is found in the base revision', async () => {
    const legacy = edit(
      edit(files['src/legacy.ts']!, 'return oldHelper(x);', 'return x + 1;'),
      'function oldHelper(x: number): number {\n  return x + 1;\n}\n',
      '',
    );
    const r = await repo.gate(repo.branch('deleted', { 'src/legacy.ts': legacy }), { roots });
    assertPath(r, ['src.legacy.Account.calculateInterest', 'src.legacy.Savings.accrue', 'src.legacy.oldHelper'], 'base');
  });

  it('a renamed file with regulated code is flagged; a renamed unrelated file is not', async () => {
    const moved = await repo.gate(repo.branch('rename-regulated', {}, [['src/legacy.ts', 'src/accounts.ts']]), { roots });
    assert.equal(moved.flagged, true);
    assert.ok(moved.paths.some((p) => p.root === 'src.accounts.Account.calculateInterest' && p.revision === 'head'));
    assertNotFlagged(await repo.gate(repo.branch('rename-unrelated', {}, [['src/report.js', 'src/reporting.js']]), { roots }));
  });

  it('unrelated changes are not flagged, even next to regulated code', async () => {
    const head = repo.branch('unrelated', {
      'src/report.js': edit(files['src/report.js']!, 'String(x)', 'JSON.stringify(x)'),
      'src/lib/rounding.ts': edit(files['src/lib/rounding.ts']!, 'return String(x);', 'return `${x}`;'),
    });
    const r = await repo.gate(head, { roots });
    assertNotFlagged(r);
    assert.deepEqual(
      r.changedFunctions
        .filter((c) => c.revision === 'head')
        .map((c) => c.id)
        .sort(),
      ['src.lib.rounding.unrelatedFormat', 'src.report.render'],
    );
  });

  it('a changed file nested too deeply to walk is flagged, not a crash', async () => {
    const deep = `export function total(): number {\n  return ${Array.from({ length: 20000 }, () => 'one(1)').join(' + ')};\n}\nfunction one(x: number): number {\n  return x;\n}\n`;
    const r = await repo.gate(repo.branch('deep', { 'src/deep.ts': deep }), { roots });
    assert.equal(r.flagged, true);
    assert.ok(
      r.reasons.some((x) => x.kind === 'unparsable' && x.message.includes('src/deep.ts')),
      JSON.stringify(r.reasons),
    );
  });

  it('a changed file with a syntax error is flagged with the reason', async () => {
    const r = await repo.gate(repo.branch('broken', { 'src/report.js': 'export function render(x {\n' }), { roots });
    assert.equal(r.flagged, true);
    assert.ok(
      r.reasons.some((x) => x.kind === 'unparsable' && x.message.includes('src/report.js')),
      JSON.stringify(r.reasons),
    );
  });
});

describe('a changed data field of a class', () => {
  const provider = [
    'export class Provider {',
    '  private static mapping: Record<string, string> = {',
    "    a: 'A',",
    '  };',
    "  private readonly url = 'https://rates.example';",
    '  public static LIMIT = 10;',
    '  private unused = 1;',
    '  public lookup(key: string): string {',
    '    return Provider.mapping[key] ?? key;',
    '  }',
    '  public endpoint(): string {',
    '    return this.url;',
    '  }',
    '  public describe(): string {',
    "    return 'provider';",
    '  }',
    '}',
    '',
  ].join('\n');
  const files = {
    'src/provider.ts': provider,
    'src/calc.ts': [
      "import { Provider } from './provider';",
      'export class Calc {',
      '  public constructor(private readonly provider: Provider) {}',
      '  public compute(key: string): string {',
      '    return this.provider.lookup(key) + this.provider.endpoint();',
      '  }',
      '}',
      "export function report(p: Provider): string { return p.describe() + String(p['unused' as never]); }",
      '',
    ].join('\n'),
    'src/limits.ts': ["import { Provider } from './provider';", 'export function capped(n: number): number { return Math.min(n, Provider.LIMIT); }', ''].join(
      '\n',
    ),
    'src/tier.ts': ['export enum Tier {', "  Basic = 'BASIC',", "  Premium = 'PREMIUM',", '}', ''].join('\n'),
    'src/config.ts': ["export const BASE = ['BUY'];", "export const OTHERS = ['BUY', 'FEE'].filter((t) => !BASE.includes(t));", ''].join('\n'),
    'src/quote.ts': [
      "import { Tier } from './tier';",
      "import { OTHERS } from './config';",
      'export class Rates {}',
      'export class Quote {',
      '  public constructor(private readonly rates: Rates) {}',
      '  public price(kind: string): number {',
      '    return OTHERS.includes(kind) || kind === Tier.Basic ? 0 : this.rates === undefined ? 1 : 2;',
      '  }',
      '}',
      'export function pricing(q: Quote): number { return q.price("FEE"); }',
      '',
    ].join('\n'),
  };
  const roots = ['*.Calc.compute', '*.quote.pricing'];
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });

  it('an enum, a constructor parameter property and a constant derived from a changed one are read too', async () => {
    const enumChange = await repo.gate(repo.branch('enum-member', { 'src/tier.ts': edit(files['src/tier.ts'], "'BASIC'", "'basic'") }), { roots });
    assertPath(enumChange, ['src.quote.pricing', 'src.quote.Quote.price']);
    const param = await repo.gate(
      repo.branch('parameter-property', {
        'src/quote.ts': edit(files['src/quote.ts'], 'private readonly rates: Rates)', 'private readonly rates: Rates = new Rates())'),
      }),
      { roots },
    );
    assertPath(param, ['src.quote.pricing', 'src.quote.Quote.price']);
    const derived = await repo.gate(repo.branch('derived-constant', { 'src/config.ts': edit(files['src/config.ts'], "['BUY'];", "['BUY', 'FEE'];") }), {
      roots,
    });
    assertPath(derived, ['src.quote.pricing', 'src.quote.Quote.price']);
    assert.ok(
      derived.reasons.some((x) => x.message.includes('src.quote.Quote.price (changed: reads src.config.OTHERS)')),
      JSON.stringify(derived.reasons),
    );
  });
  after(() => repo.remove());

  it('changes every function that reads it: a static table, an instance field', async () => {
    const r = await repo.gate(repo.branch('static-table', { 'src/provider.ts': edit(provider, "a: 'A',", "a: 'A',\n    b: 'B',") }), { roots });
    assertPath(r, ['src.calc.Calc.compute', 'src.provider.Provider.lookup']);
    assert.ok(
      r.reasons.some((x) => x.message.includes('src.provider.Provider.lookup (changed: reads src.provider.Provider.mapping)')),
      JSON.stringify(r.reasons),
    );
    const i = await repo.gate(repo.branch('instance-field', { 'src/provider.ts': edit(provider, 'rates.example', 'rates.example.org') }), { roots });
    assertPath(i, ['src.calc.Calc.compute', 'src.provider.Provider.endpoint']);
  });

  it('a field no path reads is no flag, and a static field read off the path neither', async () => {
    assertNotFlagged(await repo.gate(repo.branch('unused-field', { 'src/provider.ts': edit(provider, 'unused = 1', 'unused = 2') }), { roots }));
    const r = await repo.gate(repo.branch('limit', { 'src/provider.ts': edit(provider, 'LIMIT = 10', 'LIMIT = 20') }), { roots });
    assertNotFlagged(r);
    assert.ok(
      r.changedFunctions.some((c) => c.id === 'src.limits.capped' && c.via === 'binding'),
      JSON.stringify(r.changedFunctions),
    );
  });
});

describe('TypeScript call graph details', () => {
  it('JSX elements call their components; unresolvable receivers fall back to same-named methods', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-tsx-'));
    try {
      writeFileSync(
        path.join(dir, 'app.tsx'),
        [
          'export function PayButton(props: { amount: number }) {',
          '  return <button onClick={() => settle(props.amount)}>pay</button>;',
          '}',
          'export function settle(a: number) { return a; }',
          'export function Page() {',
          '  return <div><PayButton amount={1} /></div>;',
          '}',
          'class Ledger { post(x: number) { return x; } }',
          'export function untyped(l: any) { return l.post(1); }',
          '',
        ].join('\n'),
      );
      const g = toPycg(await buildCallGraph(readDirectorySources(dir)));
      assert.deepEqual(g['app.Page'], ['app.PayButton']);
      // the inline handler is a function of its own, written (so counted as called) in PayButton
      assert.deepEqual(g['app.PayButton'], ['app.PayButton.<arrow1>']);
      assert.deepEqual(g['app.PayButton.<arrow1>'], ['app.settle']);
      assert.deepEqual(g['app.untyped'], ['app.Ledger.post']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a class is constructed by `new`, by whoever it is passed to, and maybe by its static methods, not by reading its static fields', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-ts-static-'));
    try {
      writeFileSync(
        path.join(dir, 'app.ts'),
        [
          'export class Calculator {',
          '  static LOGGING = false;',
          '  static make: () => Calculator = wrap(() => new Calculator());',
          '  static create(): Calculator { return new Calculator(); }',
          '  constructor() { this.init(); }',
          '  init(): void {}',
          '}',
          'export function readsStatic(): boolean { return Calculator.LOGGING; }',
          'export function callsField(): Calculator { return Calculator.make(); }',
          'export function callsStatic(): Calculator { return Calculator.create(); }',
          'export function constructs(): Calculator { return new Calculator(); }',
          'export function register(c: new () => Calculator): Calculator { return new c(); }',
          'export function passes(): Calculator { return register(Calculator); }',
          'export class Sub extends Calculator {}',
          'function wrap<T>(f: () => T): () => T { return f; }',
          // packages not in the repository: their values are `any`
          "import ms from 'ms';",
          "import { lazy } from 'lazy';",
          'export class Fetcher {',
          "  static TTL = ms('30 seconds');",
          '  static MAKE = lazy(() => new this());',
          '  static BUILT = factory();',
          '  constructor() { this.init(); }',
          '  init(): void {}',
          '}',
          // a repository function may hand back a factory of the class
          'function factory(): any { return lazy(() => 1); }',
          'export function readsTtl(): number { return Fetcher.TTL; }',
          'export function readsMake(): unknown { return Fetcher.MAKE; }',
          'export function readsBuilt(): unknown { return Fetcher.BUILT; }',
          '',
        ].join('\n'),
      );
      const g = toPycg(await buildCallGraph(readDirectorySources(dir)));
      assert.deepEqual(g['app.readsStatic'], []);
      // an `any` field whose initializer holds no function, `this` or class name is data; one that does may construct
      assert.deepEqual(g['app.readsTtl'], []);
      assert.deepEqual(g['app.readsMake'], ['app.Fetcher.constructor']);
      assert.deepEqual(g['app.readsBuilt'], ['app.Fetcher.constructor']);
      // a static method may construct its class (`new this()`, not resolved): kept
      assert.deepEqual(g['app.callsStatic'], ['app.Calculator.constructor', 'app.Calculator.create']);
      assert.deepEqual(g['app.Calculator.create'], ['app.Calculator.constructor']);
      assert.deepEqual(g['app.constructs'], ['app.Calculator.constructor']);
      // a static field holding a function, called: it may construct the class
      assert.ok(g['app.callsField']?.includes('app.Calculator.constructor'), JSON.stringify(g['app.callsField']));
      // passed on, it is constructed where it is received
      assert.deepEqual(g['app.passes'], ['app.register']);
      assert.deepEqual(g['app.register'], ['app.Calculator.constructor']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // the packages are not in the repository (no node_modules): the checker cannot type their values
  it('a method call on a library value reaches the visible methods of that name, every one when none is visible', async () => {
    const g = await graphOf({
      'api/cache.ts': [
        "import { createHash } from 'node:crypto';",
        "import { Store } from './store.js';",
        'export class CacheService {',
        '  key(s: string) { return createHash("sha256").update(s).digest("hex"); }',
        '}',
        '',
      ].join('\n'),
      // imported through store.ts: visible from cache.ts
      'api/store.ts': ["import { Row } from './row.js';", 'export class Store { rows: Row[] = []; }', ''].join('\n'),
      'api/row.ts': ['export class Row {', '  update(s: string) { return s; }', '}', ''].join('\n'),
      // imported by nothing that cache.ts imports
      'client/overview.ts': ['export class OverviewComponent {', '  update(s: string) { return s; }', '  digest(s: string) { return s; }', '}', ''].join('\n'),
      'client/data.ts': [
        "import { HttpClient } from '@angular/common/http';",
        "import { inject } from '@angular/core';",
        "import { ObservableStore } from '@codewithdan/observable-store';",
        'export class DataService extends ObservableStore<unknown> {',
        '  private readonly http = inject(HttpClient);',
        '  fetch() { return this.http.get("/api"); }',
        '  state() { return this.getState(); }',
        '}',
        '',
      ].join('\n'),
      'api/users.ts': ['export class UserService {', '  get(id: string) { return id; }', '  getState() { return 1; }', '}', ''].join('\n'),
      // a workspace package: its import resolves to no file (node_modules is not read), yet it is the repository's code
      'apps/web/checkout.ts': [
        "import { PaymentService } from '@acme/payments';",
        'export function pay(svc: PaymentService) { return svc.charge(1); }',
        '',
      ].join('\n'),
      'packages/payments/index.ts': ['export class PaymentService {', '  charge(a: number) { return a; }', '}', ''].join('\n'),
    });
    // `update` on what createHash returns: the visible Row.update, not the client's method;
    // `digest` has no visible definition: every `digest` (a library may hand back a repository object)
    assert.deepEqual(g['api.cache.CacheService.key'], ['api.row.Row.update', 'client.overview.OverviewComponent.digest']);
    // a package's value, and a member inherited from a package's class, may be the repository's
    // own (a workspace package, an alias, a subclass's method): every same-named method
    assert.deepEqual(g['client.data.DataService.fetch'], ['api.users.UserService.get']);
    assert.deepEqual(g['client.data.DataService.state'], ['api.users.UserService.getState']);
    assert.deepEqual(g['apps.web.checkout.pay'], ['packages.payments.index.PaymentService.charge']);
  });

  it('a template method of a class extending a library base reaches the subclass that declares it', async () => {
    const g = await graphOf({
      'ui/base-page.ts': [
        "import { Component } from 'react';",
        'export abstract class BasePage extends Component {',
        '  componentDidMount() { (this as any).load(); }',
        '}',
        '',
      ].join('\n'),
      'ui/pay-page.ts': ["import { BasePage } from './base-page.js';", 'export class PayPage extends BasePage {', '  load() { return 1; }', '}', ''].join('\n'),
    });
    assert.deepEqual(g['ui.base-page.BasePage.componentDidMount'], ['ui.pay-page.PayPage.load']);
  });

  it('an untyped call in JavaScript with no imports still reaches every same-named function', async () => {
    const g = await graphOf({
      'run.js': ['export function run(ledger) {', '  return ledger.settle(1);', '}', ''].join('\n'),
      'ledger.js': ['export class Ledger {', '  settle(x) { return x; }', '}', ''].join('\n'),
      'other/book.ts': ['export class Book {', '  settle(x: number) { return x; }', '}', ''].join('\n'),
    });
    assert.deepEqual(g['run.run'], ['ledger.Ledger.settle', 'other.book.Book.settle']);
  });

  it('a bare call the checker cannot resolve reaches the functions of that name, and only when there are none its methods', async () => {
    const g = await graphOf({
      'api/ai.ts': [
        "import { generateText } from 'ai';",
        "import { helper } from 'workspace-helpers';",
        'export class AiService {',
        '  public generateText(): string { return "x"; }',
        '}',
        'export function fetchText(): unknown { return generateText(); }',
        'export function viaHelper(): unknown { return helper(1); }',
        '',
      ].join('\n'),
      'libs/helpers.ts': [
        'export function helper(n: number): number { return n; }',
        'export class Helpers { public helper(n: number): number { return n; } }',
        '',
      ].join('\n'),
    });
    // a method is called with a receiver; a function of that name is what a bare call means
    assert.deepEqual(g['api.ai.viaHelper'], ['libs.helpers.helper']);
    // none: a script's global or a workspace package may still hand out a method (recall first)
    assert.deepEqual(g['api.ai.fetchText'], ['api.ai.AiService.generateText']);
  });

  it('a function assigned to a declared static field keeps its id, whichever comes first', async () => {
    const g = await graphOf({
      'app.js': [
        'export class Billing {',
        '  static charge;',
        '}',
        'Billing.charge = function (a) { return fee(a); };',
        'function fee(a) { return a; }',
        'export function pay() { return Billing.charge(1); }',
        '',
      ].join('\n'),
    });
    assert.deepEqual(g['app.Billing.charge'], ['app.fee']);
    assert.ok(g['app.pay']?.includes('app.Billing.charge'), JSON.stringify(g['app.pay']));
  });

  it('a property of an untyped receiver passed on may be a callback, unless the parameter takes a primitive', async () => {
    const g = await graphOf({
      'client/user.ts': [
        'function of<T>(x: T): T { return x; }',
        'export function cached(state: any) { return of(state.user); }',
        'export function parse(row: any) { return JSON.parse(row.value); }',
        // String.prototype.replace has an overload taking a function: every overload must take a primitive
        'export function render(s: string, h: any) { return s.replace(/x/g, h.fmt); }',
        'export function wire(el: any, handlers: any) { el.addEventListener("click", handlers.onPay); }',
        '',
      ].join('\n'),
      'client/select.ts': ['export class Select {', '  get value() { return 1; }', '  fmt() { return "x"; }', '}', ''].join('\n'),
      'client/handlers.ts': ["import { wire } from './user.js';", 'export const handlers = { onPay() { return 1; } };', 'wire(null, handlers);', ''].join('\n'),
      'api/user.ts': ['export class UserService {', '  user(id: string) { return id; }', '}', ''].join('\n'),
    });
    assert.deepEqual(g['client.user.cached'], ['api.user.UserService.user', 'client.user.of']);
    assert.deepEqual(g['client.user.parse'] ?? [], []);
    assert.deepEqual(g['client.user.render'], ['client.select.Select.fmt']);
    assert.ok(g['client.user.wire']?.includes('client.handlers.handlers.onPay'), JSON.stringify(g['client.user.wire']));
  });
});

describe('overload signatures', () => {
  const billing = [
    'export class Billing {',
    '  charge(a: number): number;',
    '  charge(a: string): number;',
    '  charge(a: number | string): number {',
    '    return Number(a) * 2;',
    '  }',
    '  describe(): string {',
    "    return 'billing';",
    '  }',
    '  get rate(): number {',
    '    return 1;',
    '  }',
    '  set rate(v: number) {',
    '    console.log(v);',
    '  }',
    '}',
    'export function total(a: number): number;',
    'export function total(a: string): number;',
    'export function total(a: number | string): number {',
    '  return Number(a) + 1;',
    '}',
    'export abstract class Account {',
    '  abstract pay(a: number): number;',
    '  abstract pay(a: string): number;',
    '  settle(): number {',
    '    return this.pay(1);',
    '  }',
    '}',
    'export class Savings extends Account {',
    '  pay(a: number): number;',
    '  pay(a: string): number;',
    '  pay(a: number | string): number {',
    '    return Number(a) - 1;',
    '  }',
    '}',
    '',
  ].join('\n');
  const files = {
    'src/billing.ts': billing,
    'src/pay.ts': [
      "import { Account, Billing, total } from './billing';",
      'export function processPayment(b: Billing): number {',
      "  return b.charge('1');",
      '}',
      'export function chargeNumber(b: Billing): number {',
      '  return b.charge(1);',
      '}',
      'export function audit(): string {',
      '  return new Billing().describe();',
      '}',
      'export function approveLoan(): number {',
      "  return total('2') + total(3);",
      '}',
      'export function calculateInterest(a: Account): number {',
      '  return a.settle();',
      '}',
      'export function setRate(b: Billing): void {',
      '  b.rate = 2;',
      '}',
      '',
    ].join('\n'),
  };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it("a change in an overloaded method's body is the method's: its callers are reached, the class's constructors are not", async () => {
    const head = repo.branch('charge-body', { 'src/billing.ts': edit(billing, 'Number(a) * 2', 'Number(a) * 3') });
    const r = await repo.gate(head, { roots: ['*.processPayment', '*.chargeNumber'] });
    assertPath(r, ['src.pay.processPayment', 'src.billing.Billing.charge']);
    assertPath(r, ['src.pay.chargeNumber', 'src.billing.Billing.charge']);
    assert.deepEqual(
      r.changedFunctions.map((c) => `${c.revision} ${c.id}`),
      ['head src.billing.Billing.charge', 'base src.billing.Billing.charge'],
    );
    // a root that only constructs the class and calls another method is not reached
    assertNotFlagged(await repo.gate(head, { roots: ['*.audit'] }));
  });

  it('an overloaded function and an overloaded override: every overload call reaches the implementation', async () => {
    const fn = await repo.gate(repo.branch('total-body', { 'src/billing.ts': edit(billing, 'Number(a) + 1', 'Number(a) + 2') }), {
      roots: ['*.approveLoan'],
    });
    assertPath(fn, ['src.pay.approveLoan', 'src.billing.total']);
    const sig = await repo.gate(
      repo.branch('total-signature', { 'src/billing.ts': edit(billing, 'total(a: string): number;', 'total(a: string, b?: number): number;') }),
      {
        roots: ['*.approveLoan'],
      },
    );
    assertPath(sig, ['src.pay.approveLoan', 'src.billing.total']);
    const override = await repo.gate(repo.branch('pay-body', { 'src/billing.ts': edit(billing, 'Number(a) - 1', 'Number(a) - 2') }), {
      roots: ['*.calculateInterest'],
    });
    assertPath(override, ['src.pay.calculateInterest', 'src.billing.Account.settle', 'src.billing.Savings.pay']);
    // a setter declared after its getter is the same definition: a change to its body is the accessor's
    const setter = await repo.gate(repo.branch('setter-body', { 'src/billing.ts': edit(billing, 'console.log(v);', 'console.log(v + 1);') }), {
      roots: ['*.setRate'],
    });
    assertPath(setter, ['src.pay.setRate', 'src.billing.Billing.rate']);
    const g = await graphOf(files);
    assert.deepEqual(g['src.pay.approveLoan'], ['src.billing.total']);
    assert.deepEqual(g['src.pay.processPayment'], ['src.billing.Billing.charge']);
    assert.deepEqual(g['src.pay.chargeNumber'], ['src.billing.Billing.charge']);
  });

  it("an interface declared twice in a file keeps each method's declarations apart", async () => {
    const api = [
      'export interface Api {',
      '  send(a: number): void;',
      '}',
      'export const LIMIT = 1;',
      'export interface Api {',
      '  send(a: string): void;',
      '}',
      '',
    ].join('\n');
    const merged = new FixtureRepo({ 'src/api.ts': api });
    try {
      const r = await merged.gate(merged.branch('limit', { 'src/api.ts': edit(api, 'LIMIT = 1', 'LIMIT = 2') }), { roots: ['*.send'] });
      assertNotFlagged(r);
      assert.deepEqual(
        r.changedFunctions.map((c) => c.id),
        ['src.api', 'src.api'],
      );
    } finally {
      merged.remove();
    }
  });
});

describe('a constant built by calling a function', () => {
  const table = [
    'function rate(): number {',
    '  return 0.01;',
    '}',
    'export function buildFeeTable(): Record<string, number> {',
    '  return { card: rate() };',
    '}',
    'export function unrelated(): number {',
    '  return 1;',
    '}',
    '// an untyped receiver: `digest` is resolved by name only',
    'export function checksum(h: any): string {',
    "  return h.digest('hex');",
    '}',
    'export class Ledger {',
    '  digest(s: string): string {',
    '    return s;',
    '  }',
    '}',
    '',
  ].join('\n');
  const fees = [
    "import { buildFeeTable, checksum } from './table';",
    'export const FEE_TABLE = buildFeeTable();',
    'export const CHECK = checksum(null);',
    'export class Rates {',
    '  static RATES = loadRates();',
    '  static lookup(k: string): number {',
    '    return Rates.RATES[k] ?? 0;',
    '  }',
    '}',
    'function loadRates(): Record<string, number> {',
    '  return { a: 1 };',
    '}',
    '',
  ].join('\n');
  const files = {
    'src/table.ts': table,
    'src/fees.ts': fees,
    'src/pay.ts': [
      "import { CHECK, FEE_TABLE, Rates } from './fees';",
      "import { unrelated } from './table';",
      'export function processPayment(kind: string): number {',
      '  return (FEE_TABLE[kind] ?? 0) + CHECK.length;',
      '}',
      'export function approveLoan(k: string): number {',
      '  return Rates.lookup(k);',
      '}',
      'export function report(): number {',
      '  return unrelated();',
      '}',
      '',
    ].join('\n'),
  };
  const roots = ['*.processPayment', '*.approveLoan'];
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('changes with any function its initializer calls, transitively, and so do its readers', async () => {
    const r = await repo.gate(repo.branch('rate', { 'src/table.ts': edit(table, '0.01', '0.02') }), { roots });
    assert.ok(
      r.reasons.some((x) => x.message.includes('src.pay.processPayment (changed: reads src.fees.FEE_TABLE)')),
      r.reasons.map((x) => x.message).join('\n'),
    );
    const s = await repo.gate(repo.branch('load-rates', { 'src/fees.ts': edit(fees, '{ a: 1 }', '{ a: 2 }') }), { roots });
    assertPath(s, ['src.pay.approveLoan', 'src.fees.Rates.lookup']);
    assert.ok(
      s.reasons.some((x) => x.message.includes('src.fees.Rates.lookup (changed: reads src.fees.Rates.RATES)')),
      s.reasons.map((x) => x.message).join('\n'),
    );
  });

  it('a function no initializer calls, or reaches only through a call resolved by name, changes no constant', async () => {
    const r = await repo.gate(repo.branch('unrelated', { 'src/table.ts': edit(table, 'return 1;', 'return 2;') }), { roots });
    assertNotFlagged(r);
    assert.deepEqual(
      r.changedFunctions.map((c) => c.id),
      ['src.table.unrelated', 'src.table.unrelated'],
    );
    const byName = await repo.gate(repo.branch('digest', { 'src/table.ts': edit(table, 'return s;', 'return s + s;') }), { roots });
    assertNotFlagged(byName);
    assert.deepEqual(
      byName.changedFunctions.map((c) => c.id),
      ['src.table.Ledger.digest', 'src.table.Ledger.digest'],
    );
  });
});

describe('function-typed fields overridden by arrow fields', () => {
  const files = {
    'src/handlers.ts': [
      'export abstract class Base {',
      '  abstract handle: (x: number) => number;',
      '  run(): number {',
      '    return this.handle(1);',
      '  }',
      '}',
      'export class A extends Base {',
      '  handle = (x: number): number => x + 1;',
      '}',
      'export class Plain {',
      '  protected handle: (x: number) => number;',
      '  constructor() {',
      '    this.handle = (x) => x;',
      '  }',
      '  run(): number {',
      '    return this.handle(2);',
      '  }',
      '}',
      'export class B extends Plain {',
      '  protected override handle = (x: number): number => x * 2;',
      '}',
      'export interface Handler {',
      '  handle: (x: number) => number;',
      '}',
      'export class C implements Handler {',
      '  handle = (x: number): number => x - 1;',
      '}',
      'export function useHandler(h: Handler): number {',
      '  return h.handle(3);',
      '}',
      '',
    ].join('\n'),
  };

  it('a call through the base or interface field reaches every subclass arrow field', async () => {
    const g = await graphOf(files);
    assert.ok(g['src.handlers.Base.run']?.includes('src.handlers.A.handle'), JSON.stringify(g['src.handlers.Base.run']));
    assert.ok(g['src.handlers.Plain.run']?.includes('src.handlers.B.handle'), JSON.stringify(g['src.handlers.Plain.run']));
    assert.ok(g['src.handlers.useHandler']?.includes('src.handlers.C.handle'), JSON.stringify(g['src.handlers.useHandler']));
  });
});

describe('declarations the overload and function-typed-field changes must not take from their old owners', () => {
  const ledger = [
    'export class Ledger {',
    '  get total(): number {',
    '    return 1;',
    '  }',
    '  private entries: number[] = [1, 2];',
    '  set total(n: number) {',
    '    console.log(n);',
    '  }',
    '}',
    'export class Billing {',
    '  static hook: (x: number) => number;',
    "  @Inject('FEE_A')",
    '  private fee: (x: number) => number;',
    '  constructor(f: (x: number) => number) {',
    '    this.fee = f;',
    '  }',
    '  processPayment(x: number): Ledger {',
    '    const f = this.fee;',
    '    return f(x) > 0 ? new Ledger() : new Ledger();',
    '  }',
    '  approveLoan(x: number): number {',
    '    return Billing.hook(x);',
    '  }',
    '}',
    'function Inject(t: string) {',
    '  return (a: object, k: string): void => console.log(t, a, k);',
    '}',
    'Billing.hook = function (x: number): number {',
    '  return x + 1;',
    '};',
    '',
  ].join('\n');
  const table = [
    'function processPayment(x) {',
    '  return x;',
    '}',
    'const table = {',
    '  get rate() {',
    '    return 1;',
    '  },',
    '  fee: processPayment(5),',
    '  set rate(v) {',
    '    console.log(v);',
    '  },',
    '};',
    'module.exports = { processPayment, table };',
    '',
  ].join('\n');
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo({ 'src/ledger.ts': ledger, 'src/table.js': table });
  });
  after(() => repo.remove());

  it("a field between a getter and its setter stays its class's (the class a root constructs), not the accessor's", async () => {
    const r = await repo.gate(repo.branch('entries', { 'src/ledger.ts': edit(ledger, '[1, 2]', '[1, 2, 3]') }), { roots: ['*.processPayment'] });
    assertPath(r, ['src.ledger.Billing.processPayment', 'src.ledger.Ledger']);
    // an object literal's property between a getter and its setter stays the module's
    const o = await repo.gate(repo.branch('fee-arg', { 'src/table.js': edit(table, 'processPayment(5)', 'processPayment(6)') }), {
      roots: ['*.processPayment'],
    });
    assertPath(o, ['src.table', 'src.table.processPayment']);
  });

  it("a function assigned to a static field of function type is that field's definition", async () => {
    const r = await repo.gate(repo.branch('hook', { 'src/ledger.ts': edit(ledger, 'x + 1', 'x + 2') }), { roots: ['*.approveLoan'] });
    assertPath(r, ['src.ledger.Billing.approveLoan', 'src.ledger.Billing.hook']);
  });

  it('reading a field of function type with no value depends on its declaration, as reading its binding did', async () => {
    const r = await repo.gate(repo.branch('inject', { 'src/ledger.ts': edit(ledger, 'FEE_A', 'FEE_B') }), { roots: ['*.processPayment'] });
    assertPath(r, ['src.ledger.Billing.processPayment', 'src.ledger.Billing.fee']);
  });
});

describe("a module's constant that holds a field of function type with no value", () => {
  const rates = [
    "import { Inject } from './inject';",
    'export class Fees {',
    "  @Inject('RATE_A')",
    '  static rate: (x: number) => number;',
    '}',
    'export const RATE = Fees.rate;',
    'export function settle(x: number): number {',
    '  return RATE(x);',
    '}',
    '',
  ].join('\n');
  const inject = 'export function Inject(t: string) {\n  return (a: object, k: string): void => console.log(t, a, k);\n}\n';
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo({ 'src/rates.ts': rates, 'src/inject.ts': inject });
  });
  after(() => repo.remove());

  it("changes with the field's declaration, and so do the constant's readers", async () => {
    const r = await repo.gate(repo.branch('rate-b', { 'src/rates.ts': edit(rates, 'RATE_A', 'RATE_B') }), { roots: ['*.settle'] });
    assertPath(r, ['src.rates.settle']);
    assert.ok(
      r.reasons.some((x) => x.message.includes('src.rates.settle (changed: reads src.rates.RATE)')),
      r.reasons.map((x) => x.message).join('\n'),
    );
  });
});
