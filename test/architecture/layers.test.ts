/**
 * The folder tree is the trust boundary and the layering: these checks keep it that way.
 * - the sandboxed worker's runtime import closure stays inside worker/ and protocol/;
 * - folders import only layers below them (no folder cycles);
 * - protocol/ depends on nothing in Bulwark, domain/ only on protocol/ and does no I/O.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/sandbox/package-paths.js';

const srcTs = path.join(packageRoot, 'src');
const distSrc = path.join(packageRoot, 'dist', 'src');

/** Lower rank may not import higher rank; equal ranks may not import each other. */
const RANK: Record<string, number> = {
  protocol: 0,
  domain: 1,
  sandbox: 2,
  audit: 2,
  gate: 2,
  llm: 2,
  review: 3,
  mutation: 3,
  pipeline: 4,
  approval: 4,
  app: 5,
  console: 5,
  cli: 6,
};
/** worker/ is beside the orchestrator, not above it: it may import protocol/ only. */
const WORKER_ALLOWED = new Set(['worker', 'protocol']);

function walk(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full, ext));
    else if (name.endsWith(ext) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Relative specifiers a file imports; `runtimeOnly` skips `import type` / `export type`. */
function relativeImports(text: string, runtimeOnly: boolean): string[] {
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) {
    if (m[3] !== undefined) {
      if (runtimeOnly && m[2]) continue;
      out.push(m[3]);
    } else out.push((m[4] ?? m[5])!);
  }
  return out;
}

const folderOf = (file: string, root: string): string => path.relative(root, file).split(path.sep)[0]!;

describe('architecture', () => {
  it('the worker loads only worker/ and protocol/ (its runtime import closure, from the compiled entry)', () => {
    const entry = path.join(distSrc, 'worker', 'stage-main.js');
    assert.ok(existsSync(entry), `${entry} missing: build first`);
    const seen = new Set<string>();
    const stack = [entry];
    const outside: string[] = [];
    while (stack.length > 0) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of relativeImports(readFileSync(file, 'utf8'), true)) {
        const target = path.resolve(path.dirname(file), spec);
        const folder = folderOf(target, distSrc);
        if (!WORKER_ALLOWED.has(folder)) outside.push(`${path.relative(distSrc, file)} -> ${path.relative(distSrc, target)}`);
        else stack.push(target);
      }
    }
    assert.deepEqual(outside, []);
    assert.ok(seen.size >= 5, `the walk found only ${seen.size} files: the import scan is broken`);
  });

  it('folders import only the layers below them', () => {
    const violations: string[] = [];
    const edges = new Set<string>();
    for (const file of walk(srcTs, '.ts')) {
      const from = folderOf(file, srcTs);
      for (const spec of relativeImports(readFileSync(file, 'utf8'), false)) {
        const to = folderOf(path.resolve(path.dirname(file), spec), srcTs);
        if (to === from) continue;
        edges.add(`${from}->${to}`);
        const ok = from === 'worker' ? WORKER_ALLOWED.has(to) : RANK[from] !== undefined && RANK[to] !== undefined && RANK[to] < RANK[from];
        if (!ok) violations.push(`${path.relative(srcTs, file)} imports ${spec} (${from} -> ${to})`);
      }
    }
    assert.deepEqual(violations, []);
    // the scan sees the layering it is meant to guard
    for (const e of ['cli->app', 'app->pipeline', 'pipeline->sandbox', 'worker->protocol', 'domain->protocol'])
      assert.ok(edges.has(e), `no ${e} edge found: the import scan is broken`);
  });

  it('every folder under src/ has a place in the layering', () => {
    const folders = readdirSync(srcTs).filter((n) => statSync(path.join(srcTs, n)).isDirectory());
    assert.deepEqual(
      folders.filter((f) => RANK[f] === undefined && f !== 'worker'),
      [],
    );
    assert.deepEqual(
      readdirSync(srcTs).filter((n) => !statSync(path.join(srcTs, n)).isDirectory()),
      [],
      'no loose modules at the top of src/',
    );
  });

  it('domain/ and protocol/ do no I/O', () => {
    const io = /from\s+['"](node:)?(fs|fs\/promises|child_process|net|http|https|dgram|os|worker_threads|cluster|tls|dns)['"]/;
    const found = [...walk(path.join(srcTs, 'domain'), '.ts'), ...walk(path.join(srcTs, 'protocol'), '.ts')].filter((f) => io.test(readFileSync(f, 'utf8')));
    assert.deepEqual(
      found.map((f) => path.relative(srcTs, f)),
      [],
    );
  });

  it('the import scan recognises the forms it must', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export type { D } from './d.js';",
      "const e = await import('./e.js');",
      "import './f.js';",
    ].join('\n');
    assert.deepEqual(relativeImports(text, false), ['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js']);
    assert.deepEqual(relativeImports(text, true), ['./a.js', './c.js', './e.js', './f.js']);
  });
});
