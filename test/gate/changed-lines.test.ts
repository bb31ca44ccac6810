import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedDefinitions, innermostDefinition } from '../../src/gate/decide.js';
import { GraphBuilder } from '../../src/gate/graph-builder.js';
import { definitionHolds, type CallGraph, type Definition } from '../../src/gate/types.js';

/** A small deterministic generator (the same cases on every run). */
function random(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

/**
 * One file of `lines` lines: a module, nested classes and functions (some of equal size, some
 * overlapping the same lines), and bindings, some assigned in several places; every binding is
 * read by a reader of its own in another file, so a changed binding shows in the result.
 */
function randomFile(seed: number, lines: number): { graph: CallGraph; defs: Definition[] } {
  const r = random(seed);
  const b = new GraphBuilder();
  const defs: Definition[] = [{ id: 'm', kind: 'module', file: 'm.ts', startLine: 1, endLine: lines }];
  const kinds = ['class', 'function', 'method', 'binding'] as const;
  for (let i = 0; i < 40; i++) {
    const kind = kinds[r(kinds.length)]!;
    const start = 1 + r(lines);
    const end = Math.min(lines, start + r(i % 3 === 0 ? lines : 12));
    const d: Definition = { id: `m.d${i}`, kind, file: 'm.ts', startLine: start, endLine: end };
    if (kind === 'binding' && r(3) === 0) {
      const later = 1 + r(lines);
      d.spans = [
        [start, end],
        [later, Math.min(lines, later + r(4))],
      ];
      d.startLine = Math.min(start, later);
      d.endLine = Math.max(end, d.spans[1]![1]);
    }
    defs.push(d);
  }
  b.addFile('m.ts', { language: 'ts', text: Array.from({ length: lines }, (_, i) => `x${i}();`).join('\n') });
  b.addFile('r.ts', { language: 'ts', text: '' });
  for (const d of defs) b.addDef(d);
  for (const d of defs.filter((d) => d.kind === 'binding')) {
    b.addDef({ id: `r.read_${d.id}`, kind: 'function', file: 'r.ts', startLine: 1, endLine: 1 });
    b.read(`r.read_${d.id}`, d.id);
  }
  return { graph: b.finish(), defs };
}

const change = (lines: number[]) => [{ oldPath: 'm.ts', newPath: 'm.ts', oldLines: lines, newLines: lines, newAnchors: [], binary: false }];

describe('changed lines map to definitions', () => {
  it('each line to its innermost definition and the bindings holding it, whether asked alone or with every other line', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const lines = 60;
      const { graph, defs } = randomFile(seed, lines);
      const all = new Set<string>();
      for (let l = 1; l <= lines; l++) {
        const expected = new Set<string>();
        const d = innermostDefinition(graph, 'm.ts', [l]);
        if (d) expected.add(d.id);
        for (const b of defs) if (b.kind === 'binding' && definitionHolds(b, l)) expected.add(`r.read_${b.id}`);
        const got = new Set(changedDefinitions(graph, change([l]), 'head').map((c) => c.id));
        assert.deepEqual(got, expected, `seed ${seed}, line ${l}`);
        for (const id of expected) all.add(id);
      }
      assert.deepEqual(
        new Set(changedDefinitions(graph, change(Array.from({ length: lines }, (_, i) => i + 1)), 'head').map((c) => c.id)),
        all,
        `seed ${seed}, every line`,
      );
    }
  });
});
