// Its own file, so its own process: the warm-up runs once per process, on the first analysis large enough.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { analyzeTypeScript, releaseParsedFiles, type TsAnalysisStats } from '../../src/gate/ts/analyze.js';
import { VIRTUAL_ROOT } from '../../src/gate/ts/compiler.js';
import { RetainedState } from '../../src/gate/ts/retained-state.js';
import { VirtualRepository } from '../../src/gate/ts/virtual-repository.js';
import { isWarmedUp, warmUpSample } from '../../src/gate/ts/warm-up.js';
import { edgeList } from './fixture.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';

/** A service per file calling the next one's, through a typed receiver and an import; about 1.2 KB each. */
function repository(n: number): { path: string; text: string }[] {
  const files = [{ path: 'src/index.ts', text: `export { Service0 } from './s0.js';\n` }];
  for (let i = 0; i < n; i++) {
    const next = (i + 1) % n;
    files.push({
      path: `src/s${i}.ts`,
      text: lines(
        `import { Service${next} } from './s${next}.js';`,
        `export interface Api${i} { settle(amount: number): number }`,
        `export class Service${i} implements Api${i} {`,
        `  constructor(private readonly next?: Service${next}) {}`,
        `  settle(amount: number): number {`,
        `    const fee = [1, 2, 3].map((v) => v * ${i}).reduce((a, b) => a + b, 0);`,
        `    if (amount > ${1000 + i}) return this.next ? this.next.settle(amount - fee) : amount;`,
        `    for (let k = 0; k < 3; k++) amount += k;`,
        `    return helper${i}(amount, (x) => x + fee);`,
        `  }`,
        `  refund(amount: number): number {`,
        `    return this.settle(-amount);`,
        `  }`,
        `}`,
        `export function helper${i}(amount: number, round: (x: number) => number): number {`,
        `  const table: Record<string, (x: number) => number> = { up: Math.ceil, down: Math.floor };`,
        `  return round(table[amount > 0 ? 'up' : 'down']!(amount));`,
        `}`,
        `export const make${i} = (): Service${i} => new Service${i}(new Service${next}());`,
        `// ${'padding so the file is of a sample file size '.repeat(12)}`,
      ),
    });
  }
  return files;
}

describe('the warm-up on a sample of the repository', () => {
  const files = repository(12);
  const budget = 3_000;
  /** The graph before this process ever warmed up (the first test computes it). */
  let baseline: { edges: string[]; defs: unknown } | undefined;

  it('is chosen only for an analysis of more than two budgets of files not cached, from its first files of a sample size', () => {
    assert.equal(isWarmedUp(), false);
    const cold = analyzeTypeScript(files, undefined, undefined, { programBudgetChars: budget, warmUp: false });
    baseline = { edges: edgeList(cold), defs: cold.defs };
    releaseParsedFiles();
    const repo = new VirtualRepository(files);
    // src/index.ts is too small to be part of it
    assert.deepEqual(
      warmUpSample(repo, undefined, budget)?.map((f) => f.path),
      ['src/s0.ts', 'src/s1.ts'],
    );
    const total = files.reduce((n, f) => n + f.text.length, 0);
    assert.equal(warmUpSample(repo, undefined, Math.ceil(total / 2)), undefined);
    assert.ok(warmUpSample(repo, undefined, Math.floor(total / 2) - 1));
    // with every file's facts cached, nothing is parsed alone: no warm-up
    const cache = { facts: new Map(), edges: new Map() };
    analyzeTypeScript(files, cache, undefined, { programBudgetChars: budget, warmUp: false });
    assert.equal(warmUpSample(repo, cache, budget), undefined);
    // files all larger than a sample file: none to warm up on
    const large = new VirtualRepository(files.map((f) => ({ path: f.path, text: f.text.repeat(20) })));
    assert.equal(warmUpSample(large, undefined, budget), undefined);
    assert.equal(isWarmedUp(), false);
  });

  it('runs once per process, before the first large analysis, and leaves its graph as it is without it', () => {
    releaseParsedFiles();
    const stats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const warm = analyzeTypeScript(files, { facts: new Map(), edges: new Map() }, stats, { programBudgetChars: budget });
    assert.equal(stats.tsWarmUpFiles, 2);
    assert.equal(isWarmedUp(), true);
    assert.ok((stats.tsPrograms ?? 0) > 2, `split into ${stats.tsPrograms} programs`);
    // only the files of the analysis were walked and counted, not the sample's a second time
    assert.equal(stats.tsFilesWalked, files.length);

    const coldStats: TsAnalysisStats = { tsFilesWalked: 0, tsFilesReused: 0 };
    const cold = analyzeTypeScript(files, { facts: new Map(), edges: new Map() }, coldStats, { programBudgetChars: budget });
    assert.equal(coldStats.tsWarmUpFiles, undefined, 'a second analysis in the same process does not warm up again');
    // the same as before this process ever warmed up
    assert.ok(baseline);
    assert.deepEqual(edgeList(warm), baseline.edges);
    assert.deepEqual(edgeList(cold), baseline.edges);
    assert.deepEqual(warm.defs, baseline.defs);
    const edges = edgeList(warm);
    assert.ok(edges.includes('src.s3.Service3.settle > src.s4.Service4.settle'), edges.join('\n'));
    assert.ok(edges.includes('src.s0.Service0.settle > src.s0.helper0'), edges.join('\n'));
  });

  it('leaves what the analysis before it kept for the next one (parses, resolutions), adding only library parses', () => {
    const retained = new RetainedState();
    const parse = (f: string): ts.SourceFile => ts.createSourceFile(f, 'export const x = 1;', ts.ScriptTarget.ES2022);
    const kept = parse(`${VIRTUAL_ROOT}src/a.ts`);
    retained.sourceFiles.set(`${VIRTUAL_ROOT}src/a.ts\0h1`, kept);
    const basePaths = new Set([`${VIRTUAL_ROOT}src/a.ts`]);
    const resolution = retained.resolutionFor(basePaths, 'base paths');
    const library = parse('/lib/lib.es5.d.ts');
    retained.aside(() => {
      retained.resolutionFor(new Set([`${VIRTUAL_ROOT}src/s0.ts`]), 'sample paths');
      // as an analysis does: a single program's parses are written into the map it finds
      retained.sourceFiles.set(`${VIRTUAL_ROOT}src/s0.ts\0h2`, parse(`${VIRTUAL_ROOT}src/s0.ts`));
      retained.sourceFiles.set('/lib/lib.es5.d.ts\0lean', library);
    });
    assert.deepEqual([...retained.sourceFiles.keys()], [`${VIRTUAL_ROOT}src/a.ts\0h1`, '/lib/lib.es5.d.ts\0lean']);
    assert.equal(retained.sourceFiles.get(`${VIRTUAL_ROOT}src/a.ts\0h1`), kept);
    assert.equal(retained.resolutionFor(basePaths, 'base paths'), resolution);
  });
});
