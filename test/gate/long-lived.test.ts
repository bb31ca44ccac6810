// A process that runs the gate again and again keeps what it parsed of the cache files while
// they are unchanged on disk. Its own file: keepStateAcrossRuns() lasts for the whole process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../src/domain/errors.js';
import { CACHE_FORMAT, confirmCacheWrites, flushCacheWrites, GraphStore, ParseCache } from '../../src/gate/cache.js';
import { GitBatch } from '../../src/gate/git-batch.js';
import { forgetRetainedTexts } from '../../src/gate/retained-texts.js';
import { buildCallGraph } from '../../src/gate/graph.js';
import { evaluateGate, GraphCaches, keepStateAcrossRuns } from '../../src/gate/index.js';
import type { SourceFile } from '../../src/gate/sources.js';
import { VIRTUAL_ROOT } from '../../src/gate/ts/compiler.js';
import { retainedSourceFiles } from '../../src/gate/ts/analyze.js';
import { ALIASED_FEES, edit, FixtureRepo, REALIASED_FEES } from './fixture.js';

const files: Record<string, string> = {
  'web/pay.ts': ["import { fee } from './fee.js';", 'export function processPayment(x: number): number {', '  return fee(x);', '}', ''].join('\n'),
  'web/fee.ts': ['export function fee(x: number): number {', '  return x + 1;', '}', ''].join('\n'),
  'web/banner.ts': ['export function banner(x: number): string {', '  return `hi ${x}`;', '}', ''].join('\n'),
  'web/tax.ts': ['export function tax(x: number): number {', '  return x * 2;', '}', ''].join('\n'),
};

/** pay.ts → fee.ts → rate.ts: a change to fee.ts is walked with rate.ts held as an outline, for context. */
const RATE_CHAIN: Readonly<Record<string, string>> = {
  'web/pay.ts': ["import { fee } from './fee.js';", 'export function processPayment(x: number): number {', '  return fee(x);', '}', ''].join('\n'),
  'web/fee.ts': ["import { Rates } from './rate.js';", 'export function fee(x: number): number {', '  return new Rates().rate(x) + 1;', '}', ''].join('\n'),
  'web/rate.ts': ['export class Rates {', '  rate(x: number): number {', '    return x * 2;', '  }', '}', ''].join('\n'),
};

/** Heads that each change fee.ts's constant, and a run of one that says its paths and how many parses an earlier run gave it. */
function feeEdits(
  repo: FixtureRepo,
  prefix: string,
  n: number,
): { heads: string[]; run: (head: string) => Promise<{ nodes: string[][]; kept: number | undefined }> } {
  const heads = Array.from({ length: n }, (_, i) =>
    repo.branch(`${prefix}${i + 2}`, { 'web/fee.ts': edit(RATE_CHAIN['web/fee.ts']!, ') + 1;', `) + ${i + 2};`) }),
  );
  const run = async (head: string) => {
    const caches = new GraphCaches(undefined);
    const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: { roots: ['*.processPayment'] }, caches });
    return { nodes: r.paths.map((p) => p.nodes), kept: caches.stats.tsParsesKept };
  };
  return { heads, run };
}

describe('a long-lived process keeps parsed cache files while they are unchanged on disk', () => {
  let dir: string;
  before(() => {
    keepStateAcrossRuns();
    dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-kept-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves an unchanged pack once parsed, frozen, and reads it again once another run appended to or replaced it', () => {
    const first = new ParseCache<{ n: number[] }>(dir, 'kept');
    first.set('a', { n: [1] });
    first.save();
    const a1 = new ParseCache<{ n: number[] }>(dir, 'kept').get('a')!;
    const a2 = new ParseCache<{ n: number[] }>(dir, 'kept').get('a')!;
    assert.deepEqual(a1, { n: [1] });
    assert.equal(a1, a2, 'the second run got what the first parsed');
    assert.ok(Object.isFrozen(a1) && Object.isFrozen(a1.n));
    assert.throws(() => a1.n.push(2), TypeError, 'a kept entry cannot be changed for the runs after');

    // a run appends to the journal: the next sees the new entry
    const second = new ParseCache<{ n: number[] }>(dir, 'kept');
    second.set('b', { n: [2] });
    second.save();
    assert.ok(readdirSync(dir).some((n) => n.endsWith('-kept.journal')));
    assert.deepEqual(new ParseCache<{ n: number[] }>(dir, 'kept').get('b'), { n: [2] });
    // and appends to the journal it has just read and kept: the next run sees that entry too
    const third = new ParseCache<{ n: number[] }>(dir, 'kept');
    third.set('c', { n: [3] });
    third.save();
    const afterAppend = new ParseCache<{ n: number[] }>(dir, 'kept');
    assert.deepEqual([afterAppend.get('b'), afterAppend.get('c')], [{ n: [2] }, { n: [3] }]);

    // another process replaces the pack (a rename, as every writer does): the next run reads the new one
    const pack = path.join(dir, `${CACHE_FORMAT}-kept.json`);
    writeFileSync(`${pack}.tmp`, JSON.stringify({ format: CACHE_FORMAT, entries: [['a', { n: [7] }]] }));
    renameSync(`${pack}.tmp`, pack);
    rmSync(path.join(dir, `${CACHE_FORMAT}-kept.journal`));
    const after = new ParseCache<{ n: number[] }>(dir, 'kept');
    assert.deepEqual(after.get('a'), { n: [7] });
    assert.equal(after.get('b'), undefined, 'nothing of the replaced pack or the removed journal is left');
  });

  it('a stored graph it read stays kept after its times are touched, and a graph written again is read again', () => {
    const store = new GraphStore<{ v: number }>(dir);
    store.set('k', { v: 1 });
    // in a long-lived process a graph waits in memory until the run writes it
    assert.deepEqual(new GraphStore<{ v: number }>(dir).get('k'), { v: 1 });
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('-graph-')),
      [],
    );
    // nor before the run that built it has confirmed the texts it read
    flushCacheWrites();
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.includes('-graph-')),
      [],
    );
    confirmCacheWrites();
    flushCacheWrites();
    const g1 = store.get('k')!;
    assert.ok(Object.isFrozen(g1), 'read from the file, and kept');
    // reading touches the file (newest-first pruning), which changes its identity: still kept
    assert.equal(new GraphStore<{ v: number }>(dir).get('k'), g1);
    store.set('k', { v: 2 });
    confirmCacheWrites();
    flushCacheWrites();
    assert.deepEqual(new GraphStore<{ v: number }>(dir).get('k'), { v: 2 });
    assert.equal(new GraphStore<{ v: number }>(dir).get('missing'), undefined);
  });

  it('decides every edit of a sequence as a run without any cache does, with one cache folder for all of them', async () => {
    const repo = new FixtureRepo(files);
    const cacheDir = path.join(dir, 'gate');
    try {
      const config = { roots: ['*.processPayment'] };
      const heads = [
        repo.branch('e1', { 'web/fee.ts': edit(files['web/fee.ts']!, 'x + 1', 'x + 2') }),
        repo.branch('e2', { 'web/banner.ts': edit(files['web/banner.ts']!, 'hi', 'hello') }),
        // a new call: the tax function is on a path from the root from here on
        repo.branch('e3', {
          'web/fee.ts': edit(files['web/fee.ts']!, 'return x + 1;', 'return tax(x);').replace(
            'export function fee',
            "import { tax } from './tax.js';\nexport function fee",
          ),
          'web/tax.ts': edit(files['web/tax.ts']!, 'x * 2', 'x * 3'),
        }),
        repo.branch('e4', { 'web/tax.ts': edit(files['web/tax.ts']!, 'x * 2', 'x * 4') }),
      ];
      for (const head of [...heads, ...heads]) {
        const caches = new GraphCaches(cacheDir);
        const kept = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config, caches });
        const fresh = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config, cacheDir: null });
        assert.deepEqual(kept, fresh, `head ${head}`);
      }
      const decided = await Promise.all(heads.map((head) => evaluateGate({ repoDir: repo.dir, base: 'main', head, config, cacheDir })));
      assert.deepEqual(
        decided.map((r) => r.flagged),
        [true, false, true, false],
        'fee is on the path; banner is not; tax is reached only once fee calls it',
      );
    } finally {
      repo.remove();
    }
  });

  it('once the compiler is loaded, reads after an edit the texts its programs hold, together, not every TypeScript file', async () => {
    const fillers = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`web/filler${i}.ts`, `export function filler${i}(x: number): number {\n  return x + ${i};\n}\n`]),
    );
    const repo = new FixtureRepo({ ...files, ...fillers });
    const cacheDir = path.join(dir, 'planned');
    try {
      const config = { roots: ['*.processPayment'] };
      const first = repo.branch('t1', { 'web/fee.ts': edit(files['web/fee.ts']!, 'x + 1', 'x + 7') });
      await evaluateGate({ repoDir: repo.dir, base: 'main', head: first, config, cacheDir });
      // a commit on top, as a developer's next edit is
      repo.git('checkout', '-q', 't1');
      repo.write({ 'web/fee.ts': edit(files['web/fee.ts']!, 'x + 1', 'x + 8') });
      const second = repo.commitAll('t2');
      repo.git('checkout', '-q', 'main');
      const caches = new GraphCaches(cacheDir);
      const warm = await evaluateGate({ repoDir: repo.dir, base: 'main', head: second, config, caches });
      assert.deepEqual(warm, await evaluateGate({ repoDir: repo.dir, base: 'main', head: second, config, cacheDir: null }));
      assert.equal(warm.flagged, true);
      // web/fee.ts of each revision, then its caller web/pay.ts (re-analysed: what fee is changed),
      // planned into the program: not the other ten TypeScript files; of those three, the new
      // web/fee.ts from git, the two the first run read kept from it (and checked against git)
      assert.equal(caches.stats.blobsRead! + caches.stats.blobsRetained!, 3);
      assert.equal(caches.stats.blobsRead, 1);
      assert.equal(caches.stats.blobsReadAlone, 0);
    } finally {
      repo.remove();
    }
  });

  it("decodes the base's stored graph once for a sequence of edits, and decides each as a run without any cache", async () => {
    const repo = new FixtureRepo(files);
    const cacheDir = path.join(dir, 'decoded');
    try {
      const config = { roots: ['*.processPayment'] };
      const heads = ['x + 11', 'x + 12', 'x + 13'].map((to, i) => repo.branch(`d${i}`, { 'web/fee.ts': edit(files['web/fee.ts']!, 'x + 1', to) }));
      const decodedBefore: (number | undefined)[] = [];
      for (const head of heads) {
        const caches = new GraphCaches(cacheDir);
        const kept = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config, caches });
        decodedBefore.push(caches.stats.graphsDecodedBefore);
        assert.deepEqual(kept, await evaluateGate({ repoDir: repo.dir, base: 'main', head, config, cacheDir: null }), `head ${head}`);
      }
      // the first run builds and stores the base's graph, the second decodes it, the third reuses that
      assert.deepEqual(decodedBefore, [undefined, undefined, 1]);
    } finally {
      repo.remove();
    }
  });

  it("gives a graph it decoded for later runs none of a run's sources once that run is over", async () => {
    const cacheDir = path.join(dir, 'sources-dropped');
    const source = (): SourceFile => ({ path: 'app/pay.py', text: 'def fee(a):\n    return a * 2\n', hash: 'a'.repeat(40), language: 'python' });
    const first = new GraphCaches(cacheDir);
    await buildCallGraph([source()], first);
    first.save();
    confirmCacheWrites();
    flushCacheWrites();
    const second = new GraphCaches(cacheDir);
    const graph = await buildCallGraph([source()], second);
    assert.equal(second.stats.graphsReused, 1);
    assert.equal(graph.files.size, 1, "the run reads its own sources' texts through the graph");
    second.save();
    // kept for the next run, the graph must not keep this run's texts (nor, through them, its reads) alive
    assert.equal(graph.files.size, 0);
    const third = new GraphCaches(cacheDir);
    const again = await buildCallGraph([source()], third);
    assert.equal(third.stats.graphsDecodedBefore, 1);
    assert.equal(again.files.get('app/pay.py')?.text, 'def fee(a):\n    return a * 2\n');
    third.abandon();
    assert.equal(again.files.size, 0, 'nor after a run made again');
  });

  it("keeps module resolutions from run to run, and resolves with each run's own aliases", async () => {
    const repo = new FixtureRepo(ALIASED_FEES);
    try {
      const config = { roots: ['*.processPayment'] };
      const viaLib = repo.branch('lib-edit', { 'lib/fee.ts': edit(ALIASED_FEES['lib/fee.ts']!, 'x + 1', 'x + 5') });
      const realiased = repo.branch('realias', REALIASED_FEES);
      const resolved: (number | undefined)[] = [];
      const nodes = async (head: string) => {
        const caches = new GraphCaches(undefined);
        const r = await evaluateGate({ repoDir: repo.dir, base: 'main', head, config, caches });
        resolved.push(caches.stats.tsImportsResolved);
        return r.paths.map((p) => p.nodes);
      };
      assert.deepEqual(await nodes(viaLib), [['web.pay.processPayment', 'lib.fee.charge']]);
      // the same files, so this run keeps the last one's resolutions: not those made under other aliases
      assert.deepEqual(await nodes(realiased), [['web.pay.processPayment', 'alt.fee.charge']]);
      assert.deepEqual(await nodes(viaLib), [['web.pay.processPayment', 'lib.fee.charge']]);
      // the first run resolved pay.ts's import; the second resolved it again under the new alias;
      // the third found both kept
      assert.deepEqual(resolved, [1, 1, undefined]);
    } finally {
      repo.remove();
    }
  });

  it('keeps the library parsed and bound from run to run, and nothing of the repository', async () => {
    const repo = new FixtureRepo(files);
    try {
      const head = repo.branch('lib', { 'web/fee.ts': edit(files['web/fee.ts']!, 'x + 1', 'x + 5') });
      const run = () => evaluateGate({ repoDir: repo.dir, base: 'main', head, config: { roots: ['*.processPayment'] }, cacheDir: null });
      await run();
      const first = new Map(retainedSourceFiles());
      assert.ok(
        [...first.keys()].some((k) => k.includes('lib.es5.d.ts')),
        [...first.keys()].join(', '),
      );
      assert.ok(![...first.keys()].some((k) => k.startsWith(VIRTUAL_ROOT)), 'no file of the repository is shared with the next run as the library is');
      await run();
      const second = retainedSourceFiles();
      for (const [k, sf] of first) assert.equal(second.get(k), sf, `${k} was parsed again`);
    } finally {
      repo.remove();
    }
  });

  it('takes a file the last run held for context as it parsed it, only when the text the run takes is the one it parsed', async () => {
    const repo = new FixtureRepo(RATE_CHAIN);
    try {
      const { heads, run } = feeEdits(repo, 'c', 3);
      const nodes = [['web.pay.processPayment', 'web.fee.fee']];
      assert.deepEqual((await run(heads[0]!)).nodes, nodes);
      // head's program holds rate.ts as an outline for context: the run before parsed it
      assert.deepEqual(await run(heads[1]!), { nodes, kept: 1 });
      // rate.ts as git now gives it, its text no longer kept (as when evicted): parsed again
      const rate = repo.git('rev-parse', 'main:web/rate.ts').trim();
      const other = execFileSync('git', ['-C', repo.dir, 'hash-object', '-w', '--stdin'], {
        input: edit(RATE_CHAIN['web/rate.ts']!, 'x * 2', 'x * 3'),
        encoding: 'utf8',
      }).trim();
      repo.git('replace', rate, other);
      forgetRetainedTexts();
      assert.deepEqual(await run(heads[2]!), { nodes, kept: undefined });
    } finally {
      repo.remove();
    }
  });

  it('keeps no parse of a file declaring global names, and the others also in a repository that has one', async () => {
    const repo = new FixtureRepo({
      ...RATE_CHAIN,
      // every program holds it, as context, and its declaration merges into the library's
      'web/augment.ts': ['declare global {', '  interface Array<T> {', '    total(): number;', '  }', '}', 'export {};', ''].join('\n'),
    });
    try {
      const { heads, run } = feeEdits(repo, 'g', 2);
      const nodes = [['web.pay.processPayment', 'web.fee.fee']];
      assert.deepEqual((await run(heads[0]!)).nodes, nodes);
      assert.deepEqual(await run(heads[1]!), { nodes, kept: 1 }, 'rate.ts again, augment.ts parsed anew');
      assert.ok(![...retainedSourceFiles().keys()].some((k) => !k.startsWith(VIRTUAL_ROOT)), 'nor the library, into which it merged');
    } finally {
      repo.remove();
    }
  });

  it('takes a text an earlier run read only as git gives it now: after a git replace of that blob the run is made again from git', async () => {
    const repo = new FixtureRepo(files);
    const objects = new GitBatch(repo.dir);
    try {
      const head = repo.branch('replaced', { 'web/fee.ts': edit(files['web/fee.ts']!, 'x + 1', 'x + 9') });
      const run = (batch: GitBatch, caches?: GraphCaches) =>
        evaluateGate({ repoDir: repo.dir, base: 'main', head, config: { roots: ['*.processPayment'] }, cacheDir: null, caches, objects: batch });
      assert.equal((await run(objects)).flagged, true, 'processPayment calls fee');
      // web/pay.ts as git now gives it: processPayment no longer calls fee
      const pay = repo.git('rev-parse', 'main:web/pay.ts').trim();
      const other = execFileSync('git', ['-C', repo.dir, 'hash-object', '-w', '--stdin'], {
        input: edit(files['web/pay.ts']!, 'return fee(x);', 'return x;'),
        encoding: 'utf8',
      }).trim();
      repo.git('replace', pay, other);
      // git reads replace refs once per process: a batch started after the replace, as a run's is
      const fresh = new GitBatch(repo.dir);
      try {
        const caches = new GraphCaches(undefined);
        const again = await run(fresh, caches);
        assert.equal(again.flagged, false, 'the kept text of web/pay.ts was not used');
        assert.equal(caches.stats.blobsRetained, 0, 'the run made again took nothing kept');
        forgetRetainedTexts();
        assert.deepEqual(again, await run(fresh), 'the same as a run with nothing kept');
      } finally {
        await fresh.close();
      }
    } finally {
      await objects.close();
      repo.remove();
    }
  });

  it('fails as a process of its own does when a blob it kept the text of is gone from the object store', async () => {
    const repo = new FixtureRepo(files);
    try {
      const head = repo.branch('gone', { 'web/fee.ts': edit(files['web/fee.ts']!, 'x + 1', 'x + 10') });
      const run = () => evaluateGate({ repoDir: repo.dir, base: 'main', head, config: { roots: ['*.processPayment'] }, cacheDir: null });
      await run();
      const pay = repo.git('rev-parse', 'main:web/pay.ts').trim();
      rmSync(path.join(repo.dir, '.git', 'objects', pay.slice(0, 2), pay.slice(2)));
      const failure = await run().then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(failure instanceof UsageError, String(failure));
      forgetRetainedTexts();
      await assert.rejects(run(), (err) => err instanceof UsageError && err.message === failure.message);
    } finally {
      repo.remove();
    }
  });

  it('drops the library after a run whose programs held global declarations, which merge into it', async () => {
    const repo = new FixtureRepo({
      ...files,
      'web/intl.ts': 'declare global {\n  namespace Intl {\n    const RelativeTimeFormat: number;\n  }\n}\nexport {};\n',
    });
    try {
      const head = repo.branch('global', { 'web/fee.ts': edit(files['web/fee.ts']!, 'x + 1', 'x + 6') });
      await evaluateGate({ repoDir: repo.dir, base: 'main', head, config: { roots: ['*.processPayment'] }, cacheDir: null });
      assert.equal(retainedSourceFiles().size, 0);
    } finally {
      repo.remove();
    }
  });
});
