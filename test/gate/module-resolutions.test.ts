import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiler is CommonJS, as in src/gate/ts
import ts = require('typescript');
import { compilerOptions } from '../../src/gate/ts/compiler.js';
import { ModuleResolutions } from '../../src/gate/ts/module-resolutions.js';

const options: ts.CompilerOptions = { ...compilerOptions, baseUrl: '/r', paths: { '@lib/*': ['lib/*'] } };

/** The compiler's resolutions over a set of files, as the gate's host gives it the repository: files, and the folders holding them. */
function resolveAll(files: string[], imports: [string, string][], reused?: ModuleResolutions): ModuleResolutions {
  const set = new Set(files);
  const dirs = new Set<string>();
  for (const f of files) for (let d = f.slice(0, f.lastIndexOf('/')); d.length > 0; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(d);
  const host: ts.ModuleResolutionHost = {
    fileExists: (f) => set.has(f),
    readFile: () => undefined,
    directoryExists: (d) => dirs.has(d.replace(/\/$/, '')),
  };
  const key = [...files].sort().join('\n');
  const out = reused ? reused.over(set, key) : new ModuleResolutions(set, key);
  const cache = ts.createModuleResolutionCache('/r', (x) => x, options);
  for (const [spec, from] of imports) {
    const k = `\0${from}\0${spec}`;
    if (!out.results.has(k)) out.set(k, { from, result: ts.resolveModuleName(spec, from, options, host, cache) });
  }
  return out;
}

const target = (r: ModuleResolutions, spec: string, from: string): string | undefined =>
  r.results.get(`\0${from}\0${spec}`)?.result.resolvedModule?.resolvedFileName;

describe('module resolutions taken over to another set of files', () => {
  const base = ['/r/web/pay.ts', '/r/web/fee/index.ts', '/r/web/tax.ts', '/r/lib/rates/index.ts'];
  const imports: [string, string][] = [
    ['./fee', '/r/web/pay.ts'],
    ['./tax', '/r/web/pay.ts'],
    ['./missing', '/r/web/pay.ts'],
    ['@lib/rates', '/r/web/pay.ts'],
    ['lodash', '/r/web/pay.ts'],
  ];

  it('keeps every resolution over the same files, and over files that change none of them', () => {
    const before = resolveAll(base, imports);
    assert.equal(before.over(new Set(base), [...base].sort().join('\n')), before);
    const unrelated = [...base, '/r/web/banner.ts', '/r/docs/x.ts'];
    const after = before.over(new Set(unrelated), 'other');
    assert.deepEqual([...after.results.keys()], [...before.results.keys()]);
  });

  it('drops exactly those a new file may answer differently, as resolving afresh shows', () => {
    const before = resolveAll(base, imports);
    assert.equal(target(before, './fee', '/r/web/pay.ts'), '/r/web/fee/index.ts');
    assert.equal(target(before, '@lib/rates', '/r/web/pay.ts'), '/r/lib/rates/index.ts');
    // fee.ts comes before fee/index.ts; an alias's file before its folder; a missing one appears
    const now = [...base, '/r/web/fee.ts', '/r/lib/rates.ts', '/r/web/missing.tsx'];
    const taken = before.over(new Set(now), 'now');
    assert.deepEqual([...taken.results.values()].map((r) => r.result.resolvedModule?.resolvedFileName).sort(), ['/r/web/tax.ts', undefined]);
    const redone = resolveAll(now, imports, before);
    const fresh = resolveAll(now, imports);
    for (const [spec, from] of imports) assert.equal(target(redone, spec, from), target(fresh, spec, from), spec);
    assert.equal(target(redone, './fee', '/r/web/pay.ts'), '/r/web/fee.ts');
    assert.equal(target(redone, '@lib/rates', '/r/web/pay.ts'), '/r/lib/rates.ts');
    assert.equal(target(redone, './missing', '/r/web/pay.ts'), '/r/web/missing.tsx');
  });

  it('keeps for the next run only what this run looked up, with the locations a repository file could be at', () => {
    // the run that made them all keeps them all; the next looks up one of them
    const next = resolveAll(base, imports).forNextRun('/r/web/');
    assert.equal(next.results.size, imports.length);
    next.get('\0/r/web/pay.ts\0./fee');
    const kept = next.forNextRun('/r/web/');
    assert.deepEqual([...kept.results.keys()], ['\0/r/web/pay.ts\0./fee']);
    const entry = kept.results.get('\0/r/web/pay.ts\0./fee')!;
    assert.equal(entry.result.resolvedModule?.resolvedFileName, '/r/web/fee/index.ts');
    assert.ok(entry.lookups!.includes('/r/web/fee.ts'), entry.lookups!.join(', '));
    assert.ok(!entry.lookups!.some((l) => l.endsWith('.json') || l.endsWith('.d.ts') || !l.startsWith('/r/web/')), entry.lookups!.join(', '));
    assert.equal(kept.caches.size, 0);
    // and what it kept still gives way to a file that comes first
    assert.equal(kept.over(new Set([...base, '/r/web/fee.ts']), 'now').results.size, 0);
    assert.equal(kept.over(new Set([...base, '/r/web/banner.ts']), 'other').results.size, 1);
    // a run that looks nothing up keeps nothing
    assert.equal(kept.forNextRun('/r/web/').results.size, 0);
  });

  it('drops those whose file is gone, and those of a file that is gone', () => {
    const before = resolveAll(base, [...imports, ['./pay', '/r/web/tax.ts']]);
    const now = base.filter((f) => f !== '/r/web/tax.ts' && f !== '/r/web/fee/index.ts');
    const taken = before.over(new Set(now), 'now');
    assert.deepEqual([...taken.results.keys()].sort(), ['\0/r/web/pay.ts\0./missing', '\0/r/web/pay.ts\0@lib/rates', '\0/r/web/pay.ts\0lodash']);
  });
});
