import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGateConfig } from '../../src/gate/config.js';
import { callPaths, decide } from '../../src/gate/decide.js';
import { GraphBuilder } from '../../src/gate/graph-builder.js';
import type { CallGraph, ChangedFunction } from '../../src/gate/types.js';

/** root_i → mid_i → leaf_j for every i, j; leaf_j → sink_root. */
function graph(roots: number, leaves: number): CallGraph {
  const calls = new Map<string, Set<string>>();
  const add = (a: string, b: string): void => {
    if (!calls.has(a)) calls.set(a, new Set());
    calls.get(a)!.add(b);
  };
  for (let i = 0; i < roots; i++) {
    add(`r${i}`, `m${i}`);
    for (let j = 0; j < leaves; j++) add(`m${i}`, `l${j}`);
  }
  for (let j = 0; j < leaves; j++) add(`l${j}`, 'sink');
  return { defs: new Map(), calls, nameOnly: new Map(), reads: new Map(), unparsable: [], files: new Map() };
}

const changedLeaves = (n: number): ChangedFunction[] =>
  Array.from({ length: n }, (_, j) => ({ id: `l${j}`, file: 'f', revision: 'head', kind: 'function', lines: [1], via: 'lines' }));

function pairs(rootCount: number, leafCount: number): string[] {
  const roots = new Map<string, { id: string; rule: string }>();
  for (let i = 0; i < rootCount; i++) roots.set(`r${i}`, { id: `r${i}`, rule: 'root' });
  roots.set('sink', { id: 'sink', rule: 'writes table t' });
  return callPaths(graph(rootCount, leafCount), roots, changedLeaves(leafCount), 'head')
    .map((p) => `${p.direction}: ${p.nodes.join('>')}`)
    .sort();
}

describe('call path search strategies', () => {
  it('fewer changes than roots: every (root, change) pair, both directions', () => {
    const got = pairs(3, 2);
    assert.equal(got.length, 3 * 2 + 2);
    assert.ok(got.includes('root-reaches-changed: r2>m2>l1'));
    assert.ok(got.includes('changed-reaches-root: l0>sink'));
  });

  it('more changes than roots: the same pairs from one search per root', () => {
    const got = pairs(2, 5);
    assert.equal(got.length, 2 * 5 + 5);
    assert.ok(got.includes('root-reaches-changed: r1>m1>l4'));
  });

  it('very many roots and changes: linear search listing the nearest root per change', () => {
    const got = pairs(70, 70);
    assert.equal(got.filter((p) => p.startsWith('root-reaches-changed')).length, 70);
    assert.equal(got.filter((p) => p.startsWith('changed-reaches-root')).length, 70);
    assert.ok(got.every((p) => /^(root-reaches-changed: r\d+>m\d+>l\d+|changed-reaches-root: l\d+>sink)$/.test(p)));
  });
});

describe('typed and name-only edges on paths', () => {
  const build = (edges: [string, string, 'typed' | 'name'][]): CallGraph => {
    const b = new GraphBuilder();
    for (const [from, to, how] of edges) b.call(from, to, how);
    return b.finish();
  };
  const roots = new Map([['root', { id: 'root', rule: 'root' }]]);
  const changed: ChangedFunction[] = [{ id: 'leaf', file: 'f', revision: 'head', kind: 'function', lines: [1], via: 'lines' }];

  it('a typed path is reported even when a path through a name-only edge is shorter', () => {
    const g = build([
      ['root', 'leaf', 'name'],
      ['root', 'a', 'typed'],
      ['a', 'b', 'typed'],
      ['b', 'leaf', 'typed'],
    ]);
    const [p] = callPaths(g, roots, changed, 'head');
    assert.deepEqual(p?.nodes, ['root', 'a', 'b', 'leaf']);
    assert.equal(p?.nameOnlyEdges, 0);
    assert.equal(p?.text, 'root → a → b → leaf (changed)');
  });

  it('a path that needs a name-only edge is still found, and says so', () => {
    const g = build([
      ['root', 'a', 'typed'],
      ['a', 'leaf', 'name'],
    ]);
    const [p] = callPaths(g, roots, changed, 'head');
    assert.deepEqual(p?.nodes, ['root', 'a', 'leaf']);
    assert.equal(p?.nameOnlyEdges, 1);
    assert.equal(p?.text, 'root → a ⇢ leaf (changed) [1 of 2 call(s) resolved by name only]');
  });

  it('an edge found both by type and by name counts as typed, in either order', () => {
    const g = build([
      ['x', 'y', 'name'],
      ['x', 'y', 'typed'],
      ['u', 'v', 'typed'],
      ['u', 'v', 'name'],
    ]);
    assert.equal(g.nameOnly.size, 0);
    assert.ok(g.calls.get('x')?.has('y') && g.calls.get('u')?.has('v'));
  });

  it('the change reaching a root prefers typed edges too', () => {
    const g = build([
      ['leaf', 'root', 'name'],
      ['leaf', 'k', 'typed'],
      ['k', 'root', 'typed'],
    ]);
    const up = callPaths(g, roots, changed, 'head').find((p) => p.direction === 'changed-reaches-root');
    assert.deepEqual(up?.nodes, ['leaf', 'k', 'root']);
    assert.equal(up?.nameOnlyEdges, 0);
  });
});

describe('a change with very many paths', () => {
  /** Roots r0…r63 in file roots.py each call hub, which calls l0…l{leaves-1} of leaves.py, one line each. */
  function fanOut(leaves: number): CallGraph {
    const b = new GraphBuilder();
    b.addFile('roots.py', { language: 'python', text: Array.from({ length: 65 }, (_, i) => (i < 64 ? `def r${i}(): hub()` : 'def hub(): …')).join('\n') });
    b.addFile('leaves.py', { language: 'python', text: Array.from({ length: leaves }, (_, j) => `def l${j}(): pass`).join('\n') });
    for (let i = 0; i < 64; i++) {
      b.addDef({ id: `roots.r${i}`, kind: 'function', file: 'roots.py', startLine: i + 1, endLine: i + 1 });
      b.call(`roots.r${i}`, 'roots.hub');
    }
    b.addDef({ id: 'roots.hub', kind: 'function', file: 'roots.py', startLine: 65, endLine: 65 });
    for (let j = 0; j < leaves; j++) {
      b.addDef({ id: `leaves.l${j}`, kind: 'function', file: 'leaves.py', startLine: j + 1, endLine: j + 1 });
      b.call('roots.hub', `leaves.l${j}`);
    }
    return b.finish();
  }

  it('every (root, change) pair of a refactor touching thousands of reached functions is listed once, in one pass', () => {
    // 64 roots × 2,100 changed leaves: 134,400 paths in each revision, more arguments than one
    // call may take (a spread of them exceeded the call stack)
    const leaves = 2100;
    const lines = Array.from({ length: leaves }, (_, j) => j + 1);
    const result = decide({
      base: { commit: 'b'.repeat(40), graph: fanOut(leaves) },
      head: { commit: 'h'.repeat(40), graph: fanOut(leaves) },
      changes: [{ oldPath: 'leaves.py', newPath: 'leaves.py', oldLines: lines, newLines: lines, newAnchors: [], binary: false }],
      config: parseGateConfig({ roots: ['roots.r*'] }),
    });
    assert.equal(result.flagged, true);
    assert.equal(result.changedFunctions.length, 2 * leaves);
    // the same path in base and head is reported once, as head's
    assert.equal(result.paths.length, 64 * leaves);
    assert.ok(result.paths.every((p) => p.revision === 'head' && p.nodes.length === 3 && p.zoneAt.every((z) => z === null)));
    assert.equal(result.paths[0]!.text, 'roots.r0 → roots.hub → leaves.l0 (changed)');
    assert.equal(result.reasons.length, 64 * leaves);
  });
});
