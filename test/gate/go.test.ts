import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNotFlagged, assertPath, edit, FixtureRepo } from './fixture.js';

const roots = ['*.ApproveLoan', '*.ProcessPayment', '*.CalculateInterest'];

const files: Record<string, string> = {
  'go.mod': 'module example.com/bank\n\ngo 1.21\n',
  'rounding/rounding.go': [
    'package rounding',
    '',
    'import "fmt"',
    '',
    'const Scale = 100',
    '',
    'func RoundHalfEven(x int) int {',
    '\treturn x * Scale / Scale',
    '}',
    '',
    'func UnrelatedFormat(x int) string {',
    '\treturn fmt.Sprint(x)',
    '}',
    '',
  ].join('\n'),
  'scoring/scoring.go': [
    'package scoring',
    '',
    'import r "example.com/bank/rounding"',
    '',
    'type Scorer interface {',
    '\tScore(a int) int',
    '}',
    '',
    'type RiskScorer struct{}',
    '',
    'func (s *RiskScorer) Score(a int) int {',
    '\treturn Weigh(a)',
    '}',
    '',
    'func Weigh(a int) int {',
    '\treturn r.RoundHalfEven(a) * 2',
    '}',
    '',
  ].join('\n'),
  'loans/loans.go': [
    'package loans',
    '',
    'import "example.com/bank/scoring"',
    '',
    'func ApproveLoan(s scoring.Scorer, a int) bool {',
    '\treturn s.Score(a) > 1',
    '}',
    '',
    'func Fee(a int) int {',
    '\treturn a / 100',
    '}',
    '',
    'func applyAll(xs []int, fn func(int) int) []int {',
    '\tout := []int{}',
    '\tfor _, x := range xs {',
    '\t\tout = append(out, fn(x))',
    '\t}',
    '\treturn out',
    '}',
    '',
    'func ProcessPayment(a int) []int {',
    '\treturn applyAll([]int{a}, Fee)',
    '}',
    '',
  ].join('\n'),
  'legacy/legacy.go': [
    'package legacy',
    '',
    'func oldHelper(x int) int {',
    '\treturn x + 1',
    '}',
    '',
    'func CalculateInterest(x int) int {',
    '\treturn oldHelper(x)',
    '}',
    '',
  ].join('\n'),
  'report/report.go': ['package report', '', 'import "strconv"', '', 'func Render(x int) string {', '\treturn strconv.Itoa(x)', '}', ''].join('\n'),
};

describe('gate on a Go repository', () => {
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('direct call inside a package', async () => {
    const r = await repo.gate(repo.branch('direct', { 'legacy/legacy.go': edit(files['legacy/legacy.go']!, 'x + 1', 'x + 2') }), { roots });
    assertPath(r, ['legacy.legacy.CalculateInterest', 'legacy.legacy.oldHelper'], 'head');
  });

  it('3+ hops through an interface method and an aliased package import', async () => {
    const r = await repo.gate(
      repo.branch('hops', { 'rounding/rounding.go': edit(files['rounding/rounding.go']!, 'x * Scale / Scale', 'x * Scale / Scale + 0') }),
      { roots },
    );
    assertPath(r, ['loans.loans.ApproveLoan', 'scoring.scoring.RiskScorer.Score', 'scoring.scoring.Weigh', 'rounding.rounding.RoundHalfEven'], 'head');
  });

  it('through a function value passed as a callback', async () => {
    const r = await repo.gate(repo.branch('callback', { 'loans/loans.go': edit(files['loans/loans.go']!, 'a / 100', 'a / 50') }), { roots });
    assertPath(r, ['loans.loans.ProcessPayment', 'loans.loans.Fee'], 'head');
  });

  it('through a package-level constant', async () => {
    const r = await repo.gate(repo.branch('constant', { 'rounding/rounding.go': edit(files['rounding/rounding.go']!, 'Scale = 100', 'Scale = 1000') }), {
      roots,
    });
    const changed = r.changedFunctions.find((c) => c.id === 'rounding.rounding.RoundHalfEven' && c.revision === 'head');
    assert.equal(changed?.via, 'binding');
    assertPath(r, ['loans.loans.ApproveLoan', 'scoring.scoring.RiskScorer.Score', 'scoring.scoring.Weigh', 'rounding.rounding.RoundHalfEven'], 'head');
  });

  it('a deleted function is found in the base revision', async () => {
    const legacy = ['package legacy', '', 'func CalculateInterest(x int) int {', '\treturn x + 1', '}', ''].join('\n');
    const r = await repo.gate(repo.branch('deleted', { 'legacy/legacy.go': legacy }), { roots });
    assertPath(r, ['legacy.legacy.CalculateInterest', 'legacy.legacy.oldHelper'], 'base');
  });

  it('a renamed file with regulated code is flagged; a renamed unrelated file is not', async () => {
    const moved = await repo.gate(repo.branch('rename-regulated', {}, [['legacy/legacy.go', 'legacy/interest.go']]), { roots });
    assert.ok(moved.flagged && moved.paths.some((p) => p.root === 'legacy.interest.CalculateInterest' && p.revision === 'head'));
    assertNotFlagged(await repo.gate(repo.branch('rename-unrelated', {}, [['report/report.go', 'report/render.go']]), { roots }));
  });

  it('unrelated changes are not flagged', async () => {
    const r = await repo.gate(
      repo.branch('unrelated', {
        'report/report.go': edit(files['report/report.go']!, 'strconv.Itoa(x)', 'strconv.Itoa(x + 0)'),
        'rounding/rounding.go': edit(files['rounding/rounding.go']!, 'fmt.Sprint(x)', 'fmt.Sprintf("%d", x)'),
      }),
      { roots },
    );
    assertNotFlagged(r);
    assert.deepEqual(
      r.changedFunctions
        .filter((c) => c.revision === 'head')
        .map((c) => c.id)
        .sort(),
      ['report.report.Render', 'rounding.rounding.UnrelatedFormat'],
    );
  });

  it('a changed file that does not parse is flagged', async () => {
    const r = await repo.gate(repo.branch('broken', { 'report/report.go': 'package report\nfunc Render(x int string {\n' }), { roots });
    assert.ok(r.flagged && r.reasons.some((x) => x.kind === 'unparsable' && x.message.includes('report/report.go')));
  });
});

describe('gate on a Go repository: receivers resolved by type', () => {
  const typedRoots = ['*.QuoteFee', '*.ApplyRounding'];
  const pricing = [
    'package pricing',
    '',
    'type Rates interface {',
    '\tRate(amount int) int',
    '\tCurrency() string',
    '}',
    '',
    'type Fixed struct{}',
    '',
    'func (f Fixed) Rate(amount int) int { return amount / 10 }',
    '',
    'func (f Fixed) Currency() string { return "EUR" }',
    '',
    'type Tiered struct{ base Fixed }',
    '',
    'func (t *Tiered) Rate(amount int) int { return t.base.Rate(amount) * 2 }',
    '',
    'func (t *Tiered) Currency() string { return t.base.Currency() }',
    '',
    '// has Rate but not Currency: not a Rates',
    'type Promo struct{}',
    '',
    'func (p Promo) Rate(amount int) int { return 0 }',
    '',
    'type Quoter struct{ rates Rates }',
    '',
    'func (q *Quoter) QuoteFee(amount int) int { return q.rates.Rate(amount) }',
    '',
    'type Adder struct{ n int }',
    '',
    'func (a Adder) Clamp(x int) int { return x + a.n }',
    '',
    '// same method name, never passed anywhere',
    'type Limiter struct{}',
    '',
    'func (l Limiter) Clamp(x int) int { return x }',
    '',
    'func ApplyRounding(d int, f func(int) int) int { return f(d) }',
    '',
    'func Settle(d int) int {',
    '\ta := Adder{n: 1}',
    '\treturn ApplyRounding(d, a.Clamp)',
    '}',
    '',
  ].join('\n');
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo({ 'go.mod': 'module example.com/pay\n\ngo 1.21\n', 'pricing/pricing.go': pricing });
  });
  after(() => repo.remove());

  it('a call on an interface-typed field reaches the implementations, not a same-named method of another type', async () => {
    const fixed = await repo.gate(repo.branch('impl', { 'pricing/pricing.go': edit(pricing, 'amount / 10', 'amount / 20') }), { roots: typedRoots });
    assertPath(fixed, ['pricing.pricing.Quoter.QuoteFee', 'pricing.pricing.Fixed.Rate'], 'head');
    const tiered = await repo.gate(repo.branch('impl-tiered', { 'pricing/pricing.go': edit(pricing, 'Rate(amount) * 2', 'Rate(amount) * 3') }), {
      roots: typedRoots,
    });
    assertPath(tiered, ['pricing.pricing.Quoter.QuoteFee', 'pricing.pricing.Tiered.Rate'], 'head');
    assertNotFlagged(await repo.gate(repo.branch('not-impl', { 'pricing/pricing.go': edit(pricing, 'return 0 }', 'return 1 }') }), { roots: typedRoots }));
  });

  it('a method value passed as a function is called by the function that invokes its parameter', async () => {
    const r = await repo.gate(repo.branch('method-value', { 'pricing/pricing.go': edit(pricing, 'x + a.n', 'x + a.n + 1') }), { roots: typedRoots });
    assertPath(r, ['pricing.pricing.ApplyRounding', 'pricing.pricing.Adder.Clamp'], 'head');
    assert.ok(
      r.paths.every((p) => p.nameOnlyEdges === 0),
      'the edges are typed, not name-only',
    );
    assertNotFlagged(
      await repo.gate(repo.branch('other-clamp', { 'pricing/pricing.go': edit(pricing, 'return x }', 'return x + 0 }') }), { roots: typedRoots }),
    );
  });
});
