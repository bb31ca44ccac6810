import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertNotFlagged, assertPath, callGraphOf, edit, FixtureRepo, graphOf } from './fixture.js';
import { buildCallGraph, evaluateGate, readDirectorySources, readRevisionSources, toPycg } from '../../src/gate/index.js';
import type { GateResult } from '../../src/gate/types.js';

const files: Record<string, string> = {
  'bank/__init__.py': 'from .rounding import round_half_even as rhe\n',
  'bank/rounding.py': ['SCALE = 2', '', 'def round_half_even(x):', '    return round(x, SCALE)', '', 'def unrelated_format(x):', '    return str(x)', ''].join(
    '\n',
  ),
  'bank/scoring.py': [
    'from bank import rhe',
    '',
    'class Scorer:',
    '    def score(self, a):',
    '        raise NotImplementedError',
    '',
    'class RiskScorer(Scorer):',
    '    def score(self, a):',
    '        return weigh(a)',
    '',
    'def weigh(a):',
    '    return rhe(a) * 2',
    '',
  ].join('\n'),
  'bank/loans.py': [
    'from .scoring import Scorer',
    '',
    'def approve_loan(scorer: Scorer, a):',
    '    return scorer.score(a) > 1',
    '',
    'def fee(a):',
    '    return a * 0.01',
    '',
    'def apply_all(xs, fn):',
    '    return [fn(x) for x in xs]',
    '',
    'def process_payment(a):',
    '    return apply_all([a], fee)',
    '',
  ].join('\n'),
  'bank/legacy.py': ['def old_helper(x):', '    return x + 1', '', 'def calculate_interest(x):', '    return old_helper(x)', ''].join('\n'),
  'bank/desk.py': [
    'from .scoring import RiskScorer',
    '',
    'def update_balance(a):',
    '    return RiskScorer().score(a)',
    '',
    'class Desk:',
    '    LIMIT = 10',
    '',
    '    def approve_loan(self, a):',
    '        return a < self.LIMIT',
    '',
  ].join('\n'),
  'bank/report.py': ['def render(x):', '    return str(x)', ''].join('\n'),
};

describe('gate on a Python repository', () => {
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('direct call: a helper called by a root', async () => {
    const head = repo.branch('direct', { 'bank/legacy.py': edit(files['bank/legacy.py']!, 'x + 1', 'x + 2') });
    const r = await repo.gate(head);
    assert.equal(r.flagged, true);
    assertPath(r, ['bank.legacy.calculate_interest', 'bank.legacy.old_helper'], 'head');
    assert.ok(r.reasons.some((x) => x.message.includes('bank.legacy.calculate_interest → bank.legacy.old_helper (changed)')));
  });

  it('3+ hops through a base-class method, a re-export and an import alias', async () => {
    const head = repo.branch('hops', { 'bank/rounding.py': edit(files['bank/rounding.py']!, 'round(x, SCALE)', 'round(x + 0, SCALE)') });
    const r = await repo.gate(head);
    assertPath(r, ['bank.loans.approve_loan', 'bank.scoring.RiskScorer.score', 'bank.scoring.weigh', 'bank.rounding.round_half_even'], 'head');
  });

  it('a method on a fresh instance resolves to that class only', async () => {
    const g = await buildCallGraph(readDirectorySources(repo.dir));
    assert.deepEqual([...(g.calls.get('bank.desk.update_balance') ?? [])].sort(), ['bank.scoring.RiskScorer', 'bank.scoring.RiskScorer.score']);
    // an unknown receiver over-approximates to every method of that name
    assert.deepEqual([...(g.calls.get('bank.loans.approve_loan') ?? [])].sort(), ['bank.scoring.RiskScorer.score', 'bank.scoring.Scorer.score']);
  });

  it('through a callback passed as an argument', async () => {
    const head = repo.branch('callback', { 'bank/loans.py': edit(files['bank/loans.py']!, 'a * 0.01', 'a * 0.02') });
    const r = await repo.gate(head);
    // the callback runs where it is called (inside apply_all), as PyCG attributes it
    assertPath(r, ['bank.loans.process_payment', 'bank.loans.apply_all', 'bank.loans.fee'], 'head');
  });

  it('through a module-level constant read by a function', async () => {
    const head = repo.branch('constant', { 'bank/rounding.py': edit(files['bank/rounding.py']!, 'SCALE = 2', 'SCALE = 3') });
    const r = await repo.gate(head);
    const changed = r.changedFunctions.find((c) => c.id === 'bank.rounding.round_half_even' && c.revision === 'head');
    assert.equal(changed?.via, 'binding');
    assert.equal(changed?.binding, 'bank.rounding.SCALE');
    assertPath(r, ['bank.loans.approve_loan', 'bank.scoring.RiskScorer.score', 'bank.scoring.weigh', 'bank.rounding.round_half_even'], 'head');
    assert.ok(r.reasons.some((x) => x.message.includes('(changed: reads bank.rounding.SCALE)')));
  });

  it('through a class attribute read as self.NAME', async () => {
    const head = repo.branch('class-attr', { 'bank/desk.py': edit(files['bank/desk.py']!, 'LIMIT = 10', 'LIMIT = 20') });
    const r = await repo.gate(head);
    const c = r.changedFunctions.find((x) => x.id === 'bank.desk.Desk.approve_loan' && x.revision === 'head');
    assert.equal(c?.binding, 'bank.desk.Desk.LIMIT');
    assert.ok(
      r.reasons.some((x) => x.kind === 'root-changed' && x.message.includes('bank.desk.Desk.approve_loan (changed: reads bank.desk.Desk.LIMIT)')),
      JSON.stringify(r.reasons),
    );
  });

  it('a deleted function is found in the base revision', async () => {
    const legacy = ['def calculate_interest(x):', '    return x + 1', ''].join('\n');
    const head = repo.branch('deleted', { 'bank/legacy.py': legacy });
    const r = await repo.gate(head);
    assert.ok(r.changedFunctions.some((c) => c.id === 'bank.legacy.old_helper' && c.revision === 'base'));
    assertPath(r, ['bank.legacy.calculate_interest', 'bank.legacy.old_helper'], 'base');
  });

  it('a renamed file with regulated code is flagged; a renamed unrelated file is not', async () => {
    const moved = await repo.gate(repo.branch('rename-regulated', {}, [['bank/legacy.py', 'bank/interest.py']]));
    assert.equal(moved.flagged, true);
    assert.ok(moved.paths.some((p) => p.root === 'bank.interest.calculate_interest' && p.revision === 'head'));
    assert.ok(moved.paths.some((p) => p.root === 'bank.legacy.calculate_interest' && p.revision === 'base'));
    assertNotFlagged(await repo.gate(repo.branch('rename-unrelated', {}, [['bank/report.py', 'bank/reporting.py']])));
  });

  it('unrelated changes are not flagged, even next to regulated code', async () => {
    const head = repo.branch('unrelated', {
      // written again unchanged: a file in the commit whose content did not change is no change
      'bank/desk.py': files['bank/desk.py']!,
      'bank/report.py': edit(files['bank/report.py']!, 'str(x)', 'repr(x)'),
      'bank/rounding.py': edit(files['bank/rounding.py']!, 'return str(x)', 'return format(x)'),
      'README.md': 'docs\n',
    });
    const r = await repo.gate(head);
    assertNotFlagged(r);
    assert.deepEqual(
      r.changedFunctions
        .filter((c) => c.revision === 'head')
        .map((c) => c.id)
        .sort(),
      ['bank.report.render', 'bank.rounding.unrelated_format'],
    );
  });

  it('blank lines and module-level comments change nothing; a comment inside a root does', async () => {
    const legacy = files['bank/legacy.py']!;
    const quiet = await repo.gate(repo.branch('comments', { 'bank/legacy.py': `# interest helpers\n\n${legacy}\n\n` }));
    assertNotFlagged(quiet);
    assert.deepEqual(quiet.changedFunctions, []);
    const inRoot = await repo.gate(
      repo.branch('comment-in-root', {
        'bank/legacy.py': edit(legacy, '    return old_helper(x)', '    # rounding happens in old_helper\n    return old_helper(x)'),
      }),
    );
    assert.equal(inRoot.flagged, true);
  });

  it('a changed file that does not parse is flagged with the reason (fail closed)', async () => {
    const head = repo.branch('broken', { 'bank/report.py': 'def render(x:\n    return\n' });
    const r = await repo.gate(head);
    assert.equal(r.flagged, true);
    const reason = r.reasons.find((x) => x.kind === 'unparsable');
    assert.ok(reason && reason.message.includes('bank/report.py') && /syntax error near line \d+/.test(reason.message), JSON.stringify(r.reasons));
  });

  it('a changed file nested too deeply to walk is flagged, not a crash', async () => {
    const deep = `def total():\n    return ${Array.from({ length: 20000 }, () => 'one(1)').join(' + ')}\n`;
    const r = await repo.gate(repo.branch('deep', { 'bank/deep.py': deep }));
    assert.equal(r.flagged, true);
    assert.ok(
      r.reasons.some((x) => x.kind === 'unparsable' && x.message.includes('bank/deep.py') && x.message.includes('nesting too deep')),
      JSON.stringify(r.reasons),
    );
  });

  it('configured roots replace the defaults; a class named as a root makes its methods roots', async () => {
    const head = repo.branch('custom-roots', { 'bank/report.py': edit(files['bank/report.py']!, 'str(x)', 'repr(x)') });
    const r = await repo.gate(head, { roots: ['bank.report.*'] });
    assert.equal(r.flagged, true);
    assert.deepEqual(r.roots, ['bank.report.render']);
    const byClass = await repo.gate(
      repo.branch('class-root', { 'bank/rounding.py': edit(files['bank/rounding.py']!, 'round(x, SCALE)', 'round(x, SCALE + 0)') }),
      { roots: ['*.RiskScorer'] },
    );
    assert.deepEqual(byClass.roots, ['bank.scoring.RiskScorer.score']);
    assertPath(byClass, ['bank.scoring.RiskScorer.score', 'bank.scoring.weigh', 'bank.rounding.round_half_even'], 'head');
  });
});

describe('Python projects under a source root (src/ layout)', () => {
  let repo: FixtureRepo;
  const layout: Record<string, string> = {
    'src/bank/__init__.py': '',
    'src/bank/rates.py': 'def calc(x):\n    return x * 2\n\ndef fee(x):\n    return x + 1\n',
    'src/bank/ledger.py': 'def post(x):\n    return x\n',
    'src/bank/loans.py': [
      'import os',
      'import bank.ledger',
      'import bank.rates as r',
      'from bank.rates import calc',
      '',
      'def approve_loan(x):',
      '    os.getenv("X")',
      '    return calc(x) + r.fee(x) + bank.ledger.post(x)',
      '',
    ].join('\n'),
    // a tool elsewhere with a stdlib-like name must not capture `import os`
    'tools/os.py': 'def getenv(x):\n    return x\n',
    'tests/test_loans.py': 'from bank.loans import approve_loan\n\ndef test_it():\n    assert approve_loan(1)\n',
  };
  before(() => {
    repo = new FixtureRepo(layout);
  });
  after(() => repo.remove());

  it('imports written from the source root resolve to the repository modules (from, import a.b, import as)', async () => {
    for (const [file, fn] of [
      ['src/bank/rates.py', 'calc'],
      ['src/bank/rates.py', 'fee'],
      ['src/bank/ledger.py', 'post'],
    ] as const) {
      const r = await repo.gate(
        repo.branch(`edit-${fn}`, {
          [file]: edit(
            layout[file]!,
            fn === 'post' ? 'return x\n' : fn === 'calc' ? 'x * 2' : 'x + 1',
            fn === 'post' ? 'return x + 0\n' : fn === 'calc' ? 'x * 3' : 'x + 2',
          ),
        }),
      );
      assertPath(r, ['src.bank.loans.approve_loan', `src.bank.${file.includes('ledger') ? 'ledger' : 'rates'}.${fn}`], 'head');
    }
  });

  it('a file outside the source root imports it too; a stdlib name is not taken for a repository module elsewhere', async () => {
    const g = toPycg(await buildCallGraph(readRevisionSources(repo.dir, 'main')));
    assert.ok(g['tests.test_loans.test_it']!.includes('src.bank.loans.approve_loan'), JSON.stringify(g['tests.test_loans.test_it']));
    assert.ok(g['src.bank.loans.approve_loan']!.includes('os.getenv'), JSON.stringify(g['src.bank.loans.approve_loan']));
    assert.ok(!g['src.bank.loans.approve_loan']!.includes('tools.os.getenv'));
  });

  it('in a monorepo each service finds its own source root, also through a star import and next to a top-level folder of the same name', async () => {
    const mono = new FixtureRepo({
      'services/a/src/bank/__init__.py': '',
      'services/a/src/bank/rates.py': 'def calc(x):\n    return x\n',
      'services/b/src/bank/__init__.py': '',
      'services/b/src/bank/rates.py': 'def calc(x):\n    return x * 2\n',
      'services/b/app/loans.py': 'from bank.rates import *\n\ndef approve_loan(x):\n    return calc(x)\n',
      // a top-level folder named like the package must not stop `bank.rates` from resolving
      'bank/migrations/__init__.py': '',
      'bank/migrations/m1.py': 'def up():\n    return 1\n',
    });
    try {
      const g = toPycg(await buildCallGraph(readRevisionSources(mono.dir, 'main')));
      assert.deepEqual(g['services.b.app.loans.approve_loan'], ['services.b.src.bank.rates.calc']);
    } finally {
      mono.remove();
    }
  });
});

describe('Python values that flow to their call (decorators, handler tables, importlib, callbacks)', () => {
  let repo: FixtureRepo;
  const roots = { roots: ['pay.ledger.settle', 'pay.ledger.charge', 'pay.ledger.refund', 'pay.gateway.authorise'] };
  const src: Record<string, string> = {
    'pay/__init__.py': '',
    'pay/audit.py': [
      'def audited(f):',
      '    def wrapper(*args, **kwargs):',
      '        record("call")',
      '        return f(*args, **kwargs)',
      '    return wrapper',
      '',
      'def record(name):',
      '    return name',
      '',
    ].join('\n'),
    'pay/ledger.py': [
      'from .audit import audited',
      '',
      'def post_entry(x):',
      '    return x + 1',
      '',
      '@audited',
      'def settle(x):',
      '    return post_entry(x)',
      '',
      'def close_day(x):',
      '    return settle(x)',
      '',
      'def card_fee(a):',
      '    return a * 0.02',
      '',
      'def bank_fee(a):',
      '    return a * 0.01',
      '',
      'def report_fee(a):',
      '    return a',
      '',
      'FEES = {"card": card_fee, "bank": bank_fee}',
      '',
      'def charge(kind, a):',
      '    return FEES[kind](a)',
      '',
      'def apply(f, x):',
      '    return f(x)',
      '',
      'def round_amount(x):',
      '    return round(x, 2)',
      '',
      'def refund(x):',
      '    return apply(round_amount, x)',
      '',
    ].join('\n'),
    'pay/plugins/__init__.py': '',
    'pay/plugins/card.py': 'def capture(x):\n    return x\n\ndef describe(x):\n    return str(x)\n',
    'pay/gateway.py': [
      'import importlib',
      '',
      'def authorise(kind, x):',
      '    mod = importlib.import_module("pay.plugins.card")',
      '    return mod.capture(x)',
      '',
    ].join('\n'),
  };
  before(() => {
    repo = new FixtureRepo(src);
  });
  after(() => repo.remove());

  it('a decorated root still reaches what it calls, and the wrapper that runs it reaches the root', async () => {
    const inner = await repo.gate(repo.branch('decorated-callee', { 'pay/ledger.py': edit(src['pay/ledger.py']!, 'x + 1', 'x + 2') }), roots);
    assertPath(inner, ['pay.ledger.settle', 'pay.ledger.post_entry'], 'head');
    const wrapper = await repo.gate(
      repo.branch('decorated-wrapper', { 'pay/audit.py': edit(src['pay/audit.py']!, 'record("call")', 'record("settle")') }),
      roots,
    );
    assert.ok(
      wrapper.paths.some((p) => p.direction === 'changed-reaches-root' && p.nodes.join(' > ') === 'pay.audit.audited.wrapper > pay.ledger.settle'),
      wrapper.paths.map((p) => p.text).join('\n'),
    );
    // a caller of the decorated function calls the wrapper the decorator returned
    const g = toPycg(await buildCallGraph(readDirectorySources(repo.dir)));
    assert.deepEqual(g['pay.ledger.close_day'], ['pay.audit.audited.wrapper']);
  });

  it('a handler table reaches every handler it holds, and nothing else', async () => {
    const card = await repo.gate(repo.branch('dict-card', { 'pay/ledger.py': edit(src['pay/ledger.py']!, 'a * 0.02', 'a * 0.03') }), roots);
    assertPath(card, ['pay.ledger.charge', 'pay.ledger.card_fee'], 'head');
    assertNotFlagged(
      await repo.gate(repo.branch('dict-other', { 'pay/ledger.py': edit(src['pay/ledger.py']!, '    return a\n', '    return a + 0\n') }), roots),
    );
  });

  it('importlib.import_module with a literal name resolves the module', async () => {
    const r = await repo.gate(repo.branch('importlib', { 'pay/plugins/card.py': edit(src['pay/plugins/card.py']!, 'return x\n', 'return x + 0\n') }), roots);
    assertPath(r, ['pay.gateway.authorise', 'pay.plugins.card.capture'], 'head');
    assertNotFlagged(await repo.gate(repo.branch('importlib-other', { 'pay/plugins/card.py': edit(src['pay/plugins/card.py']!, 'str(x)', 'repr(x)') }), roots));
  });

  it('a callback passed to a function is called where that function calls it', async () => {
    const r = await repo.gate(repo.branch('callback-param', { 'pay/ledger.py': edit(src['pay/ledger.py']!, 'round(x, 2)', 'round(x, 3)') }), roots);
    assertPath(r, ['pay.ledger.refund', 'pay.ledger.apply', 'pay.ledger.round_amount'], 'head');
    assert.equal(r.paths.find((p) => p.changed === 'pay.ledger.round_amount')?.nameOnlyEdges, 0);
  });
});

describe('Python values bound without an assignment of their own', () => {
  it('`with X():` runs __enter__ and __exit__ as `with X() as y:` does', async () => {
    const g = await graphOf({
      'app.py': [
        'class Audit:',
        '    def __enter__(self):',
        '        return self',
        '    def __exit__(self, *exc):',
        '        return False',
        'def plain():',
        '    with Audit():',
        '        pass',
        'def named():',
        '    with Audit() as a:',
        '        pass',
        '',
      ].join('\n'),
    });
    for (const f of ['app.plain', 'app.named']) assert.deepEqual(g[f], ['app.Audit.__enter__', 'app.Audit.__exit__']);
  });

  it('`global` and `nonlocal` assignments rebind the outer name', async () => {
    const g = await graphOf({
      'app.py': [
        'def charge(x):',
        '    return x',
        'def other(x):',
        '    return x',
        'HANDLER = other',
        'def install():',
        '    global HANDLER',
        '    HANDLER = charge',
        'def settle():',
        '    return HANDLER(1)',
        'def outer():',
        '    h = other',
        '    def inner():',
        '        nonlocal h',
        '        h = charge',
        '    inner()',
        '    return h(1)',
        // the assigned value is this function's: its parameter, read back through the global
        '_last = None',
        'def apply_fee(amount, fee_fn):',
        '    global _last',
        '    _last = fee_fn',
        '    return _last(amount)',
        'def checkout():',
        '    return apply_fee(5, charge)',
        '',
      ].join('\n'),
    });
    assert.deepEqual(g['app.settle'], ['app.charge', 'app.other']);
    assert.deepEqual(g['app.outer'], ['app.charge', 'app.other', 'app.outer.inner']);
    assert.deepEqual(g['app.install'], []);
    assert.deepEqual(g['app.apply_fee'], ['app.charge']);
  });
});

describe('Python properties: reading, assigning and deleting an attribute runs its accessor', () => {
  const loans = [
    'import functools',
    'from functools import cached_property',
    'def audit(x):',
    '    return x',
    'def store(x):',
    '    return x',
    'def forget():',
    '    return 0',
    'class Schedule:',
    '    def first(self):',
    '        return 1',
    'class Loan:',
    '    def __init__(self, principal):',
    '        self.principal = principal',
    '    @property',
    '    def outstanding(self):',
    '        return audit(self.principal)',
    '    @outstanding.setter',
    '    def outstanding(self, value):',
    '        store(value)',
    '    @outstanding.deleter',
    '    def outstanding(self):',
    '        forget()',
    '    @cached_property',
    '    def schedule(self):',
    '        return Schedule()',
    '    @functools.cached_property',
    '    def rate(self):',
    '        return 5',
    '    def describe(self):',
    '        return self.outstanding',
    'class TermLoan(Loan):',
    '    pass',
    'def read(loan: Loan):',
    '    return loan.outstanding',
    'def write():',
    '    loan = Loan(1)',
    '    loan.outstanding = 5',
    'def drop(loan: Loan):',
    '    del loan.outstanding',
    'def chained(loan: Loan):',
    '    return loan.schedule.first()',
    'def cached(loan: Loan):',
    '    return loan.rate',
    'def inherited():',
    '    return TermLoan(1).outstanding',
    'def data(loan: Loan):',
    '    return loan.principal',
    'def on_class():',
    '    return Loan.outstanding',
    '',
  ].join('\n');

  it('a getter keeps its own calls beside a setter and a deleter of the same name', async () => {
    const g = await graphOf({ 'app.py': loans });
    assert.deepEqual(g['app.Loan.outstanding'], ['app.audit', 'app.forget', 'app.store']);
  });

  it('both definitions of a name written in if/else keep their calls', async () => {
    const g = await graphOf({
      'app.py': [
        'import sys',
        'def a():',
        '    return 1',
        'def b():',
        '    return 2',
        'if sys.version_info > (3,):',
        '    def f():',
        '        return a()',
        'else:',
        '    def f():',
        '        return b()',
        '',
      ].join('\n'),
    });
    assert.deepEqual(g['app.f'], ['app.a', 'app.b']);
  });

  it('a read calls the getter, an assignment the setter, a `del` the deleter (all one node, as PyCG names them)', async () => {
    const g = await graphOf({ 'app.py': loans });
    assert.deepEqual(g['app.read'], ['app.Loan.outstanding']);
    assert.deepEqual(g['app.write'], ['app.Loan.__init__', 'app.Loan.outstanding']);
    assert.deepEqual(g['app.drop'], ['app.Loan.outstanding']);
    assert.deepEqual(g['app.Loan.describe'], ['app.Loan.outstanding']);
    assert.deepEqual(g['app.inherited'], ['app.Loan.__init__', 'app.Loan.outstanding']);
  });

  it('cached_property (functools or imported) is a property, and what the getter returns flows on', async () => {
    const g = await graphOf({ 'app.py': loans });
    assert.deepEqual(g['app.cached'], ['app.Loan.rate']);
    assert.deepEqual(g['app.chained'], ['app.Loan.schedule', 'app.Schedule.first']);
  });

  it('a data attribute, and a property named on the class, call nothing', async () => {
    const g = await graphOf({ 'app.py': loans });
    assert.deepEqual(g['app.data'], []);
    assert.deepEqual(g['app.on_class'], []);
  });

  it('on a receiver of unknown value, a read reaches the visible properties of that name, by name only; a data attribute stays free', async () => {
    const g = await callGraphOf({
      'app.py': loans,
      'use.py': [
        'from app import Loan',
        'from frappe.model.document import Document',
        'def unknown(x):',
        '    return x.outstanding',
        'def plain(x):',
        '    return x.principal + x.describe_me',
        'def assign(x):',
        '    x.outstanding = 1',
        'class Repayment(Document):',
        '    def validate(self):',
        '        return self.outstanding',
        '',
      ].join('\n'),
    });
    // `self` is an instance of its class or a subclass: a property of another class cannot run
    assert.deepEqual([...(g.calls.get('use.Repayment.validate') ?? [])], []);
    assert.deepEqual([...(g.calls.get('use.unknown') ?? [])], ['app.Loan.outstanding']);
    assert.deepEqual([...(g.nameOnly.get('use.unknown') ?? [])], ['app.Loan.outstanding']);
    assert.deepEqual([...(g.calls.get('use.plain') ?? [])], []);
    assert.deepEqual([...(g.nameOnly.get('use.assign') ?? [])], ['app.Loan.outstanding']);
  });

  it('a change to a getter flags the root that reads the property', async () => {
    const files = {
      'pay/__init__.py': '',
      'pay/loan.py': [
        'class Loan:',
        '    def __init__(self, principal, paid):',
        '        self.principal = principal',
        '        self.paid = paid',
        '    @property',
        '    def outstanding(self):',
        '        return self.principal - self.paid',
        '    @property',
        '    def label(self):',
        '        return "loan"',
        '',
      ].join('\n'),
      'pay/settle.py': ['from .loan import Loan', '', 'def settle_loan(loan: Loan):', '    return loan.outstanding', ''].join('\n'),
    };
    const repo = new FixtureRepo(files);
    try {
      const roots = { roots: ['pay.settle.settle_loan'] };
      const r = await repo.gate(
        repo.branch('getter', { 'pay/loan.py': edit(files['pay/loan.py'], 'self.principal - self.paid', 'self.principal - self.paid - 1') }),
        roots,
      );
      assertPath(r, ['pay.settle.settle_loan', 'pay.loan.Loan.outstanding'], 'head');
      assert.equal(r.paths.find((p) => p.changed === 'pay.loan.Loan.outstanding')?.nameOnlyEdges, 0);
      assertNotFlagged(await repo.gate(repo.branch('label', { 'pay/loan.py': edit(files['pay/loan.py'], 'return "loan"', 'return "a loan"') }), roots));
    } finally {
      repo.remove();
    }
  });
});

describe('Python implicit dunder calls on instances of repository classes', () => {
  const money = [
    'class Money:',
    '    def __init__(self, cents):',
    '        self.cents = cents',
    '    def __add__(self, other):',
    '        return Money(self.cents + other.cents)',
    '    def __radd__(self, other):',
    '        return Money(self.cents)',
    '    def __sub__(self, other):',
    '        return Money(self.cents - other.cents)',
    '    def __mul__(self, k):',
    '        return Money(self.cents * k)',
    '    def __neg__(self):',
    '        return Money(-self.cents)',
    '    def __abs__(self):',
    '        return Money(abs(self.cents))',
    '    def __eq__(self, other):',
    '        return self.cents == other.cents',
    '    def __lt__(self, other):',
    '        return self.cents < other.cents',
    '    def __bool__(self):',
    '        return self.cents != 0',
    '    def __str__(self):',
    '        return "%d" % self.cents',
    '    def __hash__(self):',
    '        return hash(self.cents)',
    '    def __round__(self, n):',
    '        return self',
    '    def split(self):',
    '        return [self]',
    'class Wallet:',
    '    def __init__(self):',
    '        self.total = Money(0)',
    '    def __iadd__(self, m):',
    '        return self',
    '    def deposit(self, m: Money):',
    '        self.total += m',
    '',
  ].join('\n');

  it('binary operators run the left operand’s method, and the reflected one only when the left has none', async () => {
    const g = await graphOf({
      'money.py': money,
      'use.py': [
        'from money import Money, Wallet',
        'def add(a: Money, b: Money):',
        '    return a + b',
        'def add_literal(b: Money):',
        '    return 0 + b',
        'def scale(a: Money):',
        '    return a * 3',
        'def unknown(x, y):',
        '    return x + y - x * y',
        'def result(a: Money, b: Money):',
        '    total = a - b',
        '    return total.split()',
        'def augmented(w: Wallet, a: Money, b: Money):',
        '    w += a',
        '    a += b',
        '',
      ].join('\n'),
    });
    assert.deepEqual(g['use.add'], ['money.Money.__add__']);
    assert.deepEqual(g['use.add_literal'], ['money.Money.__radd__']);
    assert.deepEqual(g['use.scale'], ['money.Money.__mul__']);
    // no by-name fallback for operators
    assert.deepEqual(g['use.unknown'], []);
    // what the operator returns flows on
    assert.deepEqual(g['use.result'], ['money.Money.__sub__', 'money.Money.split']);
    // `+=` runs __iadd__, else __add__
    assert.deepEqual(g['use.augmented'], ['money.Money.__add__', 'money.Wallet.__iadd__']);
    // an attribute assigned through `+=` keeps what __add__ returns
    assert.deepEqual(g['money.Wallet.deposit'], ['money.Money.__add__']);
  });

  it('unary operators, comparisons and truth tests run their dunders', async () => {
    const g = await graphOf({
      'money.py': money,
      'use.py': [
        'from money import Money',
        'def neg(a: Money):',
        '    return -a',
        'def cmp(a: Money, b: Money):',
        '    return a == b, a < b, a > b, a != b, a is b',
        'def truth(a: Money, b: Money):',
        '    if a and b:',
        '        return not a',
        'def comprehension(a: Money):',
        '    ms = [a]',
        '    return [m for m in ms if m]',
        'def ternary(b: Money):',
        '    return 1 if b else 0',
        'def plain(n, m):',
        '    if n:',
        '        return n < m',
        '',
      ].join('\n'),
    });
    assert.deepEqual(g['use.neg'], ['money.Money.__neg__']);
    // `a > b` on a class without __gt__ runs b.__lt__; `!=` without __ne__ runs __eq__
    assert.deepEqual(g['use.cmp'], ['money.Money.__eq__', 'money.Money.__lt__']);
    assert.deepEqual(g['use.truth'], ['money.Money.__bool__']);
    assert.deepEqual(g['use.comprehension'], ['money.Money.__bool__']);
    assert.deepEqual(g['use.ternary'], ['money.Money.__bool__']);
    assert.deepEqual(g['use.plain'], []);
  });

  it('builtins (len, str, repr, bool, hash, iter, next, int, float, round, format, abs, sum, min, max, sorted) run the dunders they call', async () => {
    const g = await graphOf({
      'money.py': money,
      'book.py': [
        'class Entry:',
        '    def post(self):',
        '        return 1',
        'class Cursor:',
        '    def __next__(self):',
        '        return Entry()',
        'class Book:',
        '    def __len__(self):',
        '        return 0',
        '    def __getitem__(self, i):',
        '        return Entry()',
        '    def __setitem__(self, i, e):',
        '        pass',
        '    def __delitem__(self, i):',
        '        pass',
        '    def __iter__(self):',
        '        return Cursor()',
        '    def __repr__(self):',
        '        return "Book"',
        '    def __int__(self):',
        '        return 0',
        '    def __float__(self):',
        '        return 0.0',
        '    def __format__(self, spec):',
        '        return "Book"',
        '',
      ].join('\n'),
      'use.py': [
        'from money import Money',
        'from book import Book',
        'def builtins(b: Book, m: Money):',
        '    return len(b), str(b), repr(b), int(b), float(b), format(b, "x"), bool(b)',
        'def more(m: Money):',
        '    return str(m), hash(m), bool(m), abs(m), round(m, 2)',
        'def iterate(b: Book):',
        '    return next(iter(b)).post()',
        'def totals(ms: list[Money]):',
        '    ms = [Money(1), Money(2)]',
        '    return sum(ms), max(ms), min(ms, key=str), sorted(ms)',
        'def smaller(a: Money, b: Money):',
        '    return min(a, b)',
        '',
      ].join('\n'),
    });
    assert.deepEqual(g['use.builtins'], [
      '<builtin>.bool',
      '<builtin>.float',
      '<builtin>.format',
      '<builtin>.int',
      '<builtin>.len',
      '<builtin>.repr',
      '<builtin>.str',
      'book.Book.__float__',
      'book.Book.__format__',
      'book.Book.__int__',
      'book.Book.__len__',
      'book.Book.__repr__',
    ]);
    assert.deepEqual(g['use.more'], [
      '<builtin>.abs',
      '<builtin>.bool',
      '<builtin>.hash',
      '<builtin>.round',
      '<builtin>.str',
      'money.Money.__abs__',
      'money.Money.__bool__',
      'money.Money.__hash__',
      'money.Money.__round__',
      'money.Money.__str__',
    ]);
    assert.deepEqual(g['use.iterate'], ['<builtin>.iter', '<builtin>.next', 'book.Book.__iter__', 'book.Cursor.__next__', 'book.Entry.post']);
    assert.deepEqual(g['use.smaller'], ['<builtin>.min', 'money.Money.__lt__']);
    // max without __gt__ compares with __lt__; min(key=…) compares the keys
    assert.deepEqual(g['use.totals'], [
      '<builtin>.max',
      '<builtin>.min',
      '<builtin>.sorted',
      '<builtin>.sum',
      'money.Money.__add__',
      'money.Money.__init__',
      'money.Money.__lt__',
      'money.Money.__radd__',
    ]);
  });

  it('subscripts, `in` and f-strings run __getitem__/__setitem__/__delitem__, __contains__ (else __iter__), __format__ (else __str__)', async () => {
    const g = await graphOf({
      'money.py': money,
      'book.py': [
        'from money import Money',
        'class Entry:',
        '    def post(self):',
        '        return 1',
        'class Book:',
        '    def __getitem__(self, i):',
        '        return Entry()',
        '    def __setitem__(self, i, e):',
        '        e.post()',
        '    def __delitem__(self, i):',
        '        pass',
        '    def __iter__(self):',
        '        return iter([])',
        'class Index:',
        '    def __contains__(self, k):',
        '        return True',
        'def read(b: Book):',
        '    return b[0].post()',
        'def write(b: Book):',
        '    b[0] = Entry()',
        'def drop(b: Book):',
        '    del b[0]',
        'def update(b: Book):',
        '    b[0] += 1',
        'def member(b: Book, i: Index):',
        '    return 1 in i, 2 not in b',
        'def text(m: Money, b: Book):',
        '    return f"{m} {b!r} {m:>10}"',
        'def plain(d):',
        '    d["k"] = d["j"]',
        '    return "k" in d',
        '',
      ].join('\n'),
    });
    assert.deepEqual(g['book.read'], ['book.Book.__getitem__', 'book.Entry.post']);
    assert.deepEqual(g['book.write'], ['book.Book.__setitem__']);
    // the value assigned flows to __setitem__'s parameter
    assert.deepEqual(g['book.Book.__setitem__'], ['book.Entry.post']);
    assert.deepEqual(g['book.drop'], ['book.Book.__delitem__']);
    assert.deepEqual(g['book.update'], ['book.Book.__getitem__', 'book.Book.__setitem__']);
    assert.deepEqual(g['book.member'], ['book.Book.__iter__', 'book.Index.__contains__']);
    assert.deepEqual(g['book.text'], ['money.Money.__str__']);
    assert.deepEqual(g['book.plain'], []);
  });

  it('a change to Money.__add__ flags the root that adds money; one to an operator nothing uses does not', async () => {
    const files = {
      'pay/__init__.py': '',
      'pay/money.py': money,
      'pay/settle.py': ['from .money import Money', '', 'def settle(a: Money, fee: Money):', '    return a + fee', ''].join('\n'),
    };
    const repo = new FixtureRepo(files);
    try {
      const roots = { roots: ['pay.settle.settle'] };
      const r = await repo.gate(
        repo.branch('add', { 'pay/money.py': edit(files['pay/money.py'], 'Money(self.cents + other.cents)', 'Money(self.cents + other.cents + 1)') }),
        roots,
      );
      assertPath(r, ['pay.settle.settle', 'pay.money.Money.__add__'], 'head');
      assertNotFlagged(
        await repo.gate(repo.branch('neg', { 'pay/money.py': edit(files['pay/money.py'], 'Money(-self.cents)', 'Money(0 - self.cents)') }), roots),
      );
    } finally {
      repo.remove();
    }
  });
});

describe('Python dataclasses: constructing one runs its __post_init__', () => {
  const src = [
    'import dataclasses',
    'from dataclasses import dataclass',
    'def validate(x):',
    '    return x',
    '@dataclass',
    'class Payment:',
    '    amount: int',
    '    def __post_init__(self):',
    '        validate(self.amount)',
    '@dataclasses.dataclass(frozen=True)',
    'class Refund(Payment):',
    '    pass',
    'class Plain(Payment):',
    '    pass',
    '@dataclass',
    'class Explicit:',
    '    def __init__(self):',
    '        pass',
    '    def __post_init__(self):',
    '        validate(0)',
    'class NotData:',
    '    def __post_init__(self):',
    '        validate(0)',
    'def make():',
    '    return Payment(1)',
    'def refund():',
    '    return Refund(1)',
    'def plain():',
    '    return Plain(1)',
    'def explicit():',
    '    return Explicit()',
    'def not_data():',
    '    return NotData()',
    'def copy(p: Payment):',
    '    return dataclasses.replace(p, amount=2)',
    '',
  ].join('\n');

  it('the generated __init__ calls __post_init__ (through the MRO); a class’s own __init__, or no dataclass, does not', async () => {
    const g = await graphOf({ 'pay.py': src });
    assert.deepEqual(g['pay.make'], ['pay.Payment.__post_init__']);
    assert.deepEqual(g['pay.refund'], ['pay.Payment.__post_init__']);
    assert.deepEqual(g['pay.plain'], ['pay.Payment.__post_init__']);
    assert.deepEqual(g['pay.explicit'], ['pay.Explicit.__init__']);
    assert.deepEqual(g['pay.not_data'], []);
    assert.deepEqual(g['pay.copy'], ['dataclasses.replace', 'pay.Payment.__post_init__']);
  });

  it('a change to the validation __post_init__ runs flags the root that builds the payment', async () => {
    const files = { 'pay.py': src, 'api.py': 'from pay import Refund\n\ndef issue_refund(a):\n    return Refund(a)\n' };
    const repo = new FixtureRepo(files);
    try {
      const r = await repo.gate(repo.branch('validate', { 'pay.py': edit(src, '    return x\n', '    return x or 0\n') }), { roots: ['api.issue_refund'] });
      assertPath(r, ['api.issue_refund', 'pay.Payment.__post_init__', 'pay.validate'], 'head');
    } finally {
      repo.remove();
    }
  });
});

describe('Python same-named definitions and properties keep what a single definition found', () => {
  it('a call of a redefined function binds the parameters of each definition', async () => {
    const g = await graphOf({
      'app.py': [
        'import sys',
        'def pay():',
        '    return 1',
        'if sys.platform == "win32":',
        '    def run(x):',
        '        return x',
        'else:',
        '    def run(cb):',
        '        return cb()',
        'def entry():',
        '    return run(pay)',
        '',
      ].join('\n'),
    });
    assert.ok(g['app.run']?.includes('app.pay'), JSON.stringify(g['app.run']));
  });

  it('a local of one definition does not shadow a module-level name in another definition of the same name', async () => {
    const g = await graphOf({
      'app.py': [
        'import sys',
        'def validate(d):',
        '    return d',
        'if sys.platform == "win32":',
        '    def process(data):',
        '        validate = lambda d: d',
        '        return validate(data)',
        'else:',
        '    def process(data):',
        '        return validate(data)',
        '',
      ].join('\n'),
    });
    assert.ok(g['app.process']?.includes('app.validate'), JSON.stringify(g['app.process']));
  });

  it("an overloaded method fits a call by its implementation's parameters, not only its first stub's", async () => {
    const g = await graphOf({
      'app.py': [
        'from typing import overload',
        'class Store:',
        '    @overload',
        '    def fetch(self, key: int) -> int: ...',
        '    @overload',
        '    def fetch(self, key: str) -> str: ...',
        '    def fetch(self, key, default=None):',
        '        return key',
        'class Other:',
        '    def fetch(self, a, b):',
        '        return a',
        'def entry(obj):',
        '    return obj.fetch(1, 2)',
        '',
      ].join('\n'),
    });
    assert.deepEqual(g['app.entry'], ['app.Other.fetch', 'app.Store.fetch']);
  });

  it('calling what a property returns runs its getter too', async () => {
    const g = await graphOf({
      'app.py': [
        'import requests',
        'def helper():',
        '    return 2',
        'class A:',
        '    @property',
        '    def session(self):',
        '        return requests.Session',
        '    @property',
        '    def action(self):',
        '        return helper',
        '    def use(self):',
        '        return self.session()',
        'def entry():',
        '    return A().action()',
        '',
      ].join('\n'),
    });
    assert.ok(g['app.A.use']?.includes('app.A.session'), JSON.stringify(g['app.A.use']));
    assert.ok(g['app.entry']?.includes('app.A.action') && g['app.entry'].includes('app.helper'), JSON.stringify(g['app.entry']));
  });
});

describe('Python module-level and class-level bindings computed by calling repository code', () => {
  const rates = [
    'BASE_RATE = 0.05',
    '',
    'def base_rate():',
    '    return 0.05',
    '',
    'def compute_rate():',
    '    return base_rate() * 2',
    '',
    'def to_row(x):',
    '    return {"x": x}',
    '',
    'def weight(t):',
    '    return len(t)',
    '',
    'def settle(a):',
    '    return audit(a)',
    '',
    'def audit(a):',
    '    return a',
    '',
    'class Ledger:',
    '    def digest(self, s):',
    '        return s',
    '',
  ].join('\n');
  const fees = [
    'from hashing_lib import get_hasher',
    'from .rates import BASE_RATE, compute_rate, settle, to_row, weight',
    '',
    'def fee_helper():',
    '    return 0.01',
    '',
    'def build_fees():',
    '    return {"card": fee_helper()}',
    '',
    '# an untyped receiver: `digest` is resolved by name only',
    'def checksum(h):',
    '    return h.digest("hex")',
    '',
    'FEES = build_fees()',
    'RATE = BASE_RATE * 2',
    'TYPES = ["card", "cash", "wire"]',
    'BASE = ["card"]',
    'OTHERS = [t for t in TYPES if t not in BASE]',
    'ROWS = list(map(to_row, TYPES))',
    'SORTED = sorted(TYPES, key=lambda t: weight(t))',
    'pay = settle',
    'CHECK = checksum(None)',
    'DIGEST = get_hasher().digest("x")',
    'FLOOR = 5',
    '',
    'class Loan:',
    '    RATE = compute_rate()',
    '    FLOOR = 0.01',
    '    MINIMUM = FLOOR * 100',
    '',
    '    def interest(self, p):',
    '        return p * self.RATE',
    '',
  ].join('\n');
  const files = {
    'lending/__init__.py': '',
    'lending/rates.py': rates,
    'lending/fees.py': fees,
    'lending/pay.py': [
      'from .fees import CHECK, DIGEST, FEES, OTHERS, RATE, ROWS, SORTED, Loan, pay',
      '',
      'def process_payment(kind):',
      '    return FEES[kind]',
      '',
      'def quote():',
      '    return RATE',
      '',
      'def quote_loan(p):',
      '    return p * Loan.RATE',
      '',
      'def list_types():',
      '    return OTHERS',
      '',
      'def export_rows():',
      '    return ROWS, SORTED',
      '',
      'def payment_hook():',
      '    return pay',
      '',
      'def verify():',
      '    return CHECK, DIGEST',
      '',
    ].join('\n'),
  };
  const roots = ['lending.pay.*'];
  const reasonsOf = (r: GateResult): string => r.reasons.map((x) => x.message).join('\n');
  const changedIds = (r: GateResult): string[] => [...new Set(r.changedFunctions.map((c) => c.id))].sort();
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it("records the initializer's typed calls as the binding's call edges, and keeps the module's", async () => {
    const g = await callGraphOf(files);
    const calls = (id: string): string[] => [...(g.calls.get(id) ?? [])].sort();
    assert.ok(calls('lending.fees.FEES').includes('lending.fees.build_fees'), JSON.stringify(calls('lending.fees.FEES')));
    assert.ok(calls('lending.fees').includes('lending.fees.build_fees'), JSON.stringify(calls('lending.fees')));
    assert.ok(calls('lending.fees.Loan.RATE').includes('lending.rates.compute_rate'), JSON.stringify(calls('lending.fees.Loan.RATE')));
    assert.ok(calls('lending.fees.Loan').includes('lending.rates.compute_rate'), JSON.stringify(calls('lending.fees.Loan')));
    // a function passed to a builtin, and a lambda passed as the key, count as called by the value
    assert.ok(calls('lending.fees.ROWS').includes('lending.rates.to_row'), JSON.stringify(calls('lending.fees.ROWS')));
    assert.ok(calls('lending.fees.SORTED').includes('lending.fees.<lambda1>'), JSON.stringify(calls('lending.fees.SORTED')));
    // a function only held is no call; a call resolved by name only stays the module's
    assert.deepEqual(calls('lending.fees.pay'), []);
    assert.deepEqual(calls('lending.fees.DIGEST'), []);
    assert.ok(g.nameOnly.get('lending.fees')?.has('lending.rates.Ledger.digest'), JSON.stringify([...(g.nameOnly.get('lending.fees') ?? [])]));
    assert.ok(g.reads.get('lending.fees.OTHERS')?.has('lending.fees.BASE'), JSON.stringify([...(g.reads.get('lending.fees.OTHERS') ?? [])]));
    assert.ok(g.reads.get('lending.fees.RATE')?.has('lending.rates.BASE_RATE'), JSON.stringify([...(g.reads.get('lending.fees.RATE') ?? [])]));
    // in a class body a bare name is the class's own attribute
    assert.deepEqual([...(g.reads.get('lending.fees.Loan.MINIMUM') ?? [])], ['lending.fees.Loan.FLOOR']);
  });

  it('`FEES = build_fees()` changes with build_fees and with what it calls, transitively, and so does a root reading FEES', async () => {
    const direct = await repo.gate(repo.branch('build-fees', { 'lending/fees.py': edit(fees, '{"card": fee_helper()}', '{"card": fee_helper() * 2}') }), {
      roots,
    });
    assert.ok(reasonsOf(direct).includes('lending.pay.process_payment (changed: reads lending.fees.FEES)'), reasonsOf(direct));
    const helper = await repo.gate(repo.branch('fee-helper', { 'lending/fees.py': edit(fees, 'return 0.01', 'return 0.02') }), { roots });
    assert.equal(helper.flagged, true, reasonsOf(helper));
    assert.ok(reasonsOf(helper).includes('lending.pay.process_payment (changed: reads lending.fees.FEES)'), reasonsOf(helper));
    // nothing else reads FEES: the other roots stay unchanged
    assert.ok(!changedIds(helper).includes('lending.pay.quote'), changedIds(helper).join(', '));
  });

  it('a class attribute built by a call changes with what the call reaches', async () => {
    const r = await repo.gate(repo.branch('base-rate', { 'lending/rates.py': edit(rates, '    return 0.05', '    return 0.06') }), { roots });
    assert.equal(r.flagged, true, reasonsOf(r));
    assert.equal(r.changedFunctions.find((c) => c.id === 'lending.fees.Loan.interest')?.binding, 'lending.fees.Loan.RATE');
    assert.ok(reasonsOf(r).includes('lending.pay.quote_loan (changed: reads lending.fees.Loan.RATE)'), reasonsOf(r));
  });

  it('a binding whose initializer reads a changed binding changes, and so do its readers', async () => {
    const others = await repo.gate(repo.branch('base-types', { 'lending/fees.py': edit(fees, 'BASE = ["card"]', 'BASE = ["card", "cash"]') }), { roots });
    assert.ok(reasonsOf(others).includes('lending.pay.list_types (changed: reads lending.fees.OTHERS)'), reasonsOf(others));
    // through an import of another module's constant
    const rate = await repo.gate(repo.branch('base-rate-constant', { 'lending/rates.py': edit(rates, 'BASE_RATE = 0.05', 'BASE_RATE = 0.04') }), { roots });
    assert.ok(reasonsOf(rate).includes('lending.pay.quote (changed: reads lending.fees.RATE)'), reasonsOf(rate));
  });

  it('a function passed as an argument, or a lambda in the initializer, is part of the value', async () => {
    const row = await repo.gate(repo.branch('to-row', { 'lending/rates.py': edit(rates, 'return {"x": x}', 'return {"y": x}') }), { roots });
    assert.ok(reasonsOf(row).includes('lending.pay.export_rows (changed: reads lending.fees.ROWS)'), reasonsOf(row));
    const key = await repo.gate(repo.branch('weight', { 'lending/rates.py': edit(rates, 'return len(t)', 'return -len(t)') }), { roots });
    assert.ok(reasonsOf(key).includes('lending.pay.export_rows (changed: reads lending.fees.SORTED)'), reasonsOf(key));
  });

  it('a call resolved by name only is not followed, in the initializer or on the way', async () => {
    const r = await repo.gate(repo.branch('digest', { 'lending/rates.py': edit(rates, '        return s', '        return s + s') }), { roots });
    assertNotFlagged(r);
    assert.deepEqual(changedIds(r), ['lending.rates.Ledger.digest']);
  });

  it('a function only held (`pay = settle`) does not make the binding change with what it calls', async () => {
    const r = await repo.gate(repo.branch('audit', { 'lending/rates.py': edit(rates, '    return a\n\nclass', '    return None\n\nclass') }), { roots });
    assertNotFlagged(r);
    assert.deepEqual(changedIds(r), ['lending.rates.audit']);
  });

  it('in a class body, a name the class assigns only later is still the module binding (`TIMEOUT = TIMEOUT`)', async () => {
    const client = [
      'TIMEOUT = 30',
      'FLOOR = 5',
      '',
      'class Client:',
      '    TIMEOUT = TIMEOUT',
      '    MINIMUM = FLOOR * 100',
      '    FLOOR = 0.01',
      '    LIMIT = FLOOR * 2',
      '',
      '    def process_payment(self):',
      '        return self.TIMEOUT',
      '',
      '    def update_balance(self):',
      '        return self.MINIMUM',
      '',
    ].join('\n');
    const own = { 'billing/__init__.py': '', 'billing/client.py': client };
    const g = await callGraphOf(own);
    assert.deepEqual([...(g.reads.get('billing.client.Client.TIMEOUT') ?? [])], ['billing.client.TIMEOUT']);
    assert.deepEqual([...(g.reads.get('billing.client.Client.MINIMUM') ?? [])], ['billing.client.FLOOR']);
    // assigned above: the class's own attribute
    assert.deepEqual([...(g.reads.get('billing.client.Client.LIMIT') ?? [])], ['billing.client.Client.FLOOR']);
    const r2 = new FixtureRepo(own);
    try {
      const timeout = await r2.gate(r2.branch('timeout', { 'billing/client.py': edit(client, 'TIMEOUT = 30', 'TIMEOUT = 5') }), {
        roots: ['*.process_payment'],
      });
      assert.ok(reasonsOf(timeout).includes('billing.client.Client.process_payment (changed: reads billing.client.Client.TIMEOUT)'), reasonsOf(timeout));
      const floor = await r2.gate(r2.branch('floor', { 'billing/client.py': edit(client, 'FLOOR = 5', 'FLOOR = 6') }), { roots: ['*.update_balance'] });
      assert.ok(reasonsOf(floor).includes('billing.client.Client.update_balance (changed: reads billing.client.Client.MINIMUM)'), reasonsOf(floor));
    } finally {
      r2.remove();
    }
  });
});

describe('Python functions put into containers by append, add, insert, setdefault and extend', () => {
  const hooks = [
    'HOOKS = []',
    'CHECKS = set()',
    'PIPELINE = []',
    'ROUTES = dict()',
    '',
    '',
    'def hook(fn):',
    '    HOOKS.append(fn)',
    '    return fn',
    '',
    '',
    '@hook',
    'def limit(a):',
    '    return a < 100',
    '',
    '',
    'def fraud(a):',
    '    return a > 5',
    '',
    '',
    'def card(a):',
    '    return a * 2',
    '',
    '',
    'def bank(a):',
    '    return a + 1',
    '',
    '',
    'def wire(a):',
    '    return a * 3',
    '',
    '',
    'CHECKS.add(fraud)',
    'PIPELINE.extend([card, bank])',
    'ROUTES.setdefault("wire", wire)',
    '',
    '',
    'class Pipeline:',
    '    def __init__(self):',
    '        self.steps = []',
    '',
    '    def use(self, step):',
    '        self.steps.insert(0, step)',
    '',
    '    def run(self, a):',
    '        for s in self.steps:',
    '            a = s(a)',
    '        return a',
    '',
    '',
    'def double(a):',
    '    return a * 2',
    '',
    '',
    'p = Pipeline()',
    'p.use(double)',
    '',
    '',
    'def approve(a):',
    '    return all(h(a) for h in HOOKS) and all(c(a) for c in CHECKS)',
    '',
    '',
    'def settle(a):',
    '    for f in PIPELINE:',
    '        a = f(a)',
    '    return ROUTES["wire"](a)',
    '',
  ].join('\n');
  const own = [
    'def set():',
    '    return None',
    '',
    '',
    'def gift(a):',
    '    return a * 4',
    '',
    '',
    'SHADOWED = set()',
    'SHADOWED.add(gift)',
    '',
    '',
    'def reward(a):',
    '    for f in SHADOWED:',
    '        a = f(a)',
    '    return a',
    '',
  ].join('\n');
  const files = { 'pay/__init__.py': '', 'pay/hooks.py': hooks, 'pay/own.py': own };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('a function a decorator appends to a list, and one added to set() at module level, are called by whoever iterates it', async () => {
    const limit = await repo.gate(repo.branch('limit', { 'pay/hooks.py': edit(hooks, 'a < 100', 'a < 200') }), { roots: ['*.approve'] });
    assertPath(limit, ['pay.hooks.approve', 'pay.hooks.limit']);
    const fraud = await repo.gate(repo.branch('fraud', { 'pay/hooks.py': edit(hooks, 'a > 5', 'a > 6') }), { roots: ['*.approve'] });
    assertPath(fraud, ['pay.hooks.approve', 'pay.hooks.fraud']);
  });

  it('extend puts each element, setdefault its value, insert on an attribute its last argument', async () => {
    const bank = await repo.gate(repo.branch('bank', { 'pay/hooks.py': edit(hooks, 'a + 1', 'a + 2') }), { roots: ['*.settle'] });
    assertPath(bank, ['pay.hooks.settle', 'pay.hooks.bank']);
    const wire = await repo.gate(repo.branch('wire', { 'pay/hooks.py': edit(hooks, 'a * 3', 'a * 30') }), { roots: ['*.settle'] });
    assertPath(wire, ['pay.hooks.settle', 'pay.hooks.wire']);
    const double = await repo.gate(repo.branch('double', { 'pay/hooks.py': edit(hooks, 'return a * 2\n\n\np = ', 'return a * 20\n\n\np = ') }), {
      roots: ['*.Pipeline.run'],
    });
    assertPath(double, ['pay.hooks.Pipeline.run', 'pay.hooks.double']);
  });

  it("a container made by the file's own `list` is not the builtin's", async () => {
    const g = await callGraphOf(files);
    assert.ok(!g.calls.get('pay.own.reward')?.has('pay.own.gift'), [...(g.calls.get('pay.own.reward') ?? [])].join(', '));
    assert.ok(g.calls.get('pay.hooks.settle')?.has('pay.hooks.card'));
  });
});

describe('Python functions put into containers by +=, +, |=, update and collections constructors', () => {
  const tables = [
    'import collections',
    'from collections import OrderedDict, defaultdict, deque',
    '',
    'HOOKS = []',
    'CHAIN = []',
    'TUPLE = ()',
    'HANDLERS = {}',
    'BY_KEYWORD = dict()',
    'MERGED = {}',
    'QUEUE = deque()',
    'BY_KIND = defaultdict(list)',
    'ORDERED = OrderedDict()',
    'LOOKUP = collections.ChainMap(HANDLERS, {"gift": None})',
    'EXTRA = []',
    '',
    '',
    'def limit(a):',
    '    return a < 100',
    '',
    '',
    'def bank(a):',
    '    return a + 1',
    '',
    '',
    'def vat(a):',
    '    return a * 0.21',
    '',
    '',
    'def charge_card(a):',
    '    return a * 2',
    '',
    '',
    'def charge_wire(a):',
    '    return a * 3',
    '',
    '',
    'def merge_fee(a):',
    '    return a * 4',
    '',
    '',
    'def queued(a):',
    '    return a * 5',
    '',
    '',
    'def kind_fee(a):',
    '    return a * 6',
    '',
    '',
    'def ordered_fee(a):',
    '    return a * 7',
    '',
    '',
    'def audit(a):',
    '    return a * 8',
    '',
    '',
    'def noted(a):',
    '    return a * 9',
    '',
    '',
    'HOOKS += [limit]',
    'CHAIN = CHAIN + [bank]',
    'TUPLE += (vat,)',
    'HANDLERS.update({"card": charge_card})',
    'BY_KEYWORD.update(wire=charge_wire)',
    'MERGED |= {"merge": merge_fee}',
    'QUEUE.append(queued)',
    'BY_KIND["fee"].append(kind_fee)',
    'ORDERED["o"] = ordered_fee',
    'OTHER = EXTRA + [noted]',
    '',
    '',
    'class Pipeline:',
    '    def __init__(self):',
    '        self.steps = []',
    '',
    '    def use(self):',
    '        self.steps += [audit]',
    '',
    '    def run(self, a):',
    '        for s in self.steps:',
    '            a = s(a)',
    '        return a',
    '',
    '',
    'def approve(a):',
    '    return all(h(a) for h in HOOKS) and all(c(a) for c in CHAIN) and all(t(a) for t in TUPLE)',
    '',
    '',
    'def pay(kind, a):',
    '    return HANDLERS[kind](a) + BY_KEYWORD[kind](a) + MERGED[kind](a) + LOOKUP[kind](a)',
    '',
    '',
    'def drain(kind, a):',
    '    QUEUE.popleft()(a)',
    '    for f in BY_KIND[kind]:',
    '        a = f(a)',
    '    return ORDERED[kind](a)',
    '',
    '',
    'def extra(a):',
    '    for f in EXTRA:',
    '        a = f(a)',
    '    return a',
    '',
  ].join('\n');
  const own = [
    'from collections import deque',
    '',
    '',
    'def deque(xs=None):',
    '    return None',
    '',
    '',
    'def gift(a):',
    '    return a * 4',
    '',
    '',
    'MINE = deque()',
    'MINE.append(gift)',
    '',
    '',
    'def reward(a):',
    '    for f in MINE:',
    '        a = f(a)',
    '    return a',
    '',
  ].join('\n');
  const files = { 'pay/__init__.py': '', 'pay/tables.py': tables, 'pay/own.py': own };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('`HOOKS += [f]`, `CHAIN = CHAIN + [f]`, `+= (f,)` and `self.steps += [f]` hold f for whoever iterates them', async () => {
    const limit = await repo.gate(repo.branch('limit', { 'pay/tables.py': edit(tables, 'a < 100', 'a < 200') }), { roots: ['*.approve'] });
    assertPath(limit, ['pay.tables.approve', 'pay.tables.limit']);
    const bank = await repo.gate(repo.branch('bank', { 'pay/tables.py': edit(tables, 'a + 1', 'a + 2') }), { roots: ['*.approve'] });
    assertPath(bank, ['pay.tables.approve', 'pay.tables.bank']);
    const vat = await repo.gate(repo.branch('vat', { 'pay/tables.py': edit(tables, 'a * 0.21', 'a * 0.19') }), { roots: ['*.approve'] });
    assertPath(vat, ['pay.tables.approve', 'pay.tables.vat']);
    const audit = await repo.gate(repo.branch('audit', { 'pay/tables.py': edit(tables, 'a * 8', 'a * 80') }), { roots: ['*.Pipeline.run'] });
    assertPath(audit, ['pay.tables.Pipeline.run', 'pay.tables.audit']);
  });

  it('`update` with a dict or keywords, and `|=`, put their values into the dict; a ChainMap reads the maps it is given', async () => {
    const card = await repo.gate(repo.branch('card', { 'pay/tables.py': edit(tables, 'a * 2', 'a * 20') }), { roots: ['*.pay'] });
    assertPath(card, ['pay.tables.pay', 'pay.tables.charge_card']);
    const wire = await repo.gate(repo.branch('wire', { 'pay/tables.py': edit(tables, 'a * 3', 'a * 30') }), { roots: ['*.pay'] });
    assertPath(wire, ['pay.tables.pay', 'pay.tables.charge_wire']);
    const merge = await repo.gate(repo.branch('merge', { 'pay/tables.py': edit(tables, 'a * 4', 'a * 40') }), { roots: ['*.pay'] });
    assertPath(merge, ['pay.tables.pay', 'pay.tables.merge_fee']);
  });

  it('deque, defaultdict(list) (`d[k].append(f)`, `for f in d[k]`) and OrderedDict are containers', async () => {
    const queued = await repo.gate(repo.branch('queued', { 'pay/tables.py': edit(tables, 'a * 5', 'a * 50') }), { roots: ['*.drain'] });
    assertPath(queued, ['pay.tables.drain', 'pay.tables.queued']);
    const kind = await repo.gate(repo.branch('kind', { 'pay/tables.py': edit(tables, 'a * 6', 'a * 60') }), { roots: ['*.drain'] });
    assertPath(kind, ['pay.tables.drain', 'pay.tables.kind_fee']);
    const ordered = await repo.gate(repo.branch('ordered', { 'pay/tables.py': edit(tables, 'a * 7', 'a * 70') }), { roots: ['*.drain'] });
    assertPath(ordered, ['pay.tables.drain', 'pay.tables.ordered_fee']);
  });

  it('`EXTRA + [f]` makes a new list (EXTRA does not hold f); another container and a file’s own `deque` reach nothing', async () => {
    assertNotFlagged(await repo.gate(repo.branch('noted', { 'pay/tables.py': edit(tables, 'a * 9', 'a * 90') }), { roots: ['*.extra'] }));
    const g = await callGraphOf(files);
    const reached = (from: string): string[] => [...(g.calls.get(from) ?? [])];
    assert.deepEqual(
      reached('pay.tables.approve')
        .filter((t) => t.startsWith('pay.tables.'))
        .sort(),
      ['pay.tables.bank', 'pay.tables.limit', 'pay.tables.vat'],
    );
    assert.deepEqual(
      reached('pay.tables.pay')
        .filter((t) => t.startsWith('pay.tables.'))
        .sort(),
      ['pay.tables.charge_card', 'pay.tables.charge_wire', 'pay.tables.merge_fee'],
    );
    assert.deepEqual(
      reached('pay.tables.drain')
        .filter((t) => t.startsWith('pay.tables.'))
        .sort(),
      ['pay.tables.kind_fee', 'pay.tables.ordered_fee', 'pay.tables.queued'],
    );
    assert.ok(!reached('pay.own.reward').includes('pay.own.gift'), reached('pay.own.reward').join(', '));
  });
});

describe("a Python defaultdict's factory and `d[k] += [f]`", () => {
  const handlers = [
    'from collections import defaultdict',
    '',
    'HANDLERS = defaultdict(list)',
    'FALLBACK = defaultdict(lambda: refund)',
    'COUNTS = defaultdict(int)',
    '',
    '',
    'def flat_fee(a):',
    '    return a + 5',
    '',
    '',
    'def make_fee():',
    '    return flat_fee',
    '',
    '',
    'FEES = defaultdict(make_fee)',
    '',
    '',
    'def charge(a):',
    '    return a * 2',
    '',
    '',
    'def refund(a):',
    '    return a * 3',
    '',
    '',
    'def audit(a):',
    '    return a * 4',
    '',
    '',
    'HANDLERS["card"] += [charge]',
    '',
    '',
    'def process(kind, a):',
    '    for h in HANDLERS[kind]:',
    '        a = h(a)',
    '    return a',
    '',
    '',
    'def process_fallback(kind, a):',
    '    return FALLBACK[kind](a)',
    '',
    '',
    'def count(kind, a):',
    '    COUNTS[kind] += 1',
    '    return audit(a)',
    '',
    '',
    'def settle(kind, a):',
    '    return FEES[kind](a)',
    '',
  ].join('\n');
  const files = { 'pay/__init__.py': '', 'pay/handlers.py': handlers };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('`HANDLERS[k] += [f]` puts f in the list a missing key gets, for whoever iterates `HANDLERS[k]`', async () => {
    const r = await repo.gate(repo.branch('charge', { 'pay/handlers.py': edit(handlers, 'a * 2', 'a * 20') }), { roots: ['*.process'] });
    assertPath(r, ['pay.handlers.process', 'pay.handlers.charge']);
  });

  it('`defaultdict(lambda: refund)`: a missing key holds what the factory returns, so `FALLBACK[k](a)` calls refund', async () => {
    const r = await repo.gate(repo.branch('refund', { 'pay/handlers.py': edit(handlers, 'a * 3', 'a * 30') }), { roots: ['*.process_fallback'] });
    assertPath(r, ['pay.handlers.process_fallback', 'pay.handlers.refund']);
  });

  it('a function factory: `FEES[k](a)` calls what it returns; the lists and `defaultdict(int)` give nothing to call', async () => {
    const r = await repo.gate(repo.branch('flat', { 'pay/handlers.py': edit(handlers, 'a + 5', 'a + 6') }), { roots: ['*.settle'] });
    assertPath(r, ['pay.handlers.settle', 'pay.handlers.flat_fee']);
    assertNotFlagged(
      await repo.gate(repo.branch('refund-only', { 'pay/handlers.py': edit(handlers, 'a * 3', 'a * 31') }), { roots: ['*.process', '*.count'] }),
    );
    const g = await callGraphOf(files);
    assert.deepEqual([...(g.calls.get('pay.handlers.count') ?? [])], ['pay.handlers.audit']);
    // the factory itself is called where the defaultdict is made, not by whoever reads a key
    assert.deepEqual([...(g.calls.get('pay.handlers.settle') ?? [])], ['pay.handlers.flat_fee']);
  });
});

describe("Python methods of a builtin container run the builtin's, not a repository method of that name", () => {
  const store = [
    'class Ledger:',
    '    def update(self, row):',
    '        return row + 1',
    '',
    '    def append(self, row):',
    '        return row + 2',
    '',
    '    def get(self, key):',
    '        return key + 3',
    '',
  ].join('\n');
  const main = [
    'HANDLERS = {}',
    'STEPS = []',
    'SEEN = set()',
    '',
    '',
    'def card(a):',
    '    return a * 2',
    '',
    '',
    'def approve(a):',
    '    HANDLERS.update({"card": card})',
    '    STEPS.append(a)',
    '    SEEN.update([a])',
    '    local = {"x": 1}',
    '    local.update(y=2)',
    '    return HANDLERS.get("card")(a)',
    '',
    '',
    'def settle(ledger, a):',
    '    return ledger.update(a)',
    '',
  ].join('\n');
  const files = { 'pay/__init__.py': '', 'pay/store.py': store, 'pay/main.py': main };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('`d.update`, `rows.append`, `s.update` and `d.get` on a known dict, list or set reach no same-named repository method', async () => {
    const g = await callGraphOf(files);
    assert.deepEqual([...(g.calls.get('pay.main.approve') ?? [])].sort(), ['pay.main.card']);
    for (const [method, body] of [
      ['update', 'row + 1'],
      ['append', 'row + 2'],
      ['get', 'key + 3'],
    ]) {
      const changed = await repo.gate(repo.branch(method!, { 'pay/store.py': edit(store, body!, `${body} + 9`) }), { roots: ['*.approve'] });
      assertNotFlagged(changed);
    }
  });

  it('the same call on a receiver of unknown type still reaches every method of that name (recall first)', async () => {
    const changed = await repo.gate(repo.branch('unknown', { 'pay/store.py': edit(store, 'row + 1', 'row + 10') }), { roots: ['*.settle'] });
    assertPath(changed, ['pay.main.settle', 'pay.store.Ledger.update']);
  });
});

describe('a Python binding assigned in several places', () => {
  const mod = [
    'HOOKS = []',
    '',
    '',
    'def limit(a):',
    '    return a < 100',
    '',
    '',
    'def audit(a):',
    '    return a * 8',
    '',
    '',
    'def approve(a):',
    '    return all(h(a) for h in HOOKS)',
    '',
    '',
    'HOOKS += [limit]',
    '',
  ].join('\n');
  let repo: FixtureRepo;
  let cacheDir: string;
  before(() => {
    repo = new FixtureRepo({ 'pay/__init__.py': '', 'pay/hooks.py': mod });
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-spans-cache-'));
  });
  after(() => {
    repo.remove();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('changes with its assignments, not with the functions between them', async () => {
    const between = repo.branch('between', { 'pay/hooks.py': edit(mod, 'a * 8', 'a * 9') });
    assertNotFlagged(await repo.gate(between, { roots: ['*.approve'] }));
    const again = repo.branch('again', { 'pay/hooks.py': edit(mod, 'HOOKS += [limit]', 'HOOKS += [limit, audit]') });
    const flagged = await repo.gate(again, { roots: ['*.approve'] });
    assert.ok(
      flagged.changedFunctions.some((c) => c.id === 'pay.hooks.approve' && c.binding === 'pay.hooks.HOOKS'),
      JSON.stringify(flagged.changedFunctions),
    );
    assert.equal(flagged.flagged, true);
  });

  it('keeps its assignments apart in a stored graph: a warm run decides as a cold one', async () => {
    const between = repo.branch('between-warm', { 'pay/hooks.py': edit(mod, 'a * 8', 'a * 7') });
    const run = () => evaluateGate({ repoDir: repo.dir, base: 'main', head: between, config: { roots: ['*.approve'] }, cacheDir });
    const cold = await run();
    const warm = await run();
    assertNotFlagged(cold);
    assert.deepEqual(warm, cold);
  });
});
