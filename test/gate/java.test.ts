import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildCallGraph, GraphCaches } from '../../src/gate/graph.js';
import { readDirectorySources } from '../../src/gate/sources.js';
import { assertNotFlagged, assertPath, assertReason, callGraphOf, edgeList, edit, FixtureRepo, pathTexts } from './fixture.js';

const roots = ['*.approveLoan', '*.processPayment', '*.calculateInterest'];
const P = 'src.bank';

const files: Record<string, string> = {
  'src/bank/rounding/Rounding.java': [
    'package bank.rounding;',
    '',
    'public final class Rounding {',
    '    public static final int SCALE = 100;',
    '',
    '    public static int roundHalfEven(int x) {',
    '        return x * SCALE / SCALE;',
    '    }',
    '',
    '    public static String unrelatedFormat(int x) {',
    '        return Integer.toString(x);',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/scoring/Scorer.java': ['package bank.scoring;', '', 'public interface Scorer {', '    int score(int a);', '}', ''].join('\n'),
  'src/bank/scoring/RiskScorer.java': [
    'package bank.scoring;',
    '',
    'import bank.rounding.Rounding;',
    '',
    'public class RiskScorer implements Scorer {',
    '    public int score(int a) {',
    '        return weigh(a);',
    '    }',
    '',
    '    static int weigh(int a) {',
    '        return Rounding.roundHalfEven(a) * 2;',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/loans/Loans.java': [
    'package bank.loans;',
    '',
    'import bank.scoring.Scorer;',
    'import java.util.stream.IntStream;',
    '',
    'public class Loans {',
    '    public boolean approveLoan(Scorer s, int a) {',
    '        return s.score(a) > 1;',
    '    }',
    '',
    '    static int fee(int a) {',
    '        return a / 100;',
    '    }',
    '',
    '    public int[] processPayment(int a) {',
    '        return IntStream.of(a).map(Loans::fee).toArray();',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/legacy/Account.java': [
    'package bank.legacy;',
    '',
    'public abstract class Account {',
    '    abstract int accrue(int x);',
    '',
    '    public int calculateInterest(int x) {',
    '        return accrue(x);',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/legacy/Savings.java': [
    'package bank.legacy;',
    '',
    'public class Savings extends Account {',
    '    int accrue(int x) {',
    '        return oldHelper(x);',
    '    }',
    '',
    '    private int oldHelper(int x) {',
    '        return x + 1;',
    '    }',
    '}',
    '',
  ].join('\n'),
  'src/bank/report/Report.java': [
    'package bank.report;',
    '',
    'public class Report {',
    '    public static String render(int x) {',
    '        return String.valueOf(x);',
    '    }',
    '}',
    '',
  ].join('\n'),
};

describe('gate on a Java repository', () => {
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('direct call and an abstract base-class method dispatched to its override', async () => {
    const r = await repo.gate(repo.branch('direct', { 'src/bank/legacy/Savings.java': edit(files['src/bank/legacy/Savings.java']!, 'x + 1', 'x + 2') }), {
      roots,
    });
    assertPath(r, [`${P}.legacy.Account.Account.calculateInterest`, `${P}.legacy.Savings.Savings.accrue`, `${P}.legacy.Savings.Savings.oldHelper`], 'head');
  });

  it('3+ hops through an interface method and an imported class', async () => {
    const r = await repo.gate(
      repo.branch('hops', { 'src/bank/rounding/Rounding.java': edit(files['src/bank/rounding/Rounding.java']!, 'x * SCALE / SCALE', 'x * SCALE / SCALE + 0') }),
      { roots },
    );
    assertPath(
      r,
      [
        `${P}.loans.Loans.Loans.approveLoan`,
        `${P}.scoring.RiskScorer.RiskScorer.score`,
        `${P}.scoring.RiskScorer.RiskScorer.weigh`,
        `${P}.rounding.Rounding.Rounding.roundHalfEven`,
      ],
      'head',
    );
  });

  it('through a method reference used as a callback', async () => {
    const r = await repo.gate(repo.branch('callback', { 'src/bank/loans/Loans.java': edit(files['src/bank/loans/Loans.java']!, 'a / 100', 'a / 50') }), {
      roots,
    });
    assertPath(r, [`${P}.loans.Loans.Loans.processPayment`, `${P}.loans.Loans.Loans.fee`], 'head');
  });

  it('through a static final constant', async () => {
    const r = await repo.gate(
      repo.branch('constant', { 'src/bank/rounding/Rounding.java': edit(files['src/bank/rounding/Rounding.java']!, 'SCALE = 100', 'SCALE = 1000') }),
      { roots },
    );
    const changed = r.changedFunctions.find((c) => c.id === `${P}.rounding.Rounding.Rounding.roundHalfEven` && c.revision === 'head');
    assert.equal(changed?.via, 'binding');
    assertPath(
      r,
      [
        `${P}.loans.Loans.Loans.approveLoan`,
        `${P}.scoring.RiskScorer.RiskScorer.score`,
        `${P}.scoring.RiskScorer.RiskScorer.weigh`,
        `${P}.rounding.Rounding.Rounding.roundHalfEven`,
      ],
      'head',
    );
  });

  it('a deleted method is found in the base revision', async () => {
    const savings = edit(
      edit(files['src/bank/legacy/Savings.java']!, 'return oldHelper(x);', 'return x + 1;'),
      '\n    private int oldHelper(int x) {\n        return x + 1;\n    }\n',
      '',
    );
    const r = await repo.gate(repo.branch('deleted', { 'src/bank/legacy/Savings.java': savings }), { roots });
    assertPath(r, [`${P}.legacy.Account.Account.calculateInterest`, `${P}.legacy.Savings.Savings.accrue`, `${P}.legacy.Savings.Savings.oldHelper`], 'base');
  });

  it('a renamed file with regulated code is flagged; a renamed unrelated file is not', async () => {
    const moved = await repo.gate(repo.branch('rename-regulated', {}, [['src/bank/legacy/Account.java', 'src/bank/accounts/Account.java']]), { roots });
    assert.ok(moved.flagged && moved.paths.some((p) => p.root === `${P}.accounts.Account.Account.calculateInterest`), JSON.stringify(moved.reasons));
    assertNotFlagged(await repo.gate(repo.branch('rename-unrelated', {}, [['src/bank/report/Report.java', 'src/bank/reports/Report.java']]), { roots }));
  });

  it('unrelated changes are not flagged', async () => {
    const r = await repo.gate(
      repo.branch('unrelated', {
        'src/bank/report/Report.java': edit(files['src/bank/report/Report.java']!, 'String.valueOf(x)', 'String.valueOf(x + 0)'),
        'src/bank/rounding/Rounding.java': edit(files['src/bank/rounding/Rounding.java']!, 'Integer.toString(x)', 'Integer.toString(x, 10)'),
      }),
      { roots },
    );
    assertNotFlagged(r);
    assert.deepEqual(
      r.changedFunctions
        .filter((c) => c.revision === 'head')
        .map((c) => c.id)
        .sort(),
      [`${P}.report.Report.Report.render`, `${P}.rounding.Rounding.Rounding.unrelatedFormat`],
    );
  });

  it('a changed file that does not parse is flagged', async () => {
    const r = await repo.gate(repo.branch('broken', { 'src/bank/report/Report.java': 'package bank.report;\npublic class Report {\n  void x( {\n}\n' }), {
      roots,
    });
    assert.ok(r.flagged && r.reasons.some((x) => x.kind === 'unparsable' && x.message.includes('Report.java')));
  });
});

/** The call graph of a few Java files written to a temporary directory. */
async function javaGraph(files: Record<string, string>): Promise<{ calls: Map<string, Set<string>>; nameOnly: Map<string, Set<string>> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gate-java-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    const g = await buildCallGraph(readDirectorySources(dir, { languages: ['java'] }), new GraphCaches(undefined));
    return { calls: g.calls, nameOnly: g.nameOnly };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const callees = (g: { calls: Map<string, Set<string>> }, from: string): string[] => [...(g.calls.get(from) ?? [])].sort();

describe('Java resolution by type', () => {
  it('calls on JDK/library receivers reach no repository method of the same name', async () => {
    const g = await javaGraph({
      'cache/KillBillCacheController.java': [
        'package cache;',
        'public class KillBillCacheController {',
        '    public Object remove(Object key) { return null; }',
        '    public boolean add(Object o) { return true; }',
        '    public boolean isEmpty() { return true; }',
        '    public String toString() { return "c"; }',
        '}',
        '',
      ].join('\n'),
      'web/ResponseFilter.java': ['package web;', 'public class ResponseFilter {', '    public void filter(Object req) { }', '}', ''].join('\n'),
      'invoice/Generator.java': [
        'package invoice;',
        'import cache.KillBillCacheController;',
        'import web.ResponseFilter;',
        'import java.util.*;',
        'public class Generator {',
        '    private final Map<String, Integer> counts = new HashMap<>();',
        '    public List<String> generateInvoice(List<String> items, String s, Optional<String> o) {',
        '        counts.remove(s);',
        '        items.add(s);',
        '        s.trim().isEmpty();',
        '        o.map(x -> x.toString());',
        '        return items.stream().filter(x -> x.isEmpty()).toList();',
        '    }',
        '}',
        '',
      ].join('\n'),
    });
    assert.deepEqual(callees(g, 'invoice.Generator.Generator.generateInvoice'), []);
  });

  it('a call on a declared type reaches its method and every override below it (CHA), not same-named methods elsewhere', async () => {
    const g = await javaGraph({
      'p/Store.java': [
        'package p;',
        'public abstract class Store {',
        '    public abstract void remove(String k);',
        '}',
        'class RedisStore extends Store {',
        '    public void remove(String k) { }',
        '}',
        'class TieredStore extends RedisStore {',
        '    public void remove(String k) { }',
        '}',
        'class Unrelated {',
        '    public void remove(String k) { }',
        '}',
        'class Cleaner {',
        '    void clean(RedisStore redis, Store any) {',
        '        redis.remove("a");',
        '        any.remove("b");',
        '    }',
        '    void unknown(java.util.function.Supplier<?> s) {',
        '        ((Object) s.get()).hashCode();',
        '    }',
        '}',
        '',
      ].join('\n'),
    });
    assert.deepEqual(callees(g, 'p.Store.Cleaner.clean'), ['p.Store.RedisStore.remove', 'p.Store.Store.remove', 'p.Store.TieredStore.remove']);
    assert.equal(g.nameOnly.get('p.Store.Cleaner.clean'), undefined, 'typed calls are not name-only');
  });

  it('a receiver of unknown type falls back to visible methods of that name with a fitting arity, recorded as name-only', async () => {
    const g = await javaGraph({
      'a/Ledger.java': ['package a;', 'public class Ledger {', '    public void post(int x) { }', '    public void post2() { }', '}', ''].join('\n'),
      'b/Hidden.java': ['package b;', 'public class Hidden {', '    public void post(int x) { }', '}', ''].join('\n'),
      'a/Caller.java': [
        'package a;',
        'import java.util.Map;',
        'public class Caller {',
        '    void run(Map<String, ?> m) {',
        '        m.values().forEach(v -> ((Object) v).hashCode());',
        '        Object o = m.get("k");',
        '        lookup().post(1);',
        '        lookup().post(1, 2);',
        '    }',
        '    <T> T lookup() { return null; }',
        '}',
        '',
      ].join('\n'),
    });
    assert.deepEqual(callees(g, 'a.Caller.Caller.run'), ['a.Caller.Caller.lookup', 'a.Ledger.Ledger.post']);
    assert.deepEqual([...(g.nameOnly.get('a.Caller.Caller.run') ?? [])], ['a.Ledger.Ledger.post']);
  });
});

describe('Java overloads', () => {
  const api = [
    'package p;',
    'public class Api {',
    '    public Api() { this(1); }',
    '    public Api(int size) { }',
    '    public int bundles(String account) {',
    '        return plain();',
    '    }',
    '    public int bundles(String account, int page, int size) {',
    '        return paged();',
    '    }',
    '    int plain() { return 1; }',
    '    int paged() { return 2; }',
    '    void log(String m) { }',
    '    void log(String format, Object... args) { }',
    '    void log(int level, String a, String b, String c) { }',
    '}',
    '',
  ].join('\n');
  const P2 = 'p.Api.Api';

  it('a call reaches only the overloads whose parameter count accepts its arguments, constructors too', async () => {
    const g = await javaGraph({
      'p/Api.java': api,
      'p/Caller.java': [
        'package p;',
        'public class Caller {',
        '    void one(Api api) { api.bundles("a"); }',
        '    void three(Api api) { api.bundles("a", 1, 2); }',
        '    void make() { new Api(); }',
        '    void makeSized() { new Api(3); }',
        '}',
        '',
      ].join('\n'),
    });
    assert.deepEqual(callees(g, 'p.Caller.Caller.one'), [`${P2}.bundles`]);
    assert.deepEqual(callees(g, 'p.Caller.Caller.three'), [`${P2}.bundles(String,int,int)`]);
    // each overload is its own node with its own callees
    assert.deepEqual(callees(g, `${P2}.bundles`), [`${P2}.plain`]);
    assert.deepEqual(callees(g, `${P2}.bundles(String,int,int)`), [`${P2}.paged`]);
    assert.deepEqual(callees(g, 'p.Caller.Caller.make'), [`${P2}.<init>`]);
    assert.deepEqual(callees(g, 'p.Caller.Caller.makeSized'), [`${P2}.<init>(int)`]);
    assert.deepEqual(callees(g, `${P2}.<init>`), [`${P2}.<init>(int)`], 'this(1) runs the one-parameter constructor');
  });

  it('varargs accept their fixed parameters and more', async () => {
    const g = await javaGraph({
      'p/Api.java': api,
      'p/Caller.java': [
        'package p;',
        'public class Caller {',
        '    void one(Api api) { api.log("a"); }',
        '    void three(Api api) { api.log("a", 1, 2); }',
        '    void four(Api api) { api.log(1, "a", "b", "c"); }',
        '}',
        '',
      ].join('\n'),
    });
    assert.deepEqual(callees(g, 'p.Caller.Caller.one'), [`${P2}.log`, `${P2}.log(String,Object[])`]);
    assert.deepEqual(callees(g, 'p.Caller.Caller.three'), [`${P2}.log(String,Object[])`]);
    assert.deepEqual(callees(g, 'p.Caller.Caller.four'), [`${P2}.log(String,Object[])`, `${P2}.log(int,String,String,String)`]);
  });

  it('a record’s compact constructor takes the header’s components; this(...) runs another constructor, never itself', async () => {
    const g = await javaGraph({
      'p/Audit.java': ['package p;', 'public class Audit {', '    public static void check(long c) { }', '}', ''].join('\n'),
      'p/Money.java': [
        'package p;',
        'public record Money(long cents) {',
        '    public Money {',
        '        Audit.check(cents);',
        '    }',
        '    public Money(String s) {',
        '        this(Long.parseLong(s));',
        '    }',
        '}',
        '',
      ].join('\n'),
      // the compact constructor declared second: its id carries the components' types
      'p/Range.java': [
        'package p;',
        'public record Range(long lo, long hi) {',
        '    public Range(long n) { this(0, n); }',
        '    public Range { Audit.check(lo); }',
        '}',
        '',
      ].join('\n'),
      // no canonical constructor declared: records get one implicitly
      'p/Pair.java': ['package p;', 'public record Pair(long a, long b) {', '    public Pair(String s) { this(1, 2); }', '}', ''].join('\n'),
      'p/Plain.java': ['package p;', 'public record Plain(long a) { }', ''].join('\n'),
      'p/Use.java': [
        'package p;',
        'public class Use {',
        '    Money direct() { return new Money(1L); }',
        '    Money parsed() { return new Money("1"); }',
        '    Range range() { return new Range(1, 2); }',
        '    Range upTo() { return new Range(2); }',
        '    Pair pair() { return new Pair(1, 2); }',
        '    Plain plain() { return new Plain(1); }',
        '}',
        '',
      ].join('\n'),
    });
    const M = 'p.Money.Money';
    assert.ok(callees(g, 'p.Use.Use.direct').includes(`${M}.<init>`), 'new Money(1L) reaches the compact constructor');
    assert.ok(callees(g, 'p.Use.Use.parsed').includes(`${M}.<init>(String)`));
    assert.deepEqual(callees(g, `${M}.<init>(String)`), [`${M}.<init>`], 'this(...) runs the compact constructor, not itself');
    assert.deepEqual(callees(g, `${M}.<init>`), ['p.Audit.Audit.check']);
    const R = 'p.Range.Range';
    assert.deepEqual(callees(g, 'p.Use.Use.range'), [`${R}.<init>(long,long)`]);
    assert.deepEqual(callees(g, 'p.Use.Use.upTo'), [`${R}.<init>`]);
    assert.deepEqual(callees(g, `${R}.<init>`), [`${R}.<init>(long,long)`]);
    assert.deepEqual(callees(g, `${R}.<init>(long,long)`), ['p.Audit.Audit.check']);
    // the implicit canonical constructor: no declared one fits, so all are kept (recall first);
    // this(...) to it runs only the class's own code
    assert.deepEqual(callees(g, 'p.Use.Use.pair'), ['p.Pair.Pair.<init>']);
    assert.deepEqual(callees(g, 'p.Pair.Pair.<init>'), ['p.Pair.Pair']);
    assert.deepEqual(callees(g, 'p.Use.Use.plain'), ['p.Plain.Plain']);
  });

  it('an overload in a subclass does not hide its superclass’s; a call no overload can take, or a method reference, keeps them all', async () => {
    const g = await javaGraph({
      'p/Api.java': api,
      'p/Paged.java': ['package p;', 'public class Paged extends Api {', '    public int bundles(String account, int page) { return 0; }', '}', ''].join('\n'),
      'p/Caller.java': [
        'package p;',
        'import java.util.function.Function;',
        'public class Caller {',
        '    void inherited(Paged paged) { paged.bundles("a"); }',
        '    void own(Paged paged) { paged.bundles("a", 1); }',
        '    void none(Api api) { api.bundles(); }',
        '    Function<String, Integer> ref(Api api) { return api::bundles; }',
        '}',
        '',
      ].join('\n'),
    });
    assert.deepEqual(callees(g, 'p.Caller.Caller.inherited'), [`${P2}.bundles`]);
    assert.deepEqual(callees(g, 'p.Caller.Caller.own'), ['p.Paged.Paged.bundles']);
    const all = [`${P2}.bundles`, `${P2}.bundles(String,int,int)`, 'p.Paged.Paged.bundles'];
    assert.deepEqual(callees(g, 'p.Caller.Caller.none'), all);
    assert.deepEqual(callees(g, 'p.Caller.Caller.ref'), all);
  });

  describe('in the gate', () => {
    const caller = ['package p;', 'public class Billing {', '    public int charge(Api api) {', '        return api.bundles("a");', '    }', '}', ''].join(
      '\n',
    );
    let repo: FixtureRepo;
    before(() => {
      repo = new FixtureRepo({ 'p/Api.java': api, 'p/Billing.java': caller });
    });
    after(() => repo.remove());

    it('a root pattern naming a method matches every overload of it', async () => {
      const r = await repo.gate(repo.branch('root-all', { 'p/Api.java': edit(api, 'return paged();', 'return paged() + 0;') }), { roots: ['*.Api.bundles'] });
      assert.deepEqual(r.roots, [`${P2}.bundles`, `${P2}.bundles(String,int,int)`]);
      assert.ok(
        r.reasons.some((x) => x.kind === 'root-changed' && x.id === `${P2}.bundles(String,int,int)`),
        JSON.stringify(r.reasons),
      );
    });

    it('a change in one overload is that overload, and a call of another does not reach it', async () => {
      const r = await repo.gate(repo.branch('one-overload', { 'p/Api.java': edit(api, 'return paged();', 'return paged() + 0;') }), { roots: ['*.charge'] });
      assert.deepEqual(
        r.changedFunctions.filter((c) => c.revision === 'head').map((c) => c.id),
        [`${P2}.bundles(String,int,int)`],
      );
      assertNotFlagged(r);
      const hit = await repo.gate(repo.branch('other-overload', { 'p/Api.java': edit(api, 'return plain();', 'return plain() + 0;') }), {
        roots: ['*.charge'],
      });
      assertPath(hit, ['p.Billing.Billing.charge', `${P2}.bundles`], 'head');
    });
  });
});

describe('Java dispatch by type arguments', () => {
  // Java generics are invariant: a value of static type Registry<PaymentPlugin> is never a class
  // that passes Registry another concrete argument. Anything not known to differ is kept.
  const j = (...lines: string[]): string => ['package app;', ...lines, ''].join('\n');
  const impl = (name: string, header: string, ret: string): string =>
    j(`public class ${name} ${header} {`, `    public ${ret} getServiceForName(final String name) {`, `        return null;`, '    }', '}');
  const files: Record<string, string> = {
    'app/Registry.java': j('public interface Registry<T> {', '    T getServiceForName(String name);', '}'),
    'app/Plugin.java': j('public class Plugin { }'),
    'app/PaymentPlugin.java': j('public class PaymentPlugin extends Plugin { }'),
    'app/Health.java': j('public class Health { }'),
    'app/PaymentRegistry.java': impl('PaymentRegistry', 'implements Registry<PaymentPlugin>', 'PaymentPlugin'),
    'app/HealthRegistry.java': impl('HealthRegistry', 'implements Registry<Health>', 'Health'),
    'app/SubPaymentRegistry.java': impl('SubPaymentRegistry', 'extends PaymentRegistry', 'PaymentPlugin'),
    'app/SubHealthRegistry.java': impl('SubHealthRegistry', 'extends HealthRegistry', 'Health'),
    'app/Generic.java': impl('Generic<T>', 'implements Registry<T>', 'T'),
    'app/SubGenericHealth.java': impl('SubGenericHealth', 'extends Generic<Health>', 'Health'),
    'app/SubGenericPayment.java': impl('SubGenericPayment', 'extends Generic<PaymentPlugin>', 'PaymentPlugin'),
    'app/Processor.java': j(
      'public class Processor {',
      '    private final Registry<PaymentPlugin> pluginRegistry;',
      '    public Processor(final Registry<PaymentPlugin> pluginRegistry) {',
      '        this.pluginRegistry = pluginRegistry;',
      '    }',
      '    public void createPurchase(final String pluginName) {',
      '        final PaymentPlugin plugin = pluginRegistry.getServiceForName(pluginName);',
      '    }',
      '    public void wildcard(final Registry<? extends Plugin> registry) {',
      '        registry.getServiceForName("a");',
      '    }',
      '    public <T extends Plugin> void typeVariable(final Registry<T> registry) {',
      '        registry.getServiceForName("a");',
      '    }',
      '    public void raw(final Registry registry) {',
      '        registry.getServiceForName("a");',
      '    }',
      '    public void plugins(final Registry<Plugin> registry) {',
      '        registry.getServiceForName("a");',
      '    }',
      '    public void creates() {',
      '        new Generic<PaymentPlugin>().getServiceForName("a");',
      '    }',
      '}',
    ),
    'app/Holder.java': j(
      'public class Holder<T> {',
      '    private Registry<T> registry;',
      '    public void viaClass() {',
      '        registry.getServiceForName("a");',
      '    }',
      '}',
    ),
  };
  const A = 'app';
  const method = (cls: string): string => `${A}.${cls}.${cls}.getServiceForName`;
  const root = (m: string): string => `${A}.Processor.Processor.${m}`;
  let branches = 0;
  /** A branch changing one class's getServiceForName. */
  const change = (repo: FixtureRepo, cls: string): string =>
    repo.branch(`change-${cls}-${++branches}`, { [`app/${cls}.java`]: edit(files[`app/${cls}.java`]!, 'return null;', 'return null; // changed') });
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  const notOnPath = async (cls: string, rootMethod: string): Promise<void> => {
    const r = await repo.gate(change(repo, cls), { roots: [`*.Processor.${rootMethod}`] });
    assert.deepEqual(pathTexts(r), [], `${cls} must not be reachable from ${rootMethod}`);
    assertNotFlagged(r);
  };
  const onPath = async (cls: string, rootMethod: string, nodes = [root(rootMethod), method(cls)]): Promise<void> => {
    assertPath(await repo.gate(change(repo, cls), { roots: [`*.Processor.${rootMethod}`] }), nodes, 'head');
  };

  it('a receiver Registry<PaymentPlugin> does not reach an implementer of Registry<Health>, nor its subclass', async () => {
    await notOnPath('HealthRegistry', 'createPurchase');
    await notOnPath('SubHealthRegistry', 'createPurchase');
  });

  it('a receiver Registry<PaymentPlugin> reaches the implementer of Registry<PaymentPlugin> and its subclass', async () => {
    await onPath('PaymentRegistry', 'createPurchase');
    await onPath('SubPaymentRegistry', 'createPurchase');
  });

  it('a wildcard, a type variable of a method or of a class, or a raw receiver reaches every implementer', async () => {
    await onPath('HealthRegistry', 'wildcard');
    await onPath('HealthRegistry', 'typeVariable');
    await onPath('HealthRegistry', 'raw');
    const r = await repo.gate(change(repo, 'HealthRegistry'), { roots: ['*.Holder.viaClass'] });
    assertPath(r, [`${A}.Holder.Holder.viaClass`, method('HealthRegistry')], 'head');
  });

  it('through a generic class, the argument its subclass passes for the type parameter decides', async () => {
    // Generic<T> implements Registry<T>: a Generic may be a Registry<PaymentPlugin>
    await onPath('Generic', 'createPurchase');
    await onPath('SubGenericPayment', 'createPurchase');
    await notOnPath('SubGenericHealth', 'createPurchase');
    // new Generic<PaymentPlugin>() dispatches over Generic and its subclasses by the same rule
    await onPath('SubGenericPayment', 'creates', [root('creates'), method('SubGenericPayment')]);
    await notOnPath('SubGenericHealth', 'creates');
  });

  it('invariance: Registry<Plugin> is not Registry<PaymentPlugin>, Registry<? extends Plugin> may be', async () => {
    await notOnPath('PaymentRegistry', 'plugins');
    await onPath('PaymentRegistry', 'wildcard');
  });

  it('the same rule applies below a type from outside the repository, to anonymous classes, and keeps a same simple name from another package', async () => {
    const reg = (name: string, pkg: string, header: string): string =>
      [
        `package ${pkg};`,
        'import org.osgi.OSGIServiceRegistration;',
        `public class ${name} ${header} {`,
        '    public Object getServiceForName(String n) { return null; }',
        '}',
        '',
      ].join('\n');
    const g = await javaGraph({
      'pay/PaymentPluginApi.java': 'package pay;\npublic interface PaymentPluginApi { }\n',
      'other/PaymentPluginApi.java': 'package other;\npublic interface PaymentPluginApi { }\n',
      'health/Healthcheck.java': 'package health;\npublic interface Healthcheck { }\n',
      'pay/PaymentRegistry.java': reg('PaymentRegistry', 'pay', 'implements OSGIServiceRegistration<PaymentPluginApi>'),
      'health/HealthRegistry.java': reg('HealthRegistry', 'health', 'implements OSGIServiceRegistration<Healthcheck>'),
      'other/OtherRegistry.java': reg('OtherRegistry', 'other', 'implements OSGIServiceRegistration<PaymentPluginApi>'),
      'pay/Processor.java': [
        'package pay;',
        'import org.osgi.OSGIServiceRegistration;',
        'import health.Healthcheck;',
        'public class Processor {',
        '    private OSGIServiceRegistration<PaymentPluginApi> registry;',
        '    void purchase() { registry.getServiceForName("a"); }',
        '    Object make() {',
        '        return new OSGIServiceRegistration<Healthcheck>() {',
        '            public Object getServiceForName(String n) { return null; }',
        '        };',
        '    }',
        '}',
        '',
      ].join('\n'),
    });
    // not HealthRegistry, nor the anonymous registry of Healthcheck (called where it is created)
    assert.deepEqual(callees(g, 'pay.Processor.Processor.purchase'), [
      'other.OtherRegistry.OtherRegistry.getServiceForName',
      'pay.PaymentRegistry.PaymentRegistry.getServiceForName',
    ]);
    assert.deepEqual(callees(g, 'pay.Processor.Processor.make'), ['pay.Processor.Processor.1.getServiceForName']);
  });

  it('a type parameter named in an earlier parameter’s bound is a type variable, not a class', async () => {
    const g = await javaGraph({
      'p/Model.java': 'package p;\npublic interface Model<E> {\n    String table();\n}\n',
      'p/Account.java': 'package p;\npublic class Account { }\n',
      'p/AccountModel.java': 'package p;\npublic class AccountModel implements Model<Account> {\n    public String table() { return "a"; }\n}\n',
      'p/Dao.java': [
        'package p;',
        'public abstract class Dao<M extends Model<E>, E> {',
        '    String tableOf(M entity) { return entity.table(); }',
        '}',
        '',
      ].join('\n'),
    });
    assert.deepEqual(callees(g, 'p.Dao.Dao.tableOf'), ['p.AccountModel.AccountModel.table', 'p.Model.Model.table']);
  });
});

describe('Java fields computed by their initialisers', () => {
  const rates = [
    'package bank.fees;',
    '',
    'import java.math.BigDecimal;',
    'import java.util.Comparator;',
    'import java.util.HashMap;',
    'import java.util.Map;',
    '',
    'public class Rates {',
    '    private static final Map<String, Integer> RATES = loadRates();',
    '    static final BigDecimal BASE = new BigDecimal(5);',
    '    static final BigDecimal THREE = new BigDecimal(3);',
    '    static final BigDecimal CAP = BASE.multiply(THREE);',
    '    private final Calculator calc = new Calculator(cfg());',
    '    static final Comparator<String> ORDER = Rates::compare;',
    '    static final int SORTED = apply(Rates::compare);',
    '    static final int DIGEST = Registry.<Ledger>any().sum();',
    '',
    '    static Map<String, Integer> loadRates() {',
    '        Map<String, Integer> m = new HashMap<>();',
    '        m.put("a", scale(2));',
    '        return m;',
    '    }',
    '',
    '    static int scale(int x) { return x * 10; }',
    '',
    '    static int cfg() { return 4; }',
    '',
    '    static int compare(String a, String b) { return a.length() - b.length(); }',
    '',
    '    static int apply(Comparator<String> c) { return 1; }',
    '',
    '    public int charge(String k) { return RATES.get(k); }',
    '',
    '    public BigDecimal cap() { return CAP; }',
    '',
    '    public BigDecimal triple(BigDecimal x) { return THREE.multiply(x); }',
    '',
    '    public int quote(int x) { return calc.quote(x); }',
    '',
    '    public int ordered() { return ORDER.compare("a", "b"); }',
    '',
    '    public int sorted() { return SORTED; }',
    '',
    '    public int digest() { return DIGEST; }',
    '}',
    '',
  ].join('\n');
  const calculator = [
    'package bank.fees;',
    '',
    'public class Calculator {',
    '    private final int factor;',
    '',
    '    public Calculator(int factor) { this.factor = factor + 1; }',
    '',
    '    public int quote(int x) { return x * factor; }',
    '}',
    '',
  ].join('\n');
  const files = {
    'src/bank/fees/Rates.java': rates,
    'src/bank/fees/Calculator.java': calculator,
    'src/bank/fees/Tiers.java': [
      'package bank.fees;',
      '',
      'import java.util.HashMap;',
      'import java.util.Map;',
      '',
      'public class Tiers {',
      '    static final Map<String, Integer> TIERS = new HashMap<>();',
      '',
      '    static {',
      '        TIERS.put("gold", Rates.cfg() * 2);',
      '    }',
      '',
      '    public int tier(String k) { return TIERS.get(k); }',
      '}',
      '',
    ].join('\n'),
    'src/bank/fees/Registry.java': 'package bank.fees;\n\npublic class Registry {\n    static <T> T any() { return null; }\n}\n',
    'src/bank/fees/Ledger.java': 'package bank.fees;\n\npublic class Ledger {\n    public int sum() { return 1; }\n}\n',
  };
  const R = 'src.bank.fees.Rates.Rates';
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('a static field built by a call changes with the method it calls and what that calls, and so does a method calling into it', async () => {
    const load = await repo.gate(repo.branch('load', { 'src/bank/fees/Rates.java': edit(rates, 'm.put("a", scale(2))', 'm.put("b", scale(2))') }), {
      roots: ['*.charge'],
    });
    assertReason(load, `${R}.charge (changed: reads ${R}.RATES)`);
    const scale = await repo.gate(repo.branch('scale', { 'src/bank/fees/Rates.java': edit(rates, 'x * 10', 'x * 100') }), { roots: ['*.charge'] });
    assertReason(scale, `${R}.charge (changed: reads ${R}.RATES)`);
  });

  it('an instance field built by a constructor changes with the constructor and with the arguments it computes', async () => {
    const ctor = await repo.gate(repo.branch('ctor', { 'src/bank/fees/Calculator.java': edit(calculator, 'factor + 1', 'factor + 2') }), {
      roots: ['*.quote'],
    });
    assertReason(ctor, `${R}.quote (changed: reads ${R}.calc)`);
    const cfg = await repo.gate(repo.branch('cfg', { 'src/bank/fees/Rates.java': edit(rates, 'return 4;', 'return 5;') }), { roots: ['*.quote'] });
    assertReason(cfg, `${R}.quote (changed: reads ${R}.calc)`);
  });

  it("a method calling a method on a field changes with the field's initialiser, also one that only constructs a value", async () => {
    const fee = await repo.gate(repo.branch('fee', { 'src/bank/fees/Rates.java': edit(rates, 'new BigDecimal(3)', 'new BigDecimal(4)') }), {
      roots: ['*.triple'],
    });
    assertReason(fee, `${R}.triple (changed: reads ${R}.THREE)`);
  });

  it('a field whose initialiser calls a method on another field changes with that field', async () => {
    const r = await repo.gate(repo.branch('base', { 'src/bank/fees/Rates.java': edit(rates, 'new BigDecimal(5)', 'new BigDecimal(6)') }), { roots: ['*.cap'] });
    assertReason(r, `${R}.cap (changed: reads ${R}.CAP)`);
  });

  it('a method reference passed as an argument is called by the initialiser; one only held is not, but a call of the interface through the field runs it', async () => {
    const passed = await repo.gate(repo.branch('compare', { 'src/bank/fees/Rates.java': edit(rates, 'a.length() - b.length()', 'b.length() - a.length()') }), {
      roots: ['*.sorted'],
    });
    assertReason(passed, `${R}.sorted (changed: reads ${R}.SORTED)`);
    // ORDER.compare(…) runs Rates::compare, converted to Comparator where ORDER is declared
    const held = await repo.gate(
      repo.branch('compare-held', { 'src/bank/fees/Rates.java': edit(rates, 'a.length() - b.length()', 'b.length() - a.length()') }),
      { roots: ['*.ordered'] },
    );
    assertPath(held, [`${R}.ordered`, `${R}.compare`], 'head');
    const edges = edgeList(await callGraphOf(files));
    assert.ok(edges.includes(`${R}.SORTED > ${R}.compare`), edges.join('\n'));
    assert.ok(!edges.some((e) => e.startsWith(`${R}.ORDER `)), edges.join('\n'));
    // the class, which runs every initialiser, keeps its edges
    assert.ok(edges.includes(`${R} > ${R}.compare`) && edges.includes(`${R} > ${R}.loadRates`), edges.join('\n'));
  });

  it('a field a static initialiser block fills changes with what the class runs to initialise', async () => {
    const r = await repo.gate(repo.branch('cfg-tiers', { 'src/bank/fees/Rates.java': edit(rates, 'return 4;', 'return 6;') }), { roots: ['*.tier'] });
    assertReason(r, 'src.bank.fees.Tiers.Tiers.tier (changed: reads src.bank.fees.Tiers.Tiers.TIERS)');
  });

  it('a call resolved by name only in the initialiser is not followed; a typed one is', async () => {
    const typed = await repo.gate(
      repo.branch('any', { 'src/bank/fees/Registry.java': files['src/bank/fees/Registry.java'].replace('return null;', 'return (T) null;') }),
      {
        roots: ['*.digest'],
      },
    );
    assertReason(typed, `${R}.digest (changed: reads ${R}.DIGEST)`);
    const g = await callGraphOf(files);
    assert.ok(g.nameOnly.get(`${R}.DIGEST`)?.has('src.bank.fees.Ledger.Ledger.sum'), 'the call on an untyped receiver is recorded by name');
    assertNotFlagged(
      await repo.gate(repo.branch('sum', { 'src/bank/fees/Ledger.java': files['src/bank/fees/Ledger.java'].replace('return 1;', 'return 2;') }), {
        roots: ['*.digest'],
      }),
    );
  });
});

describe('Java functional interfaces: a call of the interface method reaches the lambdas and method references converted to it', () => {
  const fees = [
    'package pay;',
    '',
    'public class Fees {',
    '    static int chargeCard(int a) { return a * 2; }',
    '',
    '    static int chargeBank(int a) { return a + 1; }',
    '',
    '    static int discount(int a) { return a - 1; }',
    '',
    '    public static void setup(Registry r) {',
    '        r.register("card", Fees::chargeCard);',
    '        r.register("bank", a -> chargeBank(a));',
    '        Discount d = Fees::discount;',
    '        d.apply(1);',
    '    }',
    '}',
    '',
  ].join('\n');
  const ledger = [
    'package pay;',
    '',
    'public class Ledger {',
    '    private final Fee fee = this::calc;',
    '',
    '    int calc(int a) { return a * 3; }',
    '',
    '    public int settlePayment(int a) { return fee.apply(a); }',
    '}',
    '',
  ].join('\n');
  const pricing = [
    'package pay;',
    '',
    'import java.math.BigDecimal;',
    'import java.util.Map;',
    'import java.util.function.Function;',
    'import java.util.function.Supplier;',
    '',
    'public class Pricing {',
    '    static final Map<String, Function<BigDecimal, BigDecimal>> FEES = Map.of("card", Pricing::card, "bank", Pricing::bank);',
    '    static final Map<String, Function<String, BigDecimal>> PARSERS = Map.of("plain", Pricing::parse);',
    '    static final Supplier<BigDecimal> FALLBACK = Pricing::fallback;',
    '',
    '    static BigDecimal card(BigDecimal x) { return x.add(BigDecimal.ONE); }',
    '',
    '    static BigDecimal bank(BigDecimal x) { return x; }',
    '',
    '    static BigDecimal parse(String s) { return new BigDecimal(s); }',
    '',
    '    static BigDecimal fallback() { return BigDecimal.ZERO; }',
    '',
    '    public BigDecimal convertAmount(String kind, BigDecimal x) { return FEES.get(kind).apply(x); }',
    '',
    '    public BigDecimal parseAmount(String s) { return PARSERS.get("plain").apply(s).add(FALLBACK.get()); }',
    '}',
    '',
  ].join('\n');
  const handlers = [
    'package pay;',
    '',
    'public class Handlers {',
    '    private final HandlerFactory factory = Handler::new;',
    '',
    '    public Handler createHandler() { return factory.create(); }',
    '}',
    '',
  ].join('\n');
  const handler = ['package pay;', '', 'public class Handler {', '    Handler() { init(); }', '', '    void init() { }', '}', ''].join('\n');
  const files = {
    'src/pay/Fee.java': 'package pay;\n\npublic interface Fee {\n    int apply(int amount);\n}\n',
    'src/pay/Discount.java': 'package pay;\n\npublic interface Discount {\n    int apply(int amount);\n}\n',
    'src/pay/HandlerFactory.java': 'package pay;\n\npublic interface HandlerFactory {\n    Handler create();\n}\n',
    'src/pay/Registry.java': [
      'package pay;',
      '',
      'import java.util.HashMap;',
      'import java.util.Map;',
      '',
      'public class Registry {',
      '    private final Map<String, Fee> fees = new HashMap<>();',
      '',
      '    public void register(String kind, Fee fee) { fees.put(kind, fee); }',
      '',
      '    public int processPayment(String kind, int amount) { return fees.get(kind).apply(amount); }',
      '}',
      '',
    ].join('\n'),
    'src/pay/Checkout.java': [
      'package pay;',
      '',
      'import java.math.BigDecimal;',
      'import java.util.function.Function;',
      '',
      'public class Checkout {',
      '    public BigDecimal capturePayment(Function<BigDecimal, BigDecimal> fee, BigDecimal x) { return fee.apply(x); }',
      '}',
      '',
    ].join('\n'),
    'src/pay/Pager.java': [
      'package pay;',
      '',
      'import java.math.BigDecimal;',
      'import java.util.ArrayList;',
      'import java.util.List;',
      'import java.util.function.Function;',
      '',
      'public class Pager {',
      '    static <E, J> List<J> page(List<E> items, Function<E, J> toJson) {',
      '        List<J> out = new ArrayList<>();',
      '        for (E e : items) out.add(toJson.apply(e));',
      '        return out;',
      '    }',
      '',
      '    static BigDecimal render(BigDecimal x) { return x; }',
      '',
      '    List<BigDecimal> list(List<BigDecimal> xs) { return page(xs, x -> render(x)); }',
      '}',
      '',
    ].join('\n'),
    'src/pay/Fees.java': fees,
    'src/pay/Ledger.java': ledger,
    'src/pay/Pricing.java': pricing,
    'src/pay/Handlers.java': handlers,
    'src/pay/Handler.java': handler,
  };
  const roots = ['*.processPayment', '*.settlePayment', '*.capturePayment', '*.createHandler'];
  const P = 'src.pay';
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('a method reference passed to a repository method whose parameter is the interface', async () => {
    const r = await repo.gate(repo.branch('card', { 'src/pay/Fees.java': edit(fees, 'a * 2', 'a * 3') }), { roots });
    assertPath(r, [`${P}.Registry.Registry.processPayment`, `${P}.Fee.Fee.apply`, `${P}.Fees.Fees.chargeCard`], 'head');
  });

  it('a lambda passed there: the calls its body makes', async () => {
    const r = await repo.gate(repo.branch('bank', { 'src/pay/Fees.java': edit(fees, 'a + 1', 'a + 2') }), { roots });
    assertPath(r, [`${P}.Registry.Registry.processPayment`, `${P}.Fee.Fee.apply`, `${P}.Fees.Fees.chargeBank`], 'head');
  });

  it('a method reference initialising a field of the interface type', async () => {
    const r = await repo.gate(repo.branch('calc', { 'src/pay/Ledger.java': edit(ledger, 'a * 3', 'a * 4') }), { roots });
    assertPath(r, [`${P}.Ledger.Ledger.settlePayment`, `${P}.Fee.Fee.apply`, `${P}.Ledger.Ledger.calc`], 'head');
  });

  it('Type::new converted to the interface reaches the constructor', async () => {
    const r = await repo.gate(repo.branch('init', { 'src/pay/Handler.java': edit(handler, 'void init() { }', 'void init() { int x = 1; }') }), { roots });
    assertPath(
      r,
      [`${P}.Handlers.Handlers.createHandler`, `${P}.HandlerFactory.HandlerFactory.create`, `${P}.Handler.Handler.<init>`, `${P}.Handler.Handler.init`],
      'head',
    );
  });

  it('an unrelated interface with a method of the same name is not reached', async () => {
    assertNotFlagged(await repo.gate(repo.branch('discount', { 'src/pay/Fees.java': edit(fees, 'a - 1', 'a - 2') }), { roots }));
  });

  it('java.util.function.Function values in a Map field built by Map.of are reached from a call of apply on a Function of those type arguments', async () => {
    const r = await repo.gate(repo.branch('jdk-card', { 'src/pay/Pricing.java': edit(pricing, 'x.add(BigDecimal.ONE)', 'x.add(BigDecimal.TEN)') }), { roots });
    assertPath(r, [`${P}.Checkout.Checkout.capturePayment`, `${P}.Pricing.Pricing.card`], 'head');
    const g = await callGraphOf(files);
    const edges = edgeList(g);
    for (const e of [`${P}.Pricing.Pricing.convertAmount > ${P}.Pricing.Pricing.card`, `${P}.Pricing.Pricing.convertAmount > ${P}.Pricing.Pricing.bank`])
      assert.ok(edges.includes(e), edges.join('\n'));
    // the receiver's type is known: typed edges
    assert.ok(!g.nameOnly.get(`${P}.Checkout.Checkout.capturePayment`)?.has(`${P}.Pricing.Pricing.card`));
    assert.deepEqual(callees(g, `${P}.Pricing.Pricing.parseAmount`), [`${P}.Pricing.Pricing.fallback`, `${P}.Pricing.Pricing.parse`]);
  });

  it('a Function.apply call does not reach what was converted to a Supplier or to a Function of other type arguments', async () => {
    assertNotFlagged(
      await repo.gate(repo.branch('parse', { 'src/pay/Pricing.java': edit(pricing, 'new BigDecimal(s)', 'new BigDecimal(s.trim())') }), { roots }),
    );
    assertNotFlagged(
      await repo.gate(repo.branch('fallback', { 'src/pay/Pricing.java': edit(pricing, 'return BigDecimal.ZERO;', 'return BigDecimal.ONE;') }), { roots }),
    );
    const g = await callGraphOf(files);
    assert.deepEqual(callees(g, `${P}.Checkout.Checkout.capturePayment`), [`${P}.Pricing.Pricing.bank`, `${P}.Pricing.Pricing.card`]);
  });

  it("a lambda passed to a generic method's Function<E, J> is reached from the generic code's calls, not from every Function.apply", async () => {
    const g = await callGraphOf(files);
    assert.ok(callees(g, `${P}.Pager.Pager.page`).includes(`${P}.Pager.Pager.render`));
    assert.ok(!callees(g, `${P}.Checkout.Checkout.capturePayment`).includes(`${P}.Pager.Pager.render`));
  });
});

describe('Java functional interfaces: map entries, repository interfaces extending a library one, a generic class’s type argument', () => {
  const fees = [
    'package pay;',
    '',
    'import java.math.BigDecimal;',
    'import java.util.AbstractMap;',
    'import java.util.Map;',
    'import java.util.function.Function;',
    'import java.util.function.Supplier;',
    'import static java.util.Map.entry;',
    '',
    'public class Fees {',
    '    static final Map<String, Function<BigDecimal, BigDecimal>> BY_KIND = Map.ofEntries(entry("card", Fees::chargeCard), Map.entry("bank", x -> chargeBank(x)));',
    '    static final Map.Entry<String, Function<BigDecimal, BigDecimal>> WIRE = new AbstractMap.SimpleEntry<>("wire", Fees::chargeWire);',
    '    static final Map<String, Function<String, BigDecimal>> PARSERS = Map.ofEntries(entry("plain", Fees::parse));',
    '    static final Map.Entry<String, Supplier<BigDecimal>> DEFAULT = Map.entry("zero", Fees::fallback);',
    '',
    '    static BigDecimal chargeCard(BigDecimal x) { return x.add(BigDecimal.ONE); }',
    '',
    '    static BigDecimal chargeBank(BigDecimal x) { return x.add(BigDecimal.TEN); }',
    '',
    '    static BigDecimal chargeWire(BigDecimal x) { return x.negate(); }',
    '',
    '    static BigDecimal parse(String s) { return new BigDecimal(s); }',
    '',
    '    static BigDecimal fallback() { return BigDecimal.ZERO; }',
    '',
    '    public BigDecimal processPayment(String kind, BigDecimal x) { return BY_KIND.get(kind).apply(x); }',
    '',
    '    public BigDecimal processWire(BigDecimal x) { return WIRE.getValue().apply(x); }',
    '',
    '    public BigDecimal parseAmount(String s) { return PARSERS.get("plain").apply(s).add(DEFAULT.getValue().get()); }',
    '}',
    '',
  ].join('\n');
  const billing = [
    'package pay;',
    '',
    'import java.math.BigDecimal;',
    'import java.util.Map;',
    '',
    'public class Billing {',
    '    private final Map<String, FeeFn> fees = Map.of("card", Billing::card);',
    '',
    '    static BigDecimal card(BigDecimal x) { return x.add(BigDecimal.ONE); }',
    '',
    '    static BigDecimal flat(BigDecimal x) { return x.add(BigDecimal.TEN); }',
    '',
    '    public BigDecimal settleFee(String kind, BigDecimal x) { return fees.get(kind).apply(x); }',
    '',
    '    public BigDecimal settleFlat(BigDecimal x) {',
    '        FeeFn f = Billing::flat;',
    '        return f.apply(x);',
    '    }',
    '}',
    '',
  ].join('\n');
  const taxes = [
    'package pay;',
    '',
    'import java.math.BigDecimal;',
    '',
    'public class Taxes {',
    '    static BigDecimal tax(BigDecimal x) { return x.negate(); }',
    '',
    '    public BigDecimal taxOf(BigDecimal x) {',
    '        TaxFn t = Taxes::tax;',
    '        return t.apply(x);',
    '    }',
    '}',
    '',
  ].join('\n');
  const prices = [
    'package pay;',
    '',
    'public class Prices {',
    '    private final Registry<Fee> fees = new Registry<>();',
    '    private final Registry<Rebate> rebates = new Registry<>();',
    '',
    '    static int card(int a) { return a * 2; }',
    '',
    '    static int loyal(int a) { return a - 1; }',
    '',
    '    void setup() {',
    '        fees.register("card", Prices::card);',
    '        rebates.register("loyal", Prices::loyal);',
    '    }',
    '',
    '    public int priceOrder(String kind, int a) { return fees.get(kind).charge(a); }',
    '}',
    '',
  ].join('\n');
  const tariffs = [
    'package pay;',
    '',
    'import com.google.common.collect.ImmutableMap;',
    'import java.util.Map;',
    'import java.util.function.Function;',
    '',
    'public class Tariffs {',
    '    static final Map<String, Function<Integer, Integer>> RATES = ImmutableMap.<String, Function<Integer, Integer>>builder().put("card", Tariffs::card).put("bank", a -> bank(a)).build();',
    '    static final Map<String, Function<Integer, Integer>> MORE = new ImmutableMap.Builder<String, Function<Integer, Integer>>().put("wire", Tariffs::wire).build();',
    '    static final Map<String, Function<String, Integer>> PARSERS = ImmutableMap.<String, Function<String, Integer>>builder().put("plain", Tariffs::parse).build();',
    '',
    '    static int card(int a) { return a * 2; }',
    '',
    '    static int bank(int a) { return a + 1; }',
    '',
    '    static int wire(int a) { return a - 1; }',
    '',
    '    static int parse(String s) { return s.length(); }',
    '',
    '    public int rateTariff(String kind, int a) { return RATES.get(kind).apply(a); }',
    '}',
    '',
  ].join('\n');
  const files = {
    'src/pay/Tariffs.java': tariffs,
    'src/pay/Fees.java': fees,
    'src/pay/FeeFn.java':
      'package pay;\n\nimport java.math.BigDecimal;\nimport java.util.function.Function;\n\npublic interface FeeFn extends Function<BigDecimal, BigDecimal> {}\n',
    'src/pay/TaxFn.java':
      'package pay;\n\nimport java.math.BigDecimal;\nimport java.util.function.Function;\n\npublic interface TaxFn extends Function<BigDecimal, BigDecimal> {}\n',
    'src/pay/Billing.java': billing,
    'src/pay/Taxes.java': taxes,
    'src/pay/Fee.java': 'package pay;\n\npublic interface Fee {\n    int charge(int amount);\n}\n',
    'src/pay/Rebate.java': 'package pay;\n\npublic interface Rebate {\n    int charge(int amount);\n}\n',
    'src/pay/Registry.java': [
      'package pay;',
      '',
      'import java.util.HashMap;',
      'import java.util.Map;',
      '',
      'public class Registry<F> {',
      '    private final Map<String, F> byKind = new HashMap<>();',
      '',
      '    public void register(String kind, F f) { byKind.put(kind, f); }',
      '',
      '    public F get(String kind) { return byKind.get(kind); }',
      '}',
      '',
    ].join('\n'),
    'src/pay/Prices.java': prices,
    'src/pay/EventBuilder.java': [
      'package pay;',
      '',
      'public abstract class EventBuilder<T extends EventBuilder<T>> {',
      '    public T setA(int a) { return self(); }',
      '',
      '    public T setB(int b) { return self(); }',
      '',
      '    public T setC(int c) { return self(); }',
      '',
      '    abstract T self();',
      '}',
      '',
    ].join('\n'),
    'src/pay/PayEventBuilder.java':
      'package pay;\n\npublic class PayEventBuilder extends EventBuilder<PayEventBuilder> {\n    PayEventBuilder self() { return this; }\n}\n',
    'src/pay/Spec.java': 'package pay;\n\npublic class Spec {\n    public Spec setC(int c) { return this; }\n}\n',
    'src/pay/Events.java': 'package pay;\n\npublic class Events {\n    void emit() { new PayEventBuilder().setA(1).setB(2).setC(3).setC(4); }\n}\n',
  };
  const roots = ['*.processPayment', '*.processWire', '*.parseAmount', '*.settleFee', '*.settleFlat', '*.priceOrder', '*.rateTariff'];
  const P = 'src.pay';
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('method references and lambdas in Map.entry / entry(…) given to Map.ofEntries are reached from a call of apply on the map’s values', async () => {
    const r = await repo.gate(repo.branch('entry-card', { 'src/pay/Fees.java': edit(fees, 'x.add(BigDecimal.ONE)', 'x.add(BigDecimal.TEN.negate())') }), {
      roots,
    });
    assertPath(r, [`${P}.Fees.Fees.processPayment`, `${P}.Fees.Fees.chargeCard`], 'head');
    const g = await callGraphOf(files);
    assert.ok(callees(g, `${P}.Fees.Fees.processPayment`).includes(`${P}.Fees.Fees.chargeBank`));
  });

  it('a method reference in new AbstractMap.SimpleEntry<>(k, f) typed by the entry it initialises', async () => {
    const r = await repo.gate(repo.branch('entry-wire', { 'src/pay/Fees.java': edit(fees, 'x.negate()', 'x.abs()') }), { roots });
    assertPath(r, [`${P}.Fees.Fees.processWire`, `${P}.Fees.Fees.chargeWire`], 'head');
  });

  it('function objects put into an ImmutableMap builder with type arguments (ImmutableMap.<K, V>builder(), new ImmutableMap.Builder<K, V>())', async () => {
    const r = await repo.gate(repo.branch('builder-card', { 'src/pay/Tariffs.java': edit(tariffs, 'a * 2', 'a * 3') }), { roots });
    assertPath(r, [`${P}.Tariffs.Tariffs.rateTariff`, `${P}.Tariffs.Tariffs.card`], 'head');
    const g = await callGraphOf(files);
    const out = callees(g, `${P}.Tariffs.Tariffs.rateTariff`);
    for (const id of [`${P}.Tariffs.Tariffs.bank`, `${P}.Tariffs.Tariffs.wire`]) assert.ok(out.includes(id), out.join('\n'));
    // a builder of another value type
    assert.ok(!out.includes(`${P}.Tariffs.Tariffs.parse`), out.join('\n'));
  });

  it('entries of other value types are not reached from Function<BigDecimal, BigDecimal>.apply', async () => {
    const g = await callGraphOf(files);
    const out = callees(g, `${P}.Fees.Fees.processPayment`);
    assert.ok(!out.includes(`${P}.Fees.Fees.parse`) && !out.includes(`${P}.Fees.Fees.fallback`), out.join('\n'));
    assert.deepEqual(callees(g, `${P}.Fees.Fees.parseAmount`), [`${P}.Fees.Fees.fallback`, `${P}.Fees.Fees.parse`]);
  });

  it('a repository interface extending Function: a call of apply on it reaches what was converted to it (a local, a Map<String, FeeFn> value)', async () => {
    const r = await repo.gate(repo.branch('feefn-card', { 'src/pay/Billing.java': edit(billing, 'x.add(BigDecimal.ONE)', 'x.add(BigDecimal.ONE.negate())') }), {
      roots,
    });
    assertPath(r, [`${P}.Billing.Billing.settleFee`, `${P}.Billing.Billing.card`], 'head');
    const g = await callGraphOf(files);
    assert.ok(callees(g, `${P}.Billing.Billing.settleFlat`).includes(`${P}.Billing.Billing.flat`));
    // a FeeFn is a Function<BigDecimal, BigDecimal>: a call through the library interface reaches it too
    assert.ok(callees(g, `${P}.Fees.Fees.processPayment`).includes(`${P}.Billing.Billing.card`));
  });

  it('another repository interface extending the same Function is not reached from a call on FeeFn', async () => {
    assertNotFlagged(
      await repo.gate(repo.branch('taxfn', { 'src/pay/Taxes.java': edit(taxes, 'x.negate()', 'x.abs()') }), { roots: ['*.settleFee', '*.settleFlat'] }),
    );
    const g = await callGraphOf(files);
    assert.ok(!callees(g, `${P}.Billing.Billing.settleFee`).includes(`${P}.Taxes.Taxes.tax`));
    assert.ok(callees(g, `${P}.Taxes.Taxes.taxOf`).includes(`${P}.Taxes.Taxes.tax`));
  });

  it('a generic class’s type parameter is the receiver’s type argument: Registry<Fee>.register converts to Fee, Registry<Fee>.get returns a Fee', async () => {
    const r = await repo.gate(repo.branch('registry-card', { 'src/pay/Prices.java': edit(prices, 'a * 2', 'a * 3') }), { roots });
    assertPath(r, [`${P}.Prices.Prices.priceOrder`, `${P}.Fee.Fee.charge`, `${P}.Prices.Prices.card`], 'head');
    const g = await callGraphOf(files);
    // typed now, where the unknown return fell back to every visible `charge` by name
    assert.ok(!g.nameOnly.get(`${P}.Prices.Prices.priceOrder`)?.has(`${P}.Fee.Fee.charge`));
  });

  it('a self-typed builder (T extends EventBuilder<T>) stays typed along a chain: a type argument that says nothing keeps the bound', async () => {
    const g = await callGraphOf(files);
    assert.deepEqual(callees(g, `${P}.Events.Events.emit`), [
      `${P}.EventBuilder.EventBuilder.setA`,
      `${P}.EventBuilder.EventBuilder.setB`,
      `${P}.EventBuilder.EventBuilder.setC`,
      `${P}.PayEventBuilder.PayEventBuilder`,
    ]);
  });

  it('a function object registered in a Registry<Rebate> is not reached from Registry<Fee>.get(k).charge', async () => {
    assertNotFlagged(await repo.gate(repo.branch('registry-loyal', { 'src/pay/Prices.java': edit(prices, 'a - 1', 'a - 2') }), { roots }));
    const g = await callGraphOf(files);
    assert.ok(!callees(g, `${P}.Prices.Prices.priceOrder`).includes(`${P}.Rebate.Rebate.charge`));
    assert.deepEqual(callees(g, `${P}.Rebate.Rebate.charge`), [`${P}.Prices.Prices.loyal`]);
  });
});

describe('Java double-brace initialisation of a container of function objects', () => {
  const fees = [
    'package pay;',
    '',
    'import java.util.HashMap;',
    'import java.util.Map;',
    '',
    'public class Fees {',
    '    interface Fee {',
    '        int charge(int amount);',
    '    }',
    '',
    '    interface Rebate {',
    '        int charge(int amount);',
    '    }',
    '',
    '    static boolean wired = true;',
    '',
    '    static final Map<String, Fee> BY_KIND = new HashMap<>() {',
    '        {',
    '            put("card", Fees::card);',
    '            if (wired) {',
    '                this.put("wire", Fees::wire);',
    '            }',
    '        }',
    '    };',
    '',
    '    static final Map<String, Object> REBATES = new HashMap<String, Rebate>() {',
    '        {',
    '            put("loyal", Fees::loyal);',
    '        }',
    '    };',
    '',
    '    static int card(int a) {',
    '        return a * 2;',
    '    }',
    '',
    '    static int wire(int a) {',
    '        return a * 4;',
    '    }',
    '',
    '    static int loyal(int a) {',
    '        return a - 1;',
    '    }',
    '',
    '    int processPayment(String kind, int a) {',
    '        return BY_KIND.get(kind).charge(a);',
    '    }',
    '',
    '    int rebate(String kind, int a) {',
    '        return ((Rebate) REBATES.get(kind)).charge(a);',
    '    }',
    '}',
    '',
  ].join('\n');
  const files = { 'src/pay/Fees.java': fees };
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('a method reference put in an instance initialiser of `new HashMap<>() {{ … }}` is a Fee, as the field declares', async () => {
    const r = await repo.gate(repo.branch('card', { 'src/pay/Fees.java': edit(fees, 'a * 2', 'a * 3') }), { roots: ['*.processPayment'] });
    assertPath(r, ['src.pay.Fees.Fees.processPayment', 'src.pay.Fees.Fees.Fee.charge', 'src.pay.Fees.Fees.card'], 'head');
    // also inside an `if` there, and on `this`
    const wire = await repo.gate(repo.branch('wire', { 'src/pay/Fees.java': edit(fees, 'a * 4', 'a * 5') }), { roots: ['*.processPayment'] });
    assertPath(wire, ['src.pay.Fees.Fees.processPayment', 'src.pay.Fees.Fees.Fee.charge', 'src.pay.Fees.Fees.wire'], 'head');
  });

  it('type arguments written on the creation say the element type, not the field’s: a Rebate, not reached from Fee.charge', async () => {
    assertNotFlagged(await repo.gate(repo.branch('loyal', { 'src/pay/Fees.java': edit(fees, 'a - 1', 'a - 2') }), { roots: ['*.processPayment'] }));
    const g = await callGraphOf(files);
    assert.deepEqual([...(g.calls.get('src.pay.Fees.Fees.Rebate.charge') ?? [])], ['src.pay.Fees.Fees.loyal']);
  });
});

describe('Java function objects a library method runs', () => {
  const settlement = [
    'package pay;',
    '',
    'import java.math.BigDecimal;',
    'import java.util.List;',
    'import java.util.Map;',
    'import java.util.Optional;',
    'import java.util.concurrent.CompletableFuture;',
    'import java.util.concurrent.ExecutorService;',
    '',
    'public class Settlement {',
    '    void settle(BigDecimal a) { a.abs(); }',
    '',
    '    BigDecimal charge(BigDecimal a) { return a.negate(); }',
    '',
    '    BigDecimal load(String k) { return new BigDecimal(k); }',
    '',
    '    static BigDecimal fee(BigDecimal a) { return a.plus(); }',
    '',
    '    public void processPayment(ExecutorService ex, List<BigDecimal> xs, Optional<BigDecimal> o, Map<String, BigDecimal> m, BigDecimal a) {',
    '        ex.submit(() -> settle(a));',
    '        CompletableFuture.supplyAsync(() -> charge(a));',
    '        xs.forEach(this::settle);',
    '        xs.stream().map(Settlement::fee);',
    '        o.ifPresent(this::settle);',
    '        m.computeIfAbsent("k", this::load);',
    '    }',
    '}',
    '',
  ].join('\n');
  const jobs = [
    'package pay;',
    '',
    'import java.math.BigDecimal;',
    'import java.util.ArrayList;',
    'import java.util.List;',
    'import java.util.concurrent.ExecutorService;',
    'import java.util.function.Consumer;',
    '',
    'public class Jobs {',
    '    private final Consumer<BigDecimal> sink = x -> record(x);',
    '    private final Consumer<String> names = s -> rename(s);',
    '    private final Runnable tick = this::tock;',
    '    private final List<Runnable> later = new ArrayList<>();',
    '',
    '    static void record(BigDecimal x) { x.abs(); }',
    '',
    '    static void rename(String s) { s.trim(); }',
    '',
    '    void tock() { later.clear(); }',
    '',
    '    public void settlePayment(ExecutorService ex, List<BigDecimal> xs) {',
    '        ex.submit(new SettleJob());',
    '        ex.execute(tick);',
    '        xs.forEach(sink);',
    '        later.add(new AuditJob());',
    '    }',
    '}',
    '',
  ].join('\n');
  const files = {
    'src/pay/Settlement.java': settlement,
    'src/pay/Jobs.java': jobs,
    'src/pay/SettleJob.java': 'package pay;\n\npublic class SettleJob implements Runnable {\n    public void run() { settle(); }\n\n    void settle() { }\n}\n',
    'src/pay/AuditJob.java': 'package pay;\n\npublic class AuditJob implements Runnable {\n    public void run() { audit(); }\n\n    void audit() { }\n}\n',
  };
  const roots = ['*.processPayment', '*.settlePayment'];
  const P = 'src.pay';
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('a lambda’s calls and a referenced method handed to a library call are the enclosing method’s', async () => {
    const r = await repo.gate(repo.branch('fee', { 'src/pay/Settlement.java': edit(settlement, 'a.plus()', 'a.abs()') }), { roots });
    assertPath(r, [`${P}.Settlement.Settlement.processPayment`, `${P}.Settlement.Settlement.fee`], 'head');
    const g = await callGraphOf(files);
    assert.deepEqual(
      callees(g, `${P}.Settlement.Settlement.processPayment`).filter((id) => !id.endsWith('.fee')),
      [`${P}.Settlement.Settlement.charge`, `${P}.Settlement.Settlement.load`, `${P}.Settlement.Settlement.settle`],
    );
  });

  it('a repository Runnable handed to executor.submit: its run is called for the caller', async () => {
    const r = await repo.gate(
      repo.branch('settle-job', { 'src/pay/SettleJob.java': files['src/pay/SettleJob.java'].replace('void settle() { }', 'void settle() { int x = 1; }') }),
      {
        roots,
      },
    );
    assertPath(r, [`${P}.Jobs.Jobs.settlePayment`, `${P}.SettleJob.SettleJob.run`, `${P}.SettleJob.SettleJob.settle`], 'head');
  });

  it('a field holding a library functional interface handed to a library call: what was converted to it', async () => {
    const g = await callGraphOf(files);
    const out = callees(g, `${P}.Jobs.Jobs.settlePayment`);
    for (const id of [`${P}.Jobs.Jobs.record`, `${P}.Jobs.Jobs.tock`]) assert.ok(out.includes(id), out.join('\n'));
  });

  it('a Runnable only stored (list.add), and a Consumer of other type arguments, are not reached', async () => {
    assertNotFlagged(
      await repo.gate(
        repo.branch('audit-job', { 'src/pay/AuditJob.java': files['src/pay/AuditJob.java'].replace('void audit() { }', 'void audit() { int x = 1; }') }),
        {
          roots,
        },
      ),
    );
    const out = callees(await callGraphOf(files), `${P}.Jobs.Jobs.settlePayment`);
    assert.ok(!out.includes(`${P}.Jobs.Jobs.rename`) && !out.includes(`${P}.AuditJob.AuditJob.run`), out.join('\n'));
  });
});
