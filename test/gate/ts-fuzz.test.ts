import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeTypeScript, type TsAnalysisCache, type TsFileEdges, type TsFileFacts, type TsGraphPart } from '../../src/gate/ts/analyze.js';
import { edgeList } from './fixture.js';
import { makeCase, type FuzzCase, type SourceFile } from './ts-fuzz-gen.js';

// Differential checks of the TypeScript analysis on generated repositories: no expected graph is
// written down, the analysis is compared with itself under conditions that must not change its
// result. The seeds are fixed so a failure reproduces: makeCase(seed) rebuilds the case.
// The seed counts keep the file near 13 s (of a 25 s budget): a warm/cold case costs about 20 ms,
// a split/single repository about 70 ms.
const P1_SEEDS = range(1, 300);
// both sides of each edit are checked, so these 50 seeds cover 100 repositories
const P2_SEEDS = range(1, 150).filter((s) => s % 3 === 1);
/** Failures shown with their full file texts (the rest by seed, edit and edges only). */
const SHOWN_IN_FULL = 3;

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const newCache = (): TsAnalysisCache => ({ facts: new Map<string, TsFileFacts>(), edges: new Map<string, TsFileEdges>() });

// copies: the analysis must not depend on (or change) the caller's objects between runs
const analyse = (files: SourceFile[], cache?: TsAnalysisCache, programBudgetChars?: number): TsGraphPart =>
  analyzeTypeScript(
    files.map((f) => ({ ...f })),
    cache,
    undefined,
    programBudgetChars === undefined ? {} : { programBudgetChars },
  );

interface Failure {
  c: FuzzCase;
  what: string;
  missing: string[];
  extra: string[];
}

function compare(c: FuzzCase, what: string, expected: string[], observed: string[], out: Failure[]): void {
  const e = new Set(expected);
  const o = new Set(observed);
  const missing = expected.filter((x) => !o.has(x));
  const extra = observed.filter((x) => !e.has(x));
  if (missing.length || extra.length) out.push({ c, what, missing, extra });
}

// a generated case that does not parse checks far less: the generator changed, not the gate
function parses(c: FuzzCase, which: 'v1' | 'v2', part: TsGraphPart, out: Failure[]): void {
  if (part.unparsable.length)
    out.push({ c, what: `${which} does not parse: ${part.unparsable.map((u) => `${u.file}: ${u.reason}`).join('; ')}`, missing: [], extra: [] });
}

const texts = (files: SourceFile[]): string => files.map((f) => `--- ${f.path}\n${f.text}`).join('');

function report(failures: Failure[], cases: number): string {
  const lines = [`${failures.length} failure(s) in ${cases} cases (reproduce with makeCase(seed) from test/gate/ts-fuzz-gen.ts)`];
  failures.forEach((f, i) => {
    lines.push('', `seed ${f.c.seed}: ${f.what}`, `edit: ${f.c.desc}`);
    if (f.missing.length) lines.push('missing:', ...f.missing.map((x) => `  ${x}`));
    if (f.extra.length) lines.push('extra:', ...f.extra.map((x) => `  ${x}`));
    if (i < SHOWN_IN_FULL) lines.push('=== v1', texts(f.c.v1), '=== v2', texts(f.c.v2));
  });
  return lines.join('\n');
}

describe('TypeScript analysis on generated repositories and edits (fixed seeds)', () => {
  it('a warm run after an edit gives the edges of a cold run of the edited repository', () => {
    const failures: Failure[] = [];
    for (const seed of P1_SEEDS) {
      const c = makeCase(seed);
      const cache = newCache();
      // with an empty cache this run is cold, so it also tells whether v1 parses
      parses(c, 'v1', analyse(c.v1, cache), failures);
      const warm = analyse(c.v2, cache);
      const cold = analyse(c.v2);
      parses(c, 'v2', cold, failures);
      compare(c, 'warm run (cache filled from v1) differs from cold run of v2', edgeList(cold), edgeList(warm), failures);
    }
    assert.equal(failures.length, 0, report(failures, P1_SEEDS.length));
  });

  it('one program per file gives the edges of one program for the whole repository', () => {
    const failures: Failure[] = [];
    for (const seed of P2_SEEDS) {
      const c = makeCase(seed);
      for (const which of ['v1', 'v2'] as const) {
        const single = analyse(c[which], undefined, Number.MAX_SAFE_INTEGER);
        parses(c, which, single, failures);
        const split = analyse(c[which], undefined, 1);
        compare(c, `${which}: split analysis (programBudgetChars 1) differs from one program`, edgeList(single), edgeList(split), failures);
      }
    }
    assert.equal(failures.length, 0, report(failures, P2_SEEDS.length * 2));
  });
});
