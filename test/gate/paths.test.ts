import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callPaths } from '../../src/gate/decide.js';
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
