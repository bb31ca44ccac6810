import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { FileFacts } from '../../src/gate/facts.js';
import { extractGo } from '../../src/gate/go/extract.js';
import { buildCallGraph, GraphCaches } from '../../src/gate/graph.js';
import { extractJava } from '../../src/gate/java/extract.js';
import { extractPython } from '../../src/gate/python/extract.js';
import { shapeOf } from '../../src/gate/resolution-reuse.js';
import { languageOf, type SourceFile } from '../../src/gate/sources.js';
import type { CallGraph } from '../../src/gate/types.js';
import { SUITES_DIR } from './suite-score.js';

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
  // `obj` has no known value: the call is resolved by name only
  'bank/settle.py': ['class Ledger:', '    def settle(self, x):', '        return x', '', 'def handle(obj):', '    return obj.settle(1)', ''].join('\n'),
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

/**
 * At the line `marker` (which assigns 0): an edit no resolution can see (a comment, a blank line,
 * another literal) and one that makes the value a call.
 */
const edits = (marker: string, comment: string, call: string) => ({
  neutral: (t: string) => t.replace(marker, `${/^\s*/.exec(marker)![0]}${comment} two lines more\n\n${marker.replace('0', '7')}`),
  newCall: (t: string) => t.replace(marker, marker.replace('0', call)),
});

/** Per language: the file to edit, the two edits, and the edge the call adds. */
const cases = [
  { name: 'Python', files: python, file: 'bank/loans.py', ...edits('    total = 0\n', '#', 'fee(x)'), edge: ['bank.loans.approve_loan', 'bank.rates.fee'] },
  { name: 'Go', files: go, file: 'loans/loans.go', ...edits('\ttotal := 0\n', '//', 'rates.Fee(x)'), edge: ['loans.loans.ApproveLoan', 'rates.rates.Fee'] },
  {
    name: 'Java',
    files: java,
    file: 'src/bank/Loans.java',
    ...edits('    int total = 0;\n', '//', 'Rates.fee(x)'),
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
      if (c.name === 'Python') assert.ok(cold.graph.nameOnly.get('bank.settle.handle')?.has('bank.settle.Ledger.settle'), 'a call found by name only');

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

  it('head after base in one run replays from memory, with no cache folder', async () => {
    const caches = new GraphCaches(undefined);
    const base = await buildCallGraph(sources(python), caches);
    const headFiles = { ...python, 'bank/loans.py': python['bank/loans.py']!.replace('    total = 0\n', '\n    total = 1\n') };
    const head = await buildCallGraph(sources(headFiles), caches);
    assert.equal(caches.stats.resolutionsReused, 1);
    assert.deepEqual(plain(head), plain(await buildCallGraph(sources(headFiles), new GraphCaches(undefined))));
    assert.notDeepEqual(plain(head), plain(base), 'the definitions moved');
  });

  it("every language's key covers every language's files: a call added in Go resolves Python again too", async () => {
    const dir = mkdtempSync(path.join(tmp, 'cache-'));
    const both = { ...python, ...go };
    const goFile = 'loans/loans.go';
    const bothCase = cases.find((c) => c.name === 'Go')!;
    assert.equal((await build(dir, both)).reused, 0);
    assert.equal((await build(dir, { ...both, [goFile]: bothCase.neutral(go[goFile]!) })).reused, 2, 'both replayed');
    assert.equal((await build(dir, { ...both, [goFile]: bothCase.newCall(go[goFile]!) })).reused, 0, 'neither replayed');
  });

  it('a stored resolution or graph made by other code is not used: a changed gate module changes the code version', async () => {
    const dir = mkdtempSync(path.join(tmp, 'cache-'));
    await build(dir, python);
    const edited = { ...python, 'bank/loans.py': python['bank/loans.py']!.replace('    total = 0\n', '    total = 2\n') };
    for (const f of readdirSync(dir).filter((n) => n.includes('-resolution-') || n.includes('-graph-'))) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      assert.match(text, /"code":"[0-9a-f]{64}"/);
      writeFileSync(path.join(dir, f), text.replace(/"code":"[0-9a-f]{64}"/, `"code":"${'0'.repeat(64)}"`));
    }
    const caches = new GraphCaches(dir);
    await buildCallGraph(sources(python), caches);
    assert.equal(caches.stats.graphsReused, 0, 'the graph of the same files is built again');
    assert.equal(caches.stats.resolutionsReused, 0);
    assert.equal((await build(dir, edited)).reused, 1, 'what this code stored is used');

    // the version is a digest of the gate's compiled modules: a copy of them, then one resolver edited
    const copy = path.join(mkdtempSync(path.join(tmp, 'code-')), 'gate');
    const gateDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src/gate');
    cpSync(gateDir, copy, { recursive: true });
    const versionOf = (): string => {
      const r = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(copy, 'code-version.js'))}); console.log(m.gateCodeVersion());`],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    const v1 = versionOf();
    assert.equal(versionOf(), v1);
    const resolver = path.join(copy, 'go', 'resolve.js');
    assert.ok(statSync(resolver).isFile());
    writeFileSync(resolver, readFileSync(resolver, 'utf8') + '\n// changed\n');
    assert.notEqual(versionOf(), v1);
  });

  it('on every suite file, lines added above change no shape, and every other value of the facts changes it', async () => {
    const extractors: Record<string, (file: string, text: string) => Promise<FileFacts>> = { '.py': extractPython, '.go': extractGo, '.java': extractJava };
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (path.extname(e.name) in extractors) files.push(path.join(d, e.name));
      }
    };
    for (const lang of ['python', 'go', 'java']) walk(path.join(SUITES_DIR, lang));
    assert.ok(files.length > 50, `${files.length} suite files`);
    const POSITIONS = /^(lineCount|scopes\.\d+\.(start|end)|imports\.\d+\.line|bindings\.\d+\.(start|end))$/;
    let leaves = 0;
    for (const file of files) {
      const extract = extractors[path.extname(file)]!;
      const rel = path.relative(SUITES_DIR, file);
      const text = readFileSync(file, 'utf8');
      const facts = await extract(rel, text);
      const shape = shapeOf(facts);
      assert.equal(shapeOf(await extract(rel, `\n\n${text}`)), shape, `${rel}: two lines added at the top`);
      // every leaf of the facts' JSON: a position changes nothing, anything else changes the shape
      const json = JSON.parse(JSON.stringify(facts)) as unknown;
      const visit = (node: unknown, at: string[]): void => {
        if (node !== null && typeof node === 'object') {
          for (const [k, v] of Object.entries(node)) visit(v, [...at, k]);
          return;
        }
        leaves++;
        const mutated = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
        let holder = mutated;
        for (const k of at.slice(0, -1)) holder = holder[k] as Record<string, unknown>;
        const key = at[at.length - 1]!;
        holder[key] = typeof node === 'number' ? node + 1 : typeof node === 'boolean' ? !node : typeof node === 'string' ? `${node}~` : 'x';
        const moved = shapeOf(mutated as unknown as FileFacts) === shape;
        assert.equal(moved, POSITIONS.test(at.join('.')), `${rel}: ${at.join('.')}`);
      };
      visit(json, []);
    }
    assert.ok(leaves > 1000, `${leaves} values checked`);
  });

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
