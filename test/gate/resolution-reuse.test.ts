import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { FileFacts } from '../../src/gate/facts.js';
import { buildCallGraph, GraphCaches } from '../../src/gate/graph.js';
import { shapeOf } from '../../src/gate/resolution-reuse.js';
import { languageOf, type SourceFile } from '../../src/gate/sources.js';
import type { CallGraph } from '../../src/gate/types.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resolution-reuse-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const sources = (files: Record<string, string>): SourceFile[] =>
  Object.entries(files)
    .filter(([p]) => languageOf(p) !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, text]) => ({ path: p, text, hash: createHash('sha1').update(text).digest('hex'), language: languageOf(p)! }));

/** A graph as comparable data: definitions with their lines, edges with whether each was found by name only. */
function plain(g: CallGraph): unknown {
  const edges = (m: Map<string, Set<string>>): [string, string[]][] =>
    [...m].map(([from, tos]): [string, string[]] => [from, [...tos].sort()]).sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    defs: [...g.defs.values()].map((d) => `${d.id} ${d.kind} ${d.file}:${d.startLine}-${d.endLine}`).sort(),
    calls: edges(g.calls),
    nameOnly: edges(g.nameOnly),
    reads: edges(g.reads),
  };
}

/** The graph of `files` built with the cache in `dir`, checked against one built with no cache at all. */
async function build(dir: string, files: Record<string, string>): Promise<{ graph: CallGraph; reused: number }> {
  const caches = new GraphCaches(dir);
  const graph = await buildCallGraph(sources(files), caches);
  caches.save();
  assert.deepEqual(plain(graph), plain(await buildCallGraph(sources(files), new GraphCaches(undefined))), 'the same graph as without any cache');
  return { graph, reused: caches.stats.resolutionsReused };
}

const hasCall = (g: CallGraph, from: string, to: string): boolean => g.calls.get(from)?.has(to) === true;

const python: Record<string, string> = {
  'bank/__init__.py': '',
  'bank/rates.py': ['RATE = 3', '', 'def rate(x):', '    return x * RATE', '', 'def fee(x):', '    return x + 1', ''].join('\n'),
  'bank/loans.py': [
    'from bank.rates import rate, fee',
    '',
    'HANDLERS = {"a": rate}',
    '',
    'class Loan:',
    '    def interest(self, x):',
    '        return HANDLERS["a"](x)',
    '',
    'def approve_loan(x):',
    '    total = 0',
    '    return Loan().interest(x) + total',
    '',
  ].join('\n'),
};

const go: Record<string, string> = {
  'rates/rates.go': ['package rates', '', 'func Rate(x int) int {', '\treturn x * 3', '}', '', 'func Fee(x int) int {', '\treturn x + 1', '}', ''].join('\n'),
  'loans/loans.go': [
    'package loans',
    '',
    'import "example.com/bank/rates"',
    '',
    'type Loan struct{}',
    '',
    'func (l *Loan) Interest(x int) int {',
    '\treturn rates.Rate(x)',
    '}',
    '',
    'func ApproveLoan(x int) int {',
    '\ttotal := 0',
    '\tl := &Loan{}',
    '\treturn l.Interest(x) + total',
    '}',
    '',
  ].join('\n'),
};

const java: Record<string, string> = {
  'src/bank/Rates.java': [
    'package bank;',
    '',
    'public class Rates {',
    '  public static int rate(int x) { return x * 3; }',
    '  public static int fee(int x) { return x + 1; }',
    '}',
    '',
  ].join('\n'),
  'src/bank/Loans.java': [
    'package bank;',
    '',
    'public class Loans {',
    '  public int interest(int x) { return Rates.rate(x); }',
    '  public int approveLoan(int x) {',
    '    int total = 0;',
    '    return interest(x) + total;',
    '  }',
    '}',
    '',
  ].join('\n'),
};

/** Per language: the file to edit, an edit no resolution can see (lines and a literal), and one adding a call (with the edge it adds). */
const cases = [
  {
    name: 'Python',
    files: python,
    file: 'bank/loans.py',
    neutral: (t: string) => t.replace('    total = 0\n', '    # two lines more\n\n    total = 7\n'),
    newCall: (t: string) => t.replace('    total = 0\n', '    total = fee(x)\n'),
    edge: ['bank.loans.approve_loan', 'bank.rates.fee'],
  },
  {
    name: 'Go',
    files: go,
    file: 'loans/loans.go',
    neutral: (t: string) => t.replace('\ttotal := 0\n', '\t// two lines more\n\n\ttotal := 7\n'),
    newCall: (t: string) => t.replace('\ttotal := 0\n', '\ttotal := rates.Fee(x)\n'),
    edge: ['loans.loans.ApproveLoan', 'rates.rates.Fee'],
  },
  {
    name: 'Java',
    files: java,
    file: 'src/bank/Loans.java',
    neutral: (t: string) => t.replace('    int total = 0;\n', '    // two lines more\n\n    int total = 7;\n'),
    newCall: (t: string) => t.replace('    int total = 0;\n', '    int total = Rates.fee(x);\n'),
    edge: ['src.bank.Loans.Loans.approveLoan', 'src.bank.Rates.Rates.fee'],
  },
];

describe('reusing a resolution when nothing it reads changed', () => {
  it("a file's shape ignores the lines of its definitions, bindings and imports, and nothing else", () => {
    const facts: FileFacts = {
      language: 'python',
      module: 'm',
      lineCount: 10,
      scopes: [{ name: 'f', kind: 'function', start: 3, end: 5, calls: ['g'], refs: [] }],
      classes: [],
      imports: [{ local: 'g', module: 'n', name: 'g', line: 1 }],
      bindings: [{ name: 'X', start: 2, end: 2 }],
    };
    const moved: FileFacts = {
      ...facts,
      lineCount: 14,
      scopes: [{ ...facts.scopes[0]!, start: 7, end: 9 }],
      imports: [{ ...facts.imports[0]!, line: 3 }],
      bindings: [{ name: 'X', start: 5, end: 6 }],
    };
    assert.equal(shapeOf(moved), shapeOf(facts));
    for (const changed of [
      { ...facts, scopes: [{ ...facts.scopes[0]!, calls: ['h'] }] },
      { ...facts, imports: [{ ...facts.imports[0]!, local: 'h' }] },
      { ...facts, bindings: [{ name: 'Y', start: 2, end: 2 }] },
      { ...facts, module: 'm2' },
      // a name that is also a position field's name, as a key of Go's records, is read like any other
      { ...facts, go: { types: {}, funcs: { start: { params: [], results: [] } }, vars: {}, bodies: {} } },
    ]) {
      assert.notEqual(shapeOf(changed), shapeOf(facts), JSON.stringify(changed));
    }
    const withGo = { ...facts, go: { types: {}, funcs: { start: { params: [], results: [] } }, vars: {}, bodies: {} } };
    assert.notEqual(shapeOf({ ...withGo, go: { ...withGo.go, funcs: { start: { params: [null], results: [] } } } }), shapeOf(withGo));
  });

  for (const c of cases) {
    it(`${c.name}: an edit that moves lines and changes a literal replays the resolution; one that adds a call resolves again`, async () => {
      const dir = mkdtempSync(path.join(tmp, 'cache-'));
      const cold = await build(dir, c.files);
      assert.equal(cold.reused, 0);
      const [from, to] = c.edge as [string, string];
      assert.ok(!hasCall(cold.graph, from, to));

      const neutral = await build(dir, { ...c.files, [c.file]: c.neutral(c.files[c.file]!) });
      assert.equal(neutral.reused, 1, 'the resolution is replayed');
      // the definitions come from this revision's facts: the lines moved
      const approve = [...neutral.graph.defs.values()].find((d) => d.id === from)!;
      const before = [...cold.graph.defs.values()].find((d) => d.id === from)!;
      assert.equal(approve.endLine, before.endLine + 2);

      const added = await build(dir, { ...c.files, [c.file]: c.newCall(c.files[c.file]!) });
      assert.equal(added.reused, 0, 'a new call is resolved');
      assert.ok(hasCall(added.graph, from, to), `${from} → ${to}`);
    });
  }

  it('a stored resolution that is malformed, or edited, is not replayed', async () => {
    const dir = mkdtempSync(path.join(tmp, 'cache-'));
    await build(dir, python);
    const edited = { ...python, 'bank/loans.py': python['bank/loans.py']!.replace('    total = 0\n', '    total = 1\n') };
    const stored = (): string[] => readdirSync(dir).filter((f) => f.includes('-resolution-'));
    assert.equal(stored().length, 1);
    const file = path.join(dir, stored()[0]!);
    const good = readFileSync(file, 'utf8');
    // rows naming ids the table does not have, then a row that is not numbers
    for (const bad of [good.replace(/"calls":\[\[/, '"calls":[[999999,'), good.replace(/"reads":\[/, '"reads":[["x"],')]) {
      assert.notEqual(bad, good);
      writeFileSync(file, bad);
      assert.equal((await build(dir, edited)).reused, 0);
      writeFileSync(file, good);
    }
    // a well-formed one that says otherwise is used only with no key to check it by: under a key, its MAC does not verify
    process.env.BULWARK_GATE_CACHE_KEY = 'k'.repeat(40);
    try {
      const keyed = mkdtempSync(path.join(tmp, 'cache-'));
      await build(keyed, python);
      const f = path.join(
        keyed,
        readdirSync(keyed).find((n) => n.includes('-resolution-'))!,
      );
      const text = readFileSync(f, 'utf8');
      writeFileSync(f, text.replace('bank.rates.rate', 'bank.rates.fee'));
      assert.equal((await build(keyed, edited)).reused, 0);
    } finally {
      delete process.env.BULWARK_GATE_CACHE_KEY;
    }
  });
});
