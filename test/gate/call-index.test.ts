import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callIndexOf, noteStoredForm } from '../../src/gate/call-index.js';
import { callPaths, findRoots } from '../../src/gate/decide.js';
import { decodeGraph, encodeGraph, type StoredGraph } from '../../src/gate/stored-graph.js';
import { gateConfigSchema } from '../../src/gate/config.js';
import type { CallGraph, ChangedFunction, GatePath } from '../../src/gate/types.js';
import picomatch from 'picomatch';

/** A deterministic pseudo-random sequence (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomGraph(rand: () => number, nodes: number, edges: number): CallGraph {
  const calls = new Map<string, Set<string>>();
  const nameOnly = new Map<string, Set<string>>();
  for (let e = 0; e < edges; e++) {
    const from = `n${Math.floor(rand() * nodes)}`;
    const to = `n${Math.floor(rand() * nodes)}`;
    if (!calls.has(from)) calls.set(from, new Set());
    calls.get(from)!.add(to);
    if (rand() < 0.3) {
      if (!nameOnly.has(from)) nameOnly.set(from, new Set());
      nameOnly.get(from)!.add(to);
    }
  }
  // definitions in shuffled order (a stored graph numbers them first), some in no call at all, and
  // bindings only read: the stored form numbers ids otherwise than the maps do
  const defIds = [...Array.from({ length: nodes }, (_, i) => `n${i}`).filter(() => rand() < 0.7), ...Array.from({ length: 5 }, (_, i) => `idle${i}`)];
  for (let i = defIds.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [defIds[i], defIds[j]] = [defIds[j]!, defIds[i]!];
  }
  const defs = new Map(defIds.map((id) => [id, { id, kind: 'function' as const, file: 'f.ts', startLine: 1, endLine: 2 }]));
  const reads = new Map<string, Set<string>>();
  for (let r = 0; r < nodes / 4; r++) {
    const from = `n${Math.floor(rand() * nodes)}`;
    if (!reads.has(from)) reads.set(from, new Set());
    reads.get(from)!.add(`binding${Math.floor(rand() * 10)}`);
  }
  return { defs, calls, nameOnly, reads, unparsable: [], files: new Map() };
}

/**
 * The path search written plainly over the graph's maps, with no index and no pruning: typed
 * calls breadth first, a name-only edge only opening the next round, one search per change when there are at
 * most as many changes as roots, otherwise one per root (or one multi-source search each way).
 */
function referencePaths(graph: CallGraph, roots: Map<string, { id: string; rule: string }>, changed: ChangedFunction[]): string[] {
  const reverse = new Map<string, string[]>();
  for (const [from, tos] of graph.calls) for (const to of tos) reverse.set(to, [...(reverse.get(to) ?? []), from]);
  const byName = (a: string, b: string): boolean => graph.nameOnly.get(a)?.has(b) ?? false;
  const bfs = (sources: string[], next: (n: string) => Iterable<string>, nameOnly: (n: string, m: string) => boolean): Map<string, string | null> => {
    const parent = new Map<string, string | null>(sources.map((s) => [s, null]));
    let queue = [...sources];
    while (queue.length > 0) {
      // typed calls to exhaustion (the queue grows as it is read), then the name-only round
      const later: [string, string][] = [];
      for (let i = 0; i < queue.length; i++) {
        const n = queue[i]!;
        for (const m of next(n)) {
          if (parent.has(m)) continue;
          if (nameOnly(n, m)) later.push([m, n]);
          else {
            parent.set(m, n);
            queue.push(m);
          }
        }
      }
      queue = [];
      for (const [m, n] of later) {
        if (parent.has(m)) continue;
        parent.set(m, n);
        queue.push(m);
      }
    }
    return parent;
  };
  const chain = (parent: Map<string, string | null>, end: string): string[] => {
    const out: string[] = [];
    for (let n: string | null | undefined = end; n != null; n = parent.get(n)) out.push(n);
    return out;
  };
  const forward = (n: string): Iterable<string> => graph.calls.get(n) ?? [];
  const backward = (n: string): Iterable<string> => reverse.get(n) ?? [];
  const down = byName;
  const up = (n: string, m: string): boolean => byName(m, n);
  const sortedRoots = [...roots.keys()].sort();
  const targets = changed.filter((c) => !roots.has(c.id));
  const out: string[] = [];
  const emit = (nodes: string[], direction: string): void => {
    out.push(`${direction} ${nodes.map((n, i) => (i === 0 ? n : `${byName(nodes[i - 1]!, n) ? '⇢' : '→'}${n}`)).join('')}`);
  };
  if (targets.length <= sortedRoots.length || sortedRoots.length > 64) {
    if (targets.length <= 64) {
      for (const c of targets) {
        const callers = bfs([c.id], backward, up);
        for (const r of sortedRoots) if (callers.has(r)) emit(chain(callers, r), 'root-reaches-changed');
        const callees = bfs([c.id], forward, down);
        for (const r of sortedRoots) if (callees.has(r)) emit(chain(callees, r).reverse(), 'changed-reaches-root');
      }
      return out;
    }
    const fromRoots = bfs(sortedRoots, forward, down);
    for (const c of targets) if (fromRoots.has(c.id)) emit(chain(fromRoots, c.id).reverse(), 'root-reaches-changed');
    const toRoots = bfs(sortedRoots, backward, up);
    for (const c of targets) if (toRoots.has(c.id)) emit(chain(toRoots, c.id), 'changed-reaches-root');
    return out;
  }
  for (const r of sortedRoots) {
    const fromRoot = bfs([r], forward, down);
    for (const c of targets) if (fromRoot.has(c.id)) emit(chain(fromRoot, c.id).reverse(), 'root-reaches-changed');
    const toRoot = bfs([r], backward, up);
    for (const c of targets) if (toRoot.has(c.id)) emit(chain(toRoot, c.id), 'changed-reaches-root');
  }
  return out;
}

const asText = (paths: GatePath[]): string[] =>
  paths.map((p) => `${p.direction} ${p.nodes.map((n, i) => (i === 0 ? n : `${p.nameOnlyAt.includes(i - 1) ? '⇢' : '→'}${n}`)).join('')}`);

describe('the indexed path search', () => {
  it('finds exactly the paths (same parents, same order, same name-only marks) as a plain search over the maps', () => {
    let compared = 0;
    const strategies = { perChange: 0, multiSource: 0, perRoot: 0 };
    for (let seed = 1; seed <= 300; seed++) {
      const rand = random(seed);
      // every strategy: fewer changes than roots, more, and more than 64 of both (on graphs large
      // enough that 70 random roots and changes stay distinct)
      const many = seed % 10 === 0;
      const nodes = many ? 400 + Math.floor(rand() * 200) : 5 + Math.floor(rand() * 120);
      const graph = randomGraph(rand, nodes, Math.floor(nodes * (0.5 + rand() * 2.5)));
      const rootCount = many ? 70 + Math.floor(rand() * 10) : 1 + Math.floor(rand() * 6);
      const changeCount = many ? 80 + Math.floor(rand() * 15) : 1 + Math.floor(rand() * 6);
      const roots = new Map<string, { id: string; rule: string }>();
      for (let i = 0; i < rootCount; i++) {
        // some roots call nothing and are called by nothing
        const id = rand() < 0.1 ? `lonely${i}` : `n${Math.floor(rand() * nodes)}`;
        roots.set(id, { id, rule: 'root' });
      }
      const changed: ChangedFunction[] = [];
      for (let i = 0; i < changeCount; i++) {
        const id = rand() < 0.1 ? `absent${i}` : `n${Math.floor(rand() * nodes)}`;
        if (!changed.some((c) => c.id === id)) changed.push({ id, file: 'f', revision: 'head', kind: 'function', lines: [1], via: 'lines' });
      }
      const targets = changed.filter((c) => !roots.has(c.id)).length;
      if (targets <= roots.size || roots.size > 64) strategies[targets <= 64 ? 'perChange' : 'multiSource']++;
      else strategies.perRoot++;
      const want = referencePaths(graph, roots, changed);
      assert.deepEqual(asText(callPaths(graph, roots, changed, 'head')), want, `seed ${seed}`);
      // the same graph stored and read back: its index is built from the stored rows
      const stored = JSON.parse(JSON.stringify(encodeGraph(graph))) as StoredGraph;
      const decoded: CallGraph = Object.assign(decodeGraph(stored)!, { files: new Map() });
      noteStoredForm(decoded, stored);
      assert.deepEqual(asText(callPaths(decoded, roots, changed, 'head')), want, `seed ${seed}, stored`);
      // the same graph as stored, without the round trip (the numbers encoding made serve its index)
      const fresh: CallGraph = { ...graph };
      noteStoredForm(fresh, encodeGraph(fresh));
      assert.deepEqual(asText(callPaths(fresh, roots, changed, 'head')), want, `seed ${seed}, encoded`);
      // one step up and down, as a scan of the maps in order lists them
      const asked = [...changed.map((c) => c.id), ...roots.keys()].sort(() => rand() - 0.5);
      const plainCallers = new Map<string, string[]>();
      for (const [from, tos] of graph.calls)
        for (const to of tos) if (asked.includes(to) && from !== to) plainCallers.set(to, [...(plainCallers.get(to) ?? []), from]);
      assert.deepEqual([...callIndexOf(graph).callersOf(asked)], [...plainCallers], `seed ${seed}, callers`);
      assert.deepEqual([...callIndexOf(decoded).callersOf(asked)], [...plainCallers], `seed ${seed}, callers, stored`);
      for (const id of [...asked, 'idle0', 'binding0']) {
        assert.deepEqual(callIndexOf(decoded).calleesOf(id), [...(graph.calls.get(id) ?? [])], `seed ${seed}, callees of ${id}`);
        assert.deepEqual(callIndexOf(fresh).calleesOf(id), [...(graph.calls.get(id) ?? [])], `seed ${seed}, callees of ${id}, encoded`);
      }
      compared += want.length;
    }
    assert.ok(compared > 1000, `${compared} paths compared`);
    for (const [strategy, n] of Object.entries(strategies)) assert.ok(n >= 10, `${strategy}: ${n} graphs`);
  });

  it('matches root globs as picomatch does', () => {
    const ids = ['a.processPayment', 'x.y.processPayment', 'processPayment', 'src/loan/L.approveLoan', 'pay.x', 'pay.z', 'b.d', 'Foo.bar', '.h.processPayment'];
    const globs = ['*.processPayment', '**/loan/*.approve*', 'pay.{x,y}', '[a-c].d', 'Foo.*'];
    const graph: CallGraph = {
      defs: new Map(ids.map((id) => [id, { id, kind: 'function' as const, file: 'f.ts', startLine: 1, endLine: 2 }])),
      calls: new Map(),
      nameOnly: new Map(),
      reads: new Map(),
      unparsable: [],
      files: new Map(),
    };
    const isRoot = picomatch(globs, { dot: true });
    assert.deepEqual([...findRoots(graph, gateConfigSchema.parse({ roots: globs })).keys()].sort(), ids.filter((id) => isRoot(id)).sort());
  });
});
