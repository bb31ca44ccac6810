import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNotFlagged, assertPath, assertReason, callGraphOf, edgeList, edit, FixtureRepo, graphOf } from './fixture.js';

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

describe('gate on a Go repository: methods the standard library calls through an interface', () => {
  const ledger = [
    'package ledger',
    '',
    'import (',
    '\t"container/heap"',
    '\t"encoding/json"',
    '\t"errors"',
    '\t"fmt"',
    '\t"log"',
    '\t"net/http"',
    '\t"os"',
    '\t"sort"',
    ')',
    '',
    'type LedgerError struct {',
    '\tCode int',
    '\terr  error',
    '}',
    '',
    'func (e *LedgerError) Error() string { return "ledger error" }',
    '',
    'func (e *LedgerError) Unwrap() error { return e.err }',
    '',
    'type Money struct{ Cents int }',
    '',
    'func (m Money) String() string { return "money" }',
    '',
    'func (m Money) MarshalJSON() ([]byte, error) { return []byte("1"), nil }',
    '',
    'func (m *Money) UnmarshalJSON(b []byte) error { return nil }',
    '',
    '// a String method nothing formats',
    'type Label struct{}',
    '',
    'func (l Label) String() string { return "label" }',
    '',
    'type Entries []Money',
    '',
    'func (s Entries) Len() int           { return len(s) }',
    'func (s Entries) Less(i, j int) bool { return s[i].Cents < s[j].Cents }',
    'func (s Entries) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }',
    '',
    'type Queue []int',
    '',
    'func (q Queue) Len() int           { return len(q) }',
    'func (q Queue) Less(i, j int) bool { return q[i] < q[j] }',
    'func (q Queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }',
    'func (q *Queue) Push(x any)        { *q = append(*q, x.(int)) }',
    'func (q *Queue) Pop() any          { old := *q; *q = old[:len(old)-1]; return old[len(old)-1] }',
    '',
    'type Api struct{}',
    '',
    'func (a *Api) ServeHTTP(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }',
    '',
    'func health(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }',
    '',
    'func Settle(amount Money) error {',
    '\terr := &LedgerError{Code: 1}',
    '\treturn fmt.Errorf("settle %v: %w", amount, err)',
    '}',
    '',
    'func Describe(err error) string { return fmt.Sprintf("%v", err) }',
    '',
    'func IsLedger(err error) bool {',
    '\tvar le *LedgerError',
    '\treturn errors.As(err, &le)',
    '}',
    '',
    'func Order(xs []Money) { sort.Sort(Entries(xs)) }',
    '',
    'func Drain(q *Queue) any { heap.Init(q); return heap.Pop(q) }',
    '',
    'func Encode(m Money) ([]byte, error) { return json.Marshal(m) }',
    '',
    'func Decode(b []byte) (Money, error) {',
    '\tvar m Money',
    '\terr := json.Unmarshal(b, &m)',
    '\treturn m, err',
    '}',
    '',
    'func Stream(m Money) error { return json.NewEncoder(os.Stdout).Encode(m) }',
    '',
    'func Serve() error {',
    '\tmux := http.NewServeMux()',
    '\tmux.Handle("/", &Api{})',
    '\tmux.HandleFunc("/health", health)',
    '\treturn http.ListenAndServe(":8080", mux)',
    '}',
    '',
    'func Audit(m Money) {',
    '\tlogger := log.New(os.Stderr, "", 0)',
    '\tlogger.Printf("%v", m)',
    '}',
    '',
    'func Untyped(v any) string { return fmt.Sprint(v) }',
    '',
    '// a logger, not an error: its Error takes a message',
    'type Journal struct{}',
    '',
    'func (j Journal) Error(msg string) {}',
    '',
    'func Explain(err error) string { return err.Error() }',
    '',
    'func Route(h http.Handler, w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }',
    '',
    'type Admin struct{}',
    '',
    'func (a Admin) ServeHTTP(w http.ResponseWriter, r *http.Request) {}',
    '',
    'func Listen() error {',
    '\tsrv := &http.Server{Addr: ":8443", Handler: Admin{}}',
    '\treturn srv.ListenAndServe()',
    '}',
    '',
    'func Reconfigure(srv *http.Server, a *Admin) { srv.Handler = a }',
    '',
  ].join('\n');
  const files = { 'go.mod': 'module example.com/ledger\n\ngo 1.21\n', 'ledger/ledger.go': ledger };
  const calls = (g: Record<string, string[]>, from: string): string[] => (g[`ledger.ledger.${from}`] ?? []).filter((t) => t.startsWith('ledger.')).sort();
  const m = (...names: string[]): string[] => names.map((n) => `ledger.ledger.${n}`).sort();
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it("fmt.Errorf reaches the Error and String methods of its arguments' types, by type", async () => {
    const r = await repo.gate(repo.branch('fmt-error', { 'ledger/ledger.go': edit(ledger, '"ledger error"', '"ledger: error"') }), { roots: ['*.Settle'] });
    assertPath(r, ['ledger.ledger.Settle', 'ledger.ledger.LedgerError.Error'], 'head');
    assert.ok(
      r.paths.every((p) => p.nameOnlyEdges === 0),
      'the edge is typed',
    );
    const s = await repo.gate(repo.branch('fmt-string', { 'ledger/ledger.go': edit(ledger, 'return "money"', 'return "cents"') }), { roots: ['*.Settle'] });
    assertPath(s, ['ledger.ledger.Settle', 'ledger.ledger.Money.String'], 'head');
    assertNotFlagged(
      await repo.gate(repo.branch('fmt-label', { 'ledger/ledger.go': edit(ledger, 'return "label"', 'return "tag"') }), { roots: ['*.Settle'] }),
    );
  });

  it('an error-typed argument reaches the Error methods of the repository types that implement error; an any-typed one reaches nothing', async () => {
    const g = await graphOf(files);
    assert.deepEqual(calls(g, 'Describe'), m('LedgerError.Error'));
    assert.deepEqual(calls(g, 'Untyped'), []);
  });

  it('a method call on a value of a library interface (error, http.Handler) reaches the repository types implementing it', async () => {
    const g = await graphOf(files);
    assert.deepEqual(calls(g, 'Explain'), m('LedgerError.Error'));
    assert.deepEqual(calls(g, 'Route'), m('Admin.ServeHTTP', 'Api.ServeHTTP'));
  });

  it('errors.As reaches the Unwrap of the error chain; the printing methods of log.Logger reach String', async () => {
    const g = await graphOf(files);
    assert.deepEqual(calls(g, 'IsLedger'), m('LedgerError.Unwrap'));
    assert.deepEqual(calls(g, 'Audit'), m('Money.String'));
  });

  it('sort.Sort and heap.Init/Pop reach the sort and heap methods of their argument they call', async () => {
    const g = await graphOf(files);
    assert.deepEqual(calls(g, 'Order'), m('Entries.Len', 'Entries.Less', 'Entries.Swap'));
    assert.deepEqual(calls(g, 'Drain'), m('Queue.Len', 'Queue.Less', 'Queue.Swap', 'Queue.Pop'));
  });

  it('encoding/json reaches MarshalJSON of what it encodes and UnmarshalJSON of what it decodes into', async () => {
    const g = await graphOf(files);
    assert.deepEqual(calls(g, 'Encode'), m('Money.MarshalJSON'));
    assert.deepEqual(calls(g, 'Stream'), m('Money.MarshalJSON'));
    assert.deepEqual(calls(g, 'Decode'), m('Money.UnmarshalJSON'));
  });

  it('a handler given to a ServeMux or ListenAndServe reaches its ServeHTTP; a HandleFunc handler is an edge', async () => {
    const g = await graphOf(files);
    assert.deepEqual(calls(g, 'Serve'), m('Api.ServeHTTP', 'health'));
  });

  it('a handler stored into an http.Server (literal or assignment) is reached from where it is stored', async () => {
    const g = await graphOf(files);
    assert.deepEqual(calls(g, 'Listen'), m('Admin.ServeHTTP'));
    assert.deepEqual(calls(g, 'Reconfigure'), m('Admin.ServeHTTP'));
  });
});

describe('gate on a Go repository: package-level variables computed by calls', () => {
  const fees = [
    'package fees',
    '',
    'import "example.com/bank/rates"',
    '',
    'type Table struct{ base int }',
    '',
    'func (t Table) Lookup(k string) int { return t.base + len(k) }',
    '',
    'type Ledger struct{}',
    '',
    'func (l Ledger) Sum() int { return 1 }',
    '',
    'var feeTable = buildTable()',
    '',
    'var (',
    '\tminFee  = 5',
    '\tbaseFee = rates.Base()',
    '\tfeeCap  = baseFee * 3',
    '\tfloor   = minFee * 2',
    ')',
    '',
    'var pay = settle',
    '',
    'var settled, spare = apply(settle, 2), 0',
    '',
    'var digest = pick([]Ledger{{}}).Sum()',
    '',
    'var rounded = func() int { return scale(3) }()',
    '',
    'func buildTable() Table { return Table{base: scale(2)} }',
    '',
    'func scale(x int) int { return x * 10 }',
    '',
    'func settle(x int) int { return x + 1 }',
    '',
    'func apply(f func(int) int, x int) int { return x }',
    '',
    'func pick[T any](xs []T) T { return xs[0] }',
    '',
    'func Charge(k string) int { return feeTable.Lookup(k) }',
    '',
    'func Cap() int { return feeCap }',
    '',
    'func Floor() int { return floor }',
    '',
    'func Settled() int { return settled }',
    '',
    'func Digest() int { return digest }',
    '',
    'func Rounded() int { return rounded }',
    '',
  ].join('\n');
  const rates = ['package rates', '', 'func Base() int { return 7 }', ''].join('\n');
  const init = [
    'package fees',
    '',
    'var handlers = map[string]int{}',
    '',
    'func init() {',
    '\thandlers["std"] = register(4)',
    '}',
    '',
    'func register(x int) int { return x * 3 }',
    '',
    'func Handler(k string) int { return handlers[k] }',
    '',
  ].join('\n');
  const files = { 'go.mod': 'module example.com/bank\n\ngo 1.21\n', 'fees/fees.go': fees, 'fees/init.go': init, 'rates/rates.go': rates };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('a variable built by a call changes with the function it calls and what that calls, and so do its readers', async () => {
    const built = await repo.gate(repo.branch('build-table', { 'fees/fees.go': edit(fees, 'Table{base: scale(2)}', 'Table{base: scale(3)}') }), {
      roots: ['*.Charge'],
    });
    assertReason(built, 'fees.fees.Charge (changed: reads fees.fees.feeTable)');
    const scaled = await repo.gate(repo.branch('scale', { 'fees/fees.go': edit(fees, 'x * 10', 'x * 100') }), { roots: ['*.Charge'] });
    assertReason(scaled, 'fees.fees.Charge (changed: reads fees.fees.feeTable)');
  });

  it('a variable reading a variable changes with it, also when that one is computed by a call in another package', async () => {
    const base = await repo.gate(repo.branch('rates-base', { 'rates/rates.go': edit(rates, 'return 7', 'return 8') }), { roots: ['*.Cap'] });
    assertReason(base, 'fees.fees.Cap (changed: reads fees.fees.feeCap)');
    const min = await repo.gate(repo.branch('min-fee', { 'fees/fees.go': edit(fees, 'minFee  = 5', 'minFee  = 6') }), { roots: ['*.Floor'] });
    assertReason(min, 'fees.fees.Floor (changed: reads fees.fees.floor)');
  });

  it("a closure called in the initializer is the initializer's; a function passed as an argument is called, one only held is not", async () => {
    const closure = await repo.gate(repo.branch('closure', { 'fees/fees.go': edit(fees, 'x * 10', 'x * 20') }), { roots: ['*.Rounded'] });
    assertReason(closure, 'fees.fees.Rounded (changed: reads fees.fees.rounded)');
    const passed = await repo.gate(repo.branch('settle', { 'fees/fees.go': edit(fees, 'x + 1', 'x + 2') }), { roots: ['*.Settled'] });
    assertReason(passed, 'fees.fees.Settled (changed: reads fees.fees.settled)');
    const edges = edgeList(await callGraphOf(files));
    assert.ok(edges.includes('fees.fees.settled > fees.fees.settle'), edges.join('\n'));
    assert.ok(!edges.some((e) => e.startsWith('fees.fees.pay ') || e.startsWith('fees.fees.spare ')), edges.join('\n'));
    // the package-level code still references and calls all of it
    assert.ok(edges.includes('fees.fees > fees.fees.settle') && edges.includes('fees.fees > fees.fees.buildTable'), edges.join('\n'));
  });

  it('a variable an init function fills changes with init and what it calls', async () => {
    const r = await repo.gate(repo.branch('register', { 'fees/init.go': edit(init, 'x * 3', 'x * 4') }), { roots: ['*.Handler'] });
    assertReason(r, 'fees.init.Handler (changed: reads fees.init.handlers)');
    const edges = edgeList(await callGraphOf(files));
    assert.ok(edges.includes('fees.init.handlers > fees.init.init'), edges.join('\n'));
  });

  it('a call resolved by name only in the initializer is not followed; a typed one is', async () => {
    const typed = await repo.gate(repo.branch('pick', { 'fees/fees.go': edit(fees, 'return xs[0]', 'return xs[len(xs)-1]') }), { roots: ['*.Digest'] });
    assertReason(typed, 'fees.fees.Digest (changed: reads fees.fees.digest)');
    const g = await callGraphOf(files);
    assert.ok(g.nameOnly.get('fees.fees.digest')?.has('fees.fees.Ledger.Sum'), 'the call on an untyped receiver is recorded by name');
    assertNotFlagged(await repo.gate(repo.branch('sum', { 'fees/fees.go': edit(fees, 'return 1 }', 'return 2 }') }), { roots: ['*.Digest'] }));
  });
});

describe('gate on a Go repository: functions held by variables and fields', () => {
  const registry = [
    'package pay',
    '',
    'type Fee func(amount int) int',
    '',
    'var registry = map[string]Fee{}',
    '',
    'var handlers = map[string]Fee{',
    '\t"cash": chargeCash,',
    '\t"wire": func(a int) int { return wireFee(a) },',
    '}',
    '',
    'var chain = []Fee{}',
    '',
    'var gifts = map[string]Fee{"gift": giftFee}',
    '',
    'func Register(kind string, f Fee) { registry[kind] = f }',
    '',
    'func RegisterAll(kind string, f Fee) { Register(kind, f) }',
    '',
    'func Use(f Fee) { chain = append(chain, f) }',
    '',
    'type Book struct{ byKind map[string]Fee }',
    '',
    'func NewBook() *Book { return &Book{byKind: map[string]Fee{"loan": loanFee}} }',
    '',
    'func (b *Book) Add(kind string, f Fee) { b.byKind[kind] = f }',
    '',
    'func (b *Book) Charge(kind string, a int) int { return b.byKind[kind](a) }',
    '',
    'func ProcessPayment(kind string, a int) int {',
    '\tif h, ok := handlers[kind]; ok {',
    '\t\treturn h(a)',
    '\t}',
    '\treturn registry[kind](a)',
    '}',
    '',
    'func Chain(a int) int {',
    '\tfor _, f := range chain {',
    '\t\ta = f(a)',
    '\t}',
    '\treturn a',
    '}',
    '',
    'func Kinds() int { return len(registry) + len(gifts) }',
    '',
    'func Gift(a int) int { return gifts["gift"](a) }',
    '',
  ].join('\n');
  const fees = [
    'package pay',
    '',
    'func chargeCash(a int) int { return a + 1 }',
    '',
    'func wireFee(a int) int { return a + 2 }',
    '',
    'func giftFee(a int) int { return a + 3 }',
    '',
    'func loanFee(a int) int { return a + 4 }',
    '',
  ].join('\n');
  const cards = [
    'package cards',
    '',
    'import "example.com/bank/pay"',
    '',
    'func cardFee(a int) int { return a * 2 }',
    '',
    'func bankFee(a int) int { return a * 3 }',
    '',
    'func auditFee(a int) int { return a * 4 }',
    '',
    'func roundTo(a int) int { return a * 5 }',
    '',
    'func init() { pay.Register("card", cardFee) }',
    '',
    'func Setup(b *pay.Book) {',
    '\tpay.RegisterAll("bank", bankFee)',
    '\tb.Add("audit", auditFee)',
    '\tpay.Use(roundTo)',
    '}',
    '',
  ].join('\n');
  const files = { 'go.mod': 'module example.com/bank\n\ngo 1.21\n', 'pay/registry.go': registry, 'pay/fees.go': fees, 'cards/cards.go': cards };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('a call through a package map reaches the functions registered into it from another package, also through a function passing its parameter on', async () => {
    const card = await repo.gate(repo.branch('card', { 'cards/cards.go': edit(cards, 'a * 2', 'a * 20') }), { roots: ['*.ProcessPayment'] });
    assertPath(card, ['pay.registry.ProcessPayment', 'cards.cards.cardFee']);
    const bank = await repo.gate(repo.branch('bank', { 'cards/cards.go': edit(cards, 'a * 3', 'a * 30') }), { roots: ['*.ProcessPayment'] });
    assertPath(bank, ['pay.registry.ProcessPayment', 'cards.cards.bankFee']);
  });

  it('a map literal holds its elements, a function literal there what it calls; `h, ok := m[k]` is the element', async () => {
    const cash = await repo.gate(repo.branch('cash', { 'pay/fees.go': edit(fees, 'a + 1', 'a + 10') }), { roots: ['*.ProcessPayment'] });
    assertPath(cash, ['pay.registry.ProcessPayment', 'pay.fees.chargeCash']);
    const wire = await repo.gate(repo.branch('wire', { 'pay/fees.go': edit(fees, 'a + 2', 'a + 20') }), { roots: ['*.ProcessPayment'] });
    assertPath(wire, ['pay.registry.ProcessPayment', 'pay.fees.wireFee']);
  });

  it('a map field reaches what its literal and a method filling it hold; a slice what append adds', async () => {
    const loan = await repo.gate(repo.branch('loan', { 'pay/fees.go': edit(fees, 'a + 4', 'a + 40') }), { roots: ['*.Book.Charge'] });
    assertPath(loan, ['pay.registry.Book.Charge', 'pay.fees.loanFee']);
    const audit = await repo.gate(repo.branch('audit', { 'cards/cards.go': edit(cards, 'a * 4', 'a * 40') }), { roots: ['*.Book.Charge'] });
    assertPath(audit, ['pay.registry.Book.Charge', 'cards.cards.auditFee']);
    const round = await repo.gate(repo.branch('round', { 'cards/cards.go': edit(cards, 'a * 5', 'a * 50') }), { roots: ['*.Chain'] });
    assertPath(round, ['pay.registry.Chain', 'cards.cards.roundTo']);
  });

  it('registering another function flags the callers through the map; another map and naming a map without calling it reach nothing', async () => {
    const swapped = await repo.gate(repo.branch('swap', { 'cards/cards.go': edit(cards, 'pay.Register("card", cardFee)', 'pay.Register("card", bankFee)') }), {
      roots: ['*.ProcessPayment'],
    });
    assertReason(swapped, 'pay.registry.ProcessPayment (changed: reads pay.registry.registry)');
    assertNotFlagged(await repo.gate(repo.branch('gift', { 'pay/fees.go': edit(fees, 'a + 3', 'a + 30') }), { roots: ['*.ProcessPayment', '*.Kinds'] }));
    const edges = edgeList(await callGraphOf(files));
    assert.ok(edges.includes('pay.registry.Gift > pay.fees.giftFee'), edges.join('\n'));
    assert.ok(!edges.some((e) => /^pay\.registry\.Kinds > (pay|cards)\./.test(e)), edges.join('\n'));
    assert.ok(edges.includes('pay.registry.registry > cards.cards.init') && edges.includes('pay.registry.registry > cards.cards.Setup'), edges.join('\n'));
  });

  it("functions assigned into another package's variables, as a whole or as elements, are reached through them", async () => {
    const edges = edgeList(
      await callGraphOf({
        'go.mod': 'module example.com/bank\n\ngo 1.21\n',
        'pay/pay.go': [
          'package pay',
          '',
          'type Fee func(int) int',
          '',
          'var Default Fee',
          '',
          'var Handlers = map[string]Fee{}',
          '',
          'func Charge(k string, a int) int { return Handlers[k](a) + Default(a) }',
          '',
        ].join('\n'),
        'cards/cards.go': [
          'package cards',
          '',
          'import "example.com/bank/pay"',
          '',
          'func cardFee(a int) int { return a * 2 }',
          '',
          'func flat(a int) int { return a }',
          '',
          'func init() {',
          '\tpay.Handlers["card"] = cardFee',
          '\tpay.Default = flat',
          '}',
          '',
        ].join('\n'),
      }),
    );
    assert.ok(edges.includes('pay.pay.Charge > cards.cards.cardFee') && edges.includes('pay.pay.Charge > cards.cards.flat'), edges.join('\n'));
  });
});

describe('gate on a Go repository: tables returned, passed, stored through a pointer, and positional struct fields', () => {
  const tables = [
    'package pay',
    '',
    'type Fee func(amount int) int',
    '',
    'type Book struct{ fee Fee }',
    '',
    'type Item struct{ n int }',
    '',
    'var handlers = map[string]Fee{}',
    '',
    'func handlerTable() map[string]Fee { return map[string]Fee{"card": chargeCard} }',
    '',
    'func builtTable() map[string]Fee {',
    '\tm := map[string]Fee{}',
    '\tm["wire"] = chargeWire',
    '\treturn m',
    '}',
    '',
    'func chainOf() []Fee {',
    '\tvar fs []Fee',
    '\tfs = append(fs, chargeCash)',
    '\treturn fs',
    '}',
    '',
    'func otherTable() map[string]Fee { return map[string]Fee{"gift": giftFee} }',
    '',
    'func NewBook() *Book { return &Book{bookFee} }',
    '',
    'func (b *Book) Charge(a int) int { return b.fee(a) }',
    '',
    'func Register() {',
    '\tp := &handlers',
    '\t(*p)["pointed"] = pointedFee',
    '}',
    '',
    'func Handle(k string, a int) int { return handlers[k](a) }',
    '',
    'func Direct(k string, a int) int { return handlerTable()[k](a) }',
    '',
    'func ViaLocal(k string, a int) int {',
    '\th := builtTable()',
    '\treturn h[k](a)',
    '}',
    '',
    'func Process(hs map[string]Fee, k string, a int) int { return hs[k](a) }',
    '',
    'func RunAll(fs []Fee, a int) int {',
    '\tfor _, f := range fs {',
    '\t\ta = f(a)',
    '\t}',
    '\treturn a',
    '}',
    '',
    'func Count(xs []Item) int { return len(xs) }',
    '',
    'func Other(k string, a int) int { return otherTable()[k](a) }',
    '',
  ].join('\n');
  const setup = [
    'package pay',
    '',
    'func Setup() int {',
    '\treturn Process(handlerTable(), "card", 1) + Process(map[string]Fee{"loan": loanFee}, "loan", 2) + RunAll(chainOf(), 3) + Count([]Item{{n: 4}})',
    '}',
    '',
  ].join('\n');
  const fees = [
    'package pay',
    '',
    'func chargeCard(a int) int { return a * 2 }',
    '',
    'func chargeWire(a int) int { return a * 3 }',
    '',
    'func chargeCash(a int) int { return a * 4 }',
    '',
    'func giftFee(a int) int { return a * 5 }',
    '',
    'func bookFee(a int) int { return a * 6 }',
    '',
    'func pointedFee(a int) int { return a * 7 }',
    '',
    'func loanFee(a int) int { return a * 8 }',
    '',
  ].join('\n');
  const files = { 'go.mod': 'module example.com/bank\n\ngo 1.21\n', 'pay/tables.go': tables, 'pay/setup.go': setup, 'pay/fees.go': fees };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());
  const change = (name: string, from: string, to: string, roots: string[]): ReturnType<FixtureRepo['gate']> =>
    repo.gate(repo.branch(name, { 'pay/fees.go': edit(fees, from, to) }), { roots });

  it('a map or slice built in one function and returned is held by its result: `table()[k](x)`, `h := table(); h[k](x)`', async () => {
    assertPath(await change('card', 'a * 2', 'a * 20', ['*.Direct']), ['pay.tables.Direct', 'pay.fees.chargeCard']);
    assertPath(await change('wire', 'a * 3', 'a * 30', ['*.ViaLocal']), ['pay.tables.ViaLocal', 'pay.fees.chargeWire']);
  });

  it('a parameter holds what its callers pass there: a returned table, a literal, a slice for a range loop', async () => {
    assertPath(await change('card-passed', 'a * 2', 'a * 20', ['*.Process']), ['pay.tables.Process', 'pay.fees.chargeCard']);
    assertPath(await change('loan', 'a * 8', 'a * 80', ['*.Process']), ['pay.tables.Process', 'pay.fees.loanFee']);
    assertPath(await change('cash', 'a * 4', 'a * 40', ['*.RunAll']), ['pay.tables.RunAll', 'pay.fees.chargeCash']);
  });

  it('a store through a pointer to a package variable fills the variable; a struct literal fills its fields by position', async () => {
    assertPath(await change('pointed', 'a * 7', 'a * 70', ['*.Handle']), ['pay.tables.Handle', 'pay.fees.pointedFee']);
    assertPath(await change('book', 'a * 6', 'a * 60', ['*.Book.Charge']), ['pay.tables.Book.Charge', 'pay.fees.bookFee']);
  });

  it("another function's table, and a data slice passed to a parameter, reach nothing of them", async () => {
    assertNotFlagged(await change('gift', 'a * 5', 'a * 50', ['*.Direct', '*.ViaLocal', '*.Process', '*.RunAll', '*.Handle', '*.Book.Charge', '*.Count']));
    const edges = edgeList(await callGraphOf(files));
    assert.ok(edges.includes('pay.tables.Other > pay.fees.giftFee'), edges.join('\n'));
    const from = (f: string): string[] => edges.filter((e) => e.startsWith(`pay.tables.${f} > pay.fees.`));
    assert.deepEqual(from('Direct'), ['pay.tables.Direct > pay.fees.chargeCard']);
    assert.deepEqual(from('Process'), ['pay.tables.Process > pay.fees.chargeCard', 'pay.tables.Process > pay.fees.loanFee']);
    assert.deepEqual(from('RunAll'), ['pay.tables.RunAll > pay.fees.chargeCash']);
    assert.deepEqual(from('Count'), []);
  });
});
