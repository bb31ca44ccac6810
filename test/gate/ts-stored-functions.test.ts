import { after, before, describe, it } from 'node:test';
import { assertEdge, assertNoEdge, assertNotFlagged, assertPath, edit, FixtureRepo, graphOf } from './fixture.js';

describe('TypeScript handler tables filled by .set() and by assignment', () => {
  const tables = [
    "type Kind = 'card' | 'bank';",
    'type Handler = (amount: number) => number;',
    'export function chargeCard(a: number): number {',
    '  return a + 1;',
    '}',
    'export function chargeBank(a: number): number {',
    '  return a + 2;',
    '}',
    'export function refund(a: number): number {',
    '  return -a;',
    '}',
    'const handlers = new Map<Kind, Handler>();',
    "handlers.set('card', chargeCard);",
    "handlers.set('bank', chargeBank);",
    'const others = new Map<string, Handler>();',
    "others.set('refund', refund);",
    'export function dispatch(kind: Kind, amount: number): number {',
    '  return handlers.get(kind)!(amount);',
    '}',
    'export function undo(k: string, amount: number): number {',
    '  return others.get(k)?.(amount) ?? 0;',
    '}',
    'export function local(k: string, x: number): number {',
    '  const byKind = new Map<string, Handler>();',
    "  byKind.set('card', chargeCard);",
    '  return byKind.get(k)!(x);',
    '}',
    'const TABLE: Record<string, Handler> = {};',
    "TABLE['bank'] = chargeBank;",
    'export function viaRecord(k: string, x: number): number {',
    '  return TABLE[k]!(x);',
    '}',
    '',
  ].join('\n');
  const payments = [
    "import { refund } from './tables.js';",
    'type Handler = (amount: number) => number;',
    'export class Payments {',
    '  private handlers = new Map<string, Handler>();',
    '  constructor() {',
    "    this.handlers.set('card', this.onCard.bind(this));",
    "    this.handlers.set('bank', (x) => this.onBank(x));",
    '  }',
    '  protected onCard(x: number): number {',
    '    return x;',
    '  }',
    '  private onBank(x: number): number {',
    '    return x * 2;',
    '  }',
    '  pay(k: string, x: number): number {',
    '    const h = this.handlers.get(k);',
    '    return h ? h(x) : 0;',
    '  }',
    '}',
    'export class CardPayments extends Payments {',
    '  protected override onCard(x: number): number {',
    '    return x + 1;',
    '  }',
    '}',
    'export class Refunds {',
    '  private handlers = new Map<string, Handler>();',
    '  constructor() {',
    "    this.handlers.set('r', refund);",
    '  }',
    '  run(k: string, x: number): number {',
    '    return this.handlers.get(k)?.(x) ?? 0;',
    '  }',
    '}',
    '/** Not a Map: its own set/get. */',
    'export class Registry {',
    '  private fns: Handler[] = [];',
    '  set(k: string, f: Handler): void {',
    '    this.fns.push(f);',
    '  }',
    '  get(k: string): Handler | undefined {',
    '    return this.fns[0];',
    '  }',
    '}',
    'const registry = new Registry();',
    "registry.set('r', refund);",
    'export function viaRegistry(k: string): number {',
    '  return registry.get(k)!(1);',
    '}',
    '',
  ].join('\n');
  // filled in one file, called in another
  const shared = {
    'src/registry.ts': ['export type Fee = (x: number) => number;', 'export const FEES = new Map<string, Fee>();', ''].join('\n'),
    'src/fees.ts': [
      "import { FEES } from './registry.js';",
      'export function flatFee(x: number): number {',
      '  return x + 5;',
      '}',
      "FEES.set('flat', flatFee);",
      '',
    ].join('\n'),
    'src/charge.ts': [
      "import { FEES } from './registry.js';",
      'export function processPayment(kind: string, x: number): number {',
      '  return FEES.get(kind)!(x);',
      '}',
      '',
    ].join('\n'),
  };

  it('a call through .get() reaches every function .set() into that Map, and only those', async () => {
    const g = await graphOf({ 'src/tables.ts': tables, 'src/payments.ts': payments });
    assertEdge(g, 'src.tables.dispatch', 'src.tables.chargeCard');
    assertEdge(g, 'src.tables.dispatch', 'src.tables.chargeBank');
    assertNoEdge(g, 'src.tables.dispatch', 'src.tables.refund');
    assertEdge(g, 'src.tables.undo', 'src.tables.refund');
    assertNoEdge(g, 'src.tables.undo', 'src.tables.chargeCard');
    // a function's own Map
    assertEdge(g, 'src.tables.local', 'src.tables.chargeCard');
    assertNoEdge(g, 'src.tables.local', 'src.tables.chargeBank');
    // a Record filled by assignment, called with a computed key
    assertEdge(g, 'src.tables.viaRecord', 'src.tables.chargeBank');
    assertNoEdge(g, 'src.tables.viaRecord', 'src.tables.chargeCard');
  });

  it("a class's Map field filled in its constructor: bound methods, arrows, overrides, a variable holding .get()", async () => {
    const g = await graphOf({ 'src/tables.ts': tables, 'src/payments.ts': payments });
    assertEdge(g, 'src.payments.Payments.pay', 'src.payments.Payments.onCard');
    assertEdge(g, 'src.payments.Payments.pay', 'src.payments.CardPayments.onCard');
    assertEdge(g, 'src.payments.Payments.pay', 'src.payments.Payments.constructor.<arrow1>');
    assertEdge(g, 'src.payments.Payments.constructor.<arrow1>', 'src.payments.Payments.onBank');
    assertNoEdge(g, 'src.payments.Payments.pay', 'src.tables.refund');
    // another class's field of the same name holds other functions
    assertEdge(g, 'src.payments.Refunds.run', 'src.tables.refund');
    assertNoEdge(g, 'src.payments.Refunds.run', 'src.payments.Payments.onCard');
    // a repository class with its own set/get is no Map
    assertNoEdge(g, 'src.payments.viaRegistry', 'src.tables.refund');
  });

  describe('gated', () => {
    let repo: FixtureRepo;
    before(() => {
      repo = new FixtureRepo(shared);
    });
    after(() => repo.remove());

    it('a change to a function stored into a Map in another file is on the path from the root that calls through it', async () => {
      const r = await repo.gate(repo.branch('flat', { 'src/fees.ts': edit(shared['src/fees.ts'], 'x + 5', 'x + 6') }), { roots: ['*.processPayment'] });
      assertPath(r, ['src.charge.processPayment', 'src.fees.flatFee'], 'head');
    });

    it('a function stored into another Map is not', async () => {
      const r = await repo.gate(
        repo.branch('other-map', {
          'src/fees.ts': edit(
            shared['src/fees.ts'],
            "FEES.set('flat', flatFee);",
            "const OTHER = new Map<string, (x: number) => number>();\nOTHER.set('flat', flatFee);\nexport const other = (k: string): number => OTHER.get(k)!(1);",
          ),
        }),
        { roots: ['*.processPayment'] },
      );
      assertNotFlagged(r);
    });
  });
});

describe('TypeScript fields of function type assigned elsewhere', () => {
  const fields = [
    'type Fn = (x: number) => number;',
    'export function double(x: number): number {',
    '  return x * 2;',
    '}',
    'export function fee(x: number): number {',
    '  return x / 100;',
    '}',
    'export function makeHandler(): Fn {',
    '  return double;',
    '}',
    'export class Svc {',
    '  private handle: Fn;',
    '  constructor() {',
    '    this.handle = (x) => double(x);',
    '  }',
    '  run(): number {',
    '    return this.handle(1);',
    '  }',
    '}',
    'export class Made {',
    '  handle: Fn = makeHandler();',
    '  go(): number {',
    '    return this.handle(2);',
    '  }',
    '}',
    'export class Target {',
    '  handle?: Fn;',
    '  hook: (x: number) => number;',
    '}',
    'export class Other {',
    '  handle?: Fn;',
    '}',
    'export function wire(t: Target): void {',
    '  t.handle = fee;',
    '  t.hook = double;',
    '}',
    'export function use(t: Target): number {',
    '  return (t.handle?.(1) ?? 0) + t.hook(2);',
    '}',
    'export function useOther(o: Other): number {',
    '  return o.handle?.(1) ?? 0;',
    '}',
    '',
  ].join('\n');

  it('a call through the field reaches what a constructor, another function or its initializer stores there', async () => {
    const g = await graphOf({ 'src/fields.ts': fields });
    assertEdge(g, 'src.fields.Svc.run', 'src.fields.Svc.constructor.<arrow1>');
    assertEdge(g, 'src.fields.Made.go', 'src.fields.double');
    assertEdge(g, 'src.fields.use', 'src.fields.fee');
    // a field declared with a function type (a method without a body) too
    assertEdge(g, 'src.fields.use', 'src.fields.double');
  });

  it("a call asserted non-null or parenthesized (`svc.handle!(x)`, `(svc.handle)(x)`) reaches what is stored there, and an optional method's implementations", async () => {
    const src = [
      'type Fn = (x: number) => number;',
      'export function fee(x: number): number {',
      '  return x + 1;',
      '}',
      'export function rate(x: number): number {',
      '  return x * 2;',
      '}',
      'export interface Hooks {',
      '  before?(x: number): number;',
      '  after?: (x: number) => number;',
      '}',
      'export class Impl implements Hooks {',
      '  before(x: number): number {',
      '    return x;',
      '  }',
      '}',
      'export class Svc {',
      '  constructor(public handle?: Fn) {}',
      '}',
      'export function wire(s: Svc, h: Hooks): void {',
      '  s.handle = fee;',
      '  h.after = rate;',
      '}',
      'export function viaBang(s: Svc): number {',
      '  return s.handle!(1);',
      '}',
      'export function viaParens(s: Svc): number {',
      '  return (s.handle!)(1);',
      '}',
      'export function hooked(h: Hooks): number {',
      '  return h.before!(1) + h.after!(2);',
      '}',
      '',
    ].join('\n');
    const g = await graphOf({ 'src/bang.ts': src });
    assertEdge(g, 'src.bang.viaBang', 'src.bang.fee');
    assertEdge(g, 'src.bang.viaParens', 'src.bang.fee');
    assertEdge(g, 'src.bang.hooked', 'src.bang.Impl.before');
    assertEdge(g, 'src.bang.hooked', 'src.bang.rate');
  });

  it("an unrelated class's field of the same name does not", async () => {
    const g = await graphOf({ 'src/fields.ts': fields });
    assertNoEdge(g, 'src.fields.useOther', 'src.fields.fee');
    assertNoEdge(g, 'src.fields.Svc.run', 'src.fields.fee');
    assertNoEdge(g, 'src.fields.Made.go', 'src.fields.Svc.constructor.<arrow1>');
  });

  describe('gated', () => {
    let repo: FixtureRepo;
    before(() => {
      repo = new FixtureRepo({ 'src/fields.ts': fields });
    });
    after(() => repo.remove());

    it('a change to a function assigned to a field is on the path from the root that calls through it', async () => {
      const r = await repo.gate(repo.branch('fee', { 'src/fields.ts': edit(fields, 'x / 100', 'x / 1000') }), { roots: ['*.use'] });
      assertPath(r, ['src.fields.use', 'src.fields.fee'], 'head');
      const other = await repo.gate(repo.branch('fee-other', { 'src/fields.ts': edit(fields, 'x / 100', 'x / 1000') }), { roots: ['*.useOther'] });
      assertNotFlagged(other);
    });
  });
});

describe('TypeScript handler tables filled through a registering function', () => {
  const registry = [
    'type Fee = (x: number) => number;',
    'export class Registry {',
    '  private handlers = new Map<string, Fee>();',
    '  private byIndex: Record<string, Fee> = {};',
    '  register(k: string, fn: Fee): void {',
    '    this.handlers.set(k, fn);',
    '  }',
    '  registerAll(fns: Fee[], fn: Fee): void {',
    '    fns.forEach((f, i) => {',
    '      this.byIndex[String(i)] = fn;',
    '    });',
    '  }',
    '  remember(k: string, fn: Fee): void {',
    '    const fn2 = fn;',
    '    void k;',
    '    void fn2;',
    '  }',
    '  dispatch(k: string, x: number): number {',
    '    return this.handlers.get(k)!(x);',
    '  }',
    '  byKey(k: string, x: number): number {',
    '    return this.byIndex[k](x);',
    '  }',
    '}',
    'export function register(table: Map<string, Fee>, k: string, fn: Fee): void {',
    '  table.set(k, fn);',
    '}',
    '',
  ].join('\n');
  const setup = [
    "import { Registry, register } from './registry.js';",
    'export function chargeCard(x: number): number {',
    '  return x * 2;',
    '}',
    'export function chargeBank(x: number): number {',
    '  return x * 3;',
    '}',
    'export function chargeInline(x: number): number {',
    '  return x * 6;',
    '}',
    'export function kept(x: number): number {',
    '  return x * 4;',
    '}',
    'export function loose(x: number): number {',
    '  return x * 5;',
    '}',
    'const table = new Map<string, (x: number) => number>();',
    'export function wire(r: Registry): number {',
    "  r.register('card', chargeCard);",
    "  r.register('inline', (x) => chargeInline(x));",
    '  r.registerAll([], chargeBank);',
    "  r.remember('kept', kept);",
    "  register(table, 'loose', loose);",
    "  return table.get('loose')!(1);",
    '}',
    '',
  ].join('\n');
  const files = { 'src/registry.ts': registry, 'src/setup.ts': setup };

  it("a function passed to a parameter the callee stores into a table is reached from the table's callers, and only that one", async () => {
    const g = await graphOf(files);
    assertEdge(g, 'src.registry.Registry.dispatch', 'src.setup.chargeCard');
    assertNoEdge(g, 'src.registry.Registry.dispatch', 'src.setup.chargeBank');
    assertNoEdge(g, 'src.registry.Registry.dispatch', 'src.setup.kept');
    // a function written in place at the call
    assertEdge(g, 'src.registry.Registry.dispatch', 'src.setup.wire.<arrow1>');
    assertEdge(g, 'src.setup.wire.<arrow1>', 'src.setup.chargeInline');
    // stored by an element assignment inside an arrow, into another table
    assertEdge(g, 'src.registry.Registry.byKey', 'src.setup.chargeBank');
    assertNoEdge(g, 'src.registry.Registry.byKey', 'src.setup.chargeCard');
  });

  describe('gated', () => {
    let repo: FixtureRepo;
    before(() => {
      repo = new FixtureRepo(files);
    });
    after(() => repo.remove());

    it('a change to the registered function is on the path from a root that dispatches', async () => {
      const r = await repo.gate(repo.branch('card', { 'src/setup.ts': edit(setup, 'x * 2', 'x * 7') }), { roots: ['*.Registry.dispatch'] });
      assertPath(r, ['src.registry.Registry.dispatch', 'src.setup.chargeCard'], 'head');
      assertNotFlagged(await repo.gate(repo.branch('kept', { 'src/setup.ts': edit(setup, 'x * 4', 'x * 8') }), { roots: ['*.Registry.dispatch'] }));
    });
  });
});
