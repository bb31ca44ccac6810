import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callPaths } from '../../src/gate/decide.js';
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
  return { defs: new Map(), calls, reads: new Map(), unparsable: [], files: new Map() };
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
