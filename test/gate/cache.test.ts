import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CACHE_FORMAT, ParseCache } from '../../src/gate/cache.js';
import { evaluateGate, GraphCaches } from '../../src/gate/index.js';
import { edit, FixtureRepo } from './fixture.js';

const files: Record<string, string> = {};
for (let i = 0; i < 6; i++) files[`pkg/m${i}.py`] = [`def f${i}(x):`, `    return x + ${i}`, ''].join('\n');
files['pkg/pay.py'] = ['from pkg.m0 import f0', '', 'def process_payment(x):', '    return f0(x)', ''].join('\n');
files['web/index.ts'] = "export { b } from './b.js';\n";
files['web/a.ts'] = ["import { b } from './index.js';", 'export function processPayment(x: number): number {', '  return b(x);', '}', ''].join('\n');
files['web/b.ts'] = ['export function b(x: number): number {', '  return x + 1;', '}', ''].join('\n');
files['web/c.ts'] = ['export function c(x: number): number {', '  return x + 2;', '}', ''].join('\n');

describe('gate parse cache', () => {
  let repo: FixtureRepo;
  let cacheDir: string;
  before(() => {
    repo = new FixtureRepo(files);
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-cache-'));
  });
  after(() => {
    repo.remove();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('a warm run re-parses only the files that changed, and decides the same', async () => {
    const roots = { roots: ['*.process_payment', '*.processPayment'] };
    const h1 = repo.branch('one', { 'pkg/m0.py': edit(files['pkg/m0.py']!, 'x + 0', 'x + 10') });
    const cold = new GraphCaches(cacheDir);
    const r1 = await evaluateGate({ repoDir: repo.dir, base: 'main', head: h1, config: roots, caches: cold });
    assert.equal(r1.flagged, true);
    assert.equal(cold.stats.parsed, 8, 'cold: every Python file of base plus the changed one of head');
    assert.equal(cold.stats.tsAnalyses, 1, 'TS files are identical in base and head: one analysis');
    assert.ok(readdirSync(cacheDir).length > 0);

    // same change again: both whole graphs come from the store
    const again = new GraphCaches(cacheDir);
    const r2 = await evaluateGate({ repoDir: repo.dir, base: 'main', head: h1, config: roots, caches: again });
    assert.deepEqual(again.stats, {
      graphsReused: 2,
      parsed: 0,
      reused: 0,
      tsAnalyses: 0,
      tsReused: 0,
      tsFilesWalked: 0,
      tsFilesReused: 0,
      resolutionsReused: 0,
      // pkg/m0.py of both revisions, and the file of its caller (the signals read the caller's body)
      blobsRead: 3,
      blobsReadAlone: 0,
      // a process of its own keeps no text from run to run
      blobsRetained: 0,
    });
    assert.deepEqual(r2.paths, r1.paths);

    // a new change on top: only its files are parsed; TS edges are reused for files whose imports did not change
    repo.git('checkout', '-q', 'one');
    repo.write({ 'pkg/m3.py': edit(files['pkg/m3.py']!, 'x + 3', 'x + 30'), 'web/c.ts': edit(files['web/c.ts']!, 'x + 2', 'x + 20') });
    const h2 = repo.commitAll('two');
    repo.git('checkout', '-q', 'main');
    const warm = new GraphCaches(cacheDir);
    const r3 = await evaluateGate({ repoDir: repo.dir, base: 'main', head: h2, config: roots, caches: warm });
    assert.equal(warm.stats.graphsReused, 1, 'the base graph is reused');
    assert.equal(warm.stats.parsed, 1, 'only pkg/m3.py is parsed');
    assert.equal(warm.stats.tsFilesWalked, 1, 'only web/c.ts is re-analysed');
    assert.equal(warm.stats.tsFilesReused, 3);
    assert.equal(r3.flagged, true);

    // a change behind a re-export: the file importing through the index is analysed again when
    // what it sees of b.ts changes (a signature), and not for an edit inside b's annotated body
    const h3 = repo.branch('behind-index', { 'web/b.ts': edit(files['web/b.ts']!, 'b(x: number)', 'b(x: number, y = 1)') });
    const behind = new GraphCaches(cacheDir);
    const r4 = await evaluateGate({ repoDir: repo.dir, base: 'main', head: h3, config: roots, caches: behind });
    assert.equal(behind.stats.tsFilesWalked, 3, 'b.ts, the index re-exporting it, and a.ts importing through the index');
    assert.ok(
      r4.paths.some((p) => p.nodes.join(' > ') === 'web.a.processPayment > web.b.b'),
      JSON.stringify(r4.paths),
    );
    const h4 = repo.branch('inside-b', { 'web/b.ts': edit(files['web/b.ts']!, 'x + 1', 'x + 100') });
    const inside = new GraphCaches(cacheDir);
    const r5 = await evaluateGate({ repoDir: repo.dir, base: 'main', head: h4, config: roots, caches: inside });
    assert.equal(inside.stats.tsFilesWalked, 1, 'b.ts alone');
    assert.ok(
      r5.paths.some((p) => p.nodes.join(' > ') === 'web.a.processPayment > web.b.b'),
      JSON.stringify(r5.paths),
    );
  });

  it('with BULWARK_GATE_CACHE_KEY, files are used only when their MAC verifies under that key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-cache-mac-'));
    const roots = { roots: ['*.process_payment', '*.processPayment'] };
    const run = async (key: string | undefined): Promise<GraphCaches> => {
      if (key === undefined) delete process.env.BULWARK_GATE_CACHE_KEY;
      else process.env.BULWARK_GATE_CACHE_KEY = key;
      try {
        const c = new GraphCaches(dir);
        await evaluateGate({ repoDir: repo.dir, base: 'main', head: 'main', config: roots, caches: c });
        return c;
      } finally {
        delete process.env.BULWARK_GATE_CACHE_KEY;
      }
    };
    try {
      const key = 'k'.repeat(40);
      await run(key);
      assert.ok(readdirSync(dir).length > 0);
      const first = readdirSync(dir).find((f) => f.includes('graph'))!;
      assert.match(readFileSync(path.join(dir, first), 'utf8').split('\n')[0]!, /^[0-9a-f]{64}$/, 'the MAC is the first line');
      assert.equal((await run(key)).stats.graphsReused, 2, 'the same key reuses the graph (base and head)');
      // base and head are the same tree here: the head reuses what the base run just wrote
      for (const [other, why] of [
        ['x'.repeat(40), 'another key'],
        [undefined, 'no key'],
      ] as const) {
        const c = await run(other);
        assert.ok(
          c.stats.graphsReused <= 1 && c.stats.parsed > 0 && c.stats.reused === 0,
          `${why}: nothing of the old files is used (${JSON.stringify(c.stats)})`,
        );
      }
      // an entry edited without the key: ignored, and the run parses again
      await run(key);
      for (const f of readdirSync(dir)) {
        const text = readFileSync(path.join(dir, f), 'utf8');
        writeFileSync(path.join(dir, f), text.replace('process_payment', 'process_paymenX'));
      }
      const tampered = await run(key);
      assert.ok(tampered.stats.graphsReused <= 1, 'only what this run itself wrote');
      assert.ok(tampered.stats.parsed > 0 && tampered.stats.reused === 0, JSON.stringify(tampered.stats));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a corrupt cache is ignored, never trusted', async () => {
    // files of the current format with malformed contents are misses, not crashes
    for (const f of readdirSync(cacheDir)) {
      if (f.endsWith('.journal')) {
        writeFileSync(path.join(cacheDir, f), '5\n["k"]\n["k", null]\n{"scopes": 3}\n["k", {"scopes": 3}\n');
        continue;
      }
      const data = JSON.parse(readFileSync(path.join(cacheDir, f), 'utf8')) as { format: string; key?: string };
      const bad = f.includes('-graph-')
        ? { format: data.format, key: data.key, graph: { defs: 5, calls: [[1]], reads: [], unparsable: [] } }
        : { format: data.format, entries: [1, null, ['k'], ['k', null], ['k', { scopes: 3 }]] };
      writeFileSync(path.join(cacheDir, f), JSON.stringify(bad));
    }
    const malformed = new GraphCaches(cacheDir);
    const r0 = await evaluateGate({ repoDir: repo.dir, base: 'main', head: 'main', config: {}, caches: malformed });
    assert.equal(r0.flagged, false);
    assert.ok(malformed.stats.graphsReused <= 1, 'only the graph this run wrote for base, reused for the same head');
    assert.ok(malformed.stats.parsed > 0 && malformed.stats.reused === 0, JSON.stringify(malformed.stats));
    for (const f of readdirSync(cacheDir)) {
      writeFileSync(path.join(cacheDir, f), '{"format": "gate-v4", "entries": 5, "graph": null, "key": null}');
    }
    const c = new GraphCaches(cacheDir);
    const h = repo.branch('three', { 'pkg/m1.py': edit(files['pkg/m1.py']!, 'x + 1', 'x + 11') });
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head: h, config: {}, caches: c });
    assert.equal(r.flagged, false);
    assert.equal(c.stats.graphsReused, 0);
    assert.ok(c.stats.parsed >= 8);
  });
});

describe('parse cache packs and their journals', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-pack-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const pack = path.join(dir, `${CACHE_FORMAT}-t.json`);
  const journal = path.join(dir, `${CACHE_FORMAT}-t.journal`);
  const fill = (n: number, from = 0): ParseCache<{ v: number }> => {
    const c = new ParseCache<{ v: number }>(dir, 't');
    for (let i = from; i < from + n; i++) c.set(`k${i}`, { v: i });
    c.save();
    return c;
  };

  it('a few new entries go to the journal, the pack is not rewritten, and the next run sees both', () => {
    fill(200);
    assert.ok(!existsSync(journal), 'the first pack is written whole');
    const packBytes = readFileSync(pack);
    fill(3, 200);
    assert.deepEqual(readFileSync(pack), packBytes, 'the pack is untouched');
    assert.equal(readFileSync(journal, 'utf8').split('\n').filter(Boolean).length, 3);
    assert.equal((statSync(journal).mode & 0o777).toString(8), '600');
    const c = new ParseCache<{ v: number }>(dir, 't');
    assert.deepEqual(c.get('k0'), { v: 0 });
    assert.deepEqual(c.get('k202'), { v: 202 });
  });

  it('a torn line is skipped and does not swallow the next entry; a journal past an eighth of the pack is folded in', () => {
    appendFileSync(journal, '["k999", {"v": 9');
    fill(1, 300);
    const c = new ParseCache<{ v: number }>(dir, 't');
    assert.deepEqual(c.get('k300'), { v: 300 });
    assert.equal(c.get('k999'), undefined);
    fill(70, 400);
    assert.ok(!existsSync(journal), 'folded into the pack');
    const d = new ParseCache<{ v: number }>(dir, 't');
    for (const k of ['k1', 'k201', 'k300', 'k469']) assert.ok(d.get(k), k);
  });

  it('a rewritten pack removes the packs and journals of its kind in older formats, and nothing else', () => {
    const old = ['gate-v3-t.json', 'gate-v3-t.journal', 'gate-v9-t.json'];
    const kept = ['gate-v3-other.json', 'gate-v3-graph-abc.json', 'notes.txt'];
    for (const f of [...old, ...kept]) writeFileSync(path.join(dir, f), '{}');
    fill(100, 1000);
    const names = readdirSync(dir);
    for (const f of old) assert.ok(!names.includes(f), f);
    for (const f of kept) assert.ok(names.includes(f), f);
  });

  it('a journal that is a symlink is never written through', () => {
    fill(1, 500);
    rmSync(journal, { force: true });
    const target = path.join(dir, 'elsewhere');
    writeFileSync(target, '');
    symlinkSync(target, journal);
    fill(2, 600);
    assert.equal(readFileSync(target, 'utf8'), '', 'nothing written to the target');
    rmSync(journal);
  });

  it('under a key, a journal line whose MAC does not verify is ignored', () => {
    process.env.BULWARK_GATE_CACHE_KEY = 'k'.repeat(40);
    try {
      const keyed = path.join(dir, 'keyed');
      const c = new ParseCache<{ v: number }>(keyed, 't');
      for (let i = 0; i < 100; i++) c.set(`k${i}`, { v: i });
      c.save();
      const d = new ParseCache<{ v: number }>(keyed, 't');
      d.set('added', { v: 1 });
      d.save();
      const j = path.join(keyed, `${CACHE_FORMAT}-t.journal`);
      assert.match(readFileSync(j, 'utf8'), /^\n[0-9a-f]{64}\t\["added"/);
      appendFileSync(j, `${'0'.repeat(64)}\t["forged", {"v": 2}]\n["unsigned", {"v": 3}]\n`);
      const e = new ParseCache<{ v: number }>(keyed, 't');
      assert.deepEqual(e.get('added'), { v: 1 });
      assert.equal(e.get('forged'), undefined);
      assert.equal(e.get('unsigned'), undefined);
      // a signed pack or journal copied under another kind's name (or another format's) is not that kind's
      copyFileSync(j, path.join(keyed, `${CACHE_FORMAT}-u.journal`));
      copyFileSync(path.join(keyed, `${CACHE_FORMAT}-t.json`), path.join(keyed, `${CACHE_FORMAT}-u.json`));
      const other = new ParseCache<{ v: number }>(keyed, 'u');
      assert.equal(other.get('added'), undefined);
      assert.equal(other.get('k1'), undefined);
    } finally {
      delete process.env.BULWARK_GATE_CACHE_KEY;
    }
  });
});
