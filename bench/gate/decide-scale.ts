// How a decision's time grows with the size of a change, from synthetic graphs (no repository):
// every size is timed in this one run, and each doubling prints the ratio of the times, which is
// about 2 for work that grows linearly and about 4 for quadratic work.
import { performance } from 'node:perf_hooks';
import { parseGateConfig } from '../../src/gate/config.js';
import { decide, type DecideInput } from '../../src/gate/decide.js';
import { GraphBuilder } from '../../src/gate/graph-builder.js';
import type { CallGraph } from '../../src/gate/types.js';

const ROOTS = 64;
const DEPTH = 40;

/** 64 roots calling a chain of 40 functions whose last calls every leaf: a changed leaf is 64 paths of 42 nodes. */
function fanOut(leaves: number): CallGraph {
  const b = new GraphBuilder();
  b.addFile('roots.ts', { language: 'ts', text: 'x\n'.repeat(ROOTS + DEPTH) });
  b.addFile('leaves.ts', { language: 'ts', text: 'x\n'.repeat(leaves) });
  for (let i = 0; i < ROOTS; i++) {
    b.addDef({ id: `roots.r${i}`, kind: 'function', file: 'roots.ts', startLine: i + 1, endLine: i + 1 });
    b.call(`roots.r${i}`, 'roots.c0');
  }
  for (let k = 0; k < DEPTH; k++) {
    b.addDef({ id: `roots.c${k}`, kind: 'function', file: 'roots.ts', startLine: ROOTS + k + 1, endLine: ROOTS + k + 1 });
    if (k + 1 < DEPTH) b.call(`roots.c${k}`, `roots.c${k + 1}`);
  }
  for (let j = 0; j < leaves; j++) {
    b.addDef({ id: `leaves.l${j}`, kind: 'function', file: 'leaves.ts', startLine: j + 1, endLine: j + 1 });
    b.call(`roots.c${DEPTH - 1}`, `leaves.l${j}`);
  }
  return b.finish();
}

/** One file of `functions` ten-line functions in a module, every line changed (a reformatted file). */
function bigFile(functions: number): CallGraph {
  const b = new GraphBuilder();
  const lines = functions * 10;
  b.addFile('big.ts', { language: 'ts', text: 'x();\n'.repeat(lines) });
  b.addDef({ id: 'big', kind: 'module', file: 'big.ts', startLine: 1, endLine: lines });
  for (let i = 0; i < functions; i++) b.addDef({ id: `big.f${i}`, kind: 'function', file: 'big.ts', startLine: i * 10 + 1, endLine: i * 10 + 10 });
  return b.finish();
}

function input(graph: () => CallGraph, file: string, lines: number, roots: string[]): DecideInput {
  const changed = Array.from({ length: lines }, (_, i) => i + 1);
  return {
    base: { commit: 'b'.repeat(40), graph: graph() },
    head: { commit: 'h'.repeat(40), graph: graph() },
    changes: [{ oldPath: file, newPath: file, oldLines: changed, newLines: changed, newAnchors: [], binary: false }],
    config: parseGateConfig({ roots }),
  };
}

/** The fastest of three decisions on fresh graphs (each run builds its own indexes, as a process does). */
function time(make: () => DecideInput): { ms: number; paths: number; changed: number } {
  let best = Infinity;
  let last = { paths: 0, changed: 0 };
  for (let i = 0; i < 3; i++) {
    const data = make();
    const t0 = performance.now();
    const r = decide(data);
    best = Math.min(best, performance.now() - t0);
    last = { paths: r.paths.length, changed: r.changedFunctions.length };
  }
  return { ms: best, ...last };
}

function series(name: string, sizes: number[], make: (n: number) => DecideInput, unit: string): void {
  // compiled first on the smallest size, so the first row is not the JIT's
  time(() => make(sizes[0]!));
  let previous: number | undefined;
  for (const n of sizes) {
    const t = time(() => make(n));
    const growth = previous === undefined ? '' : ` | ×2 size: ×${(t.ms / previous).toFixed(2)} time (linear ≈ 2)`;
    process.stdout.write(`  ${name} ${String(n).padStart(6)} ${unit}: ${t.ms.toFixed(0).padStart(6)} ms, ${t.paths} paths, ${t.changed} changed${growth}\n`);
    previous = t.ms;
  }
}

process.stdout.write(`gate decision scaling (best of 3 per size)\n`);
series('paths', [75, 150, 300], (n) => input(() => fanOut(n), 'leaves.ts', n, ['roots.r*']), `changed leaves × ${ROOTS} roots, ${DEPTH + 2} nodes each`);
series('lines', [2500, 5000, 10000], (n) => input(() => bigFile(n), 'big.ts', n * 10, ['none.*']), 'ten-line functions, every line changed');
