import type { CallGraph } from './types.js';

/** The search direction: along calls (callees) or against them (callers). */
export type Direction = 'callees' | 'callers';

/** Edges of one direction in compressed rows: node i's neighbours are `to[start[i]..start[i+1])`. */
interface Rows {
  start: Int32Array;
  to: Int32Array;
  /** Whether the call behind each edge was resolved by name only. */
  byName: Uint8Array;
}

/**
 * A call graph's edges as integer rows in both directions, for the path searches of one decision
 * (a search of a 100 kLOC graph over string-keyed maps costs several times as much). Neighbours
 * keep the graph's order — callees as each caller lists them, callers in the order their calls
 * appear — so a search finds the same first parent, and the same path, as one over the maps.
 */
export class CallIndex {
  readonly ids: string[] = [];
  private readonly numbers = new Map<string, number>();
  private readonly rows: Record<Direction, Rows>;

  constructor(graph: CallGraph) {
    let edges = 0;
    for (const [from, tos] of graph.calls) {
      this.number(from);
      for (const to of tos) this.number(to);
      edges += tos.size;
    }
    const n = this.ids.length;
    const callees: Rows = { start: new Int32Array(n + 1), to: new Int32Array(edges), byName: new Uint8Array(edges) };
    const callers: Rows = { start: new Int32Array(n + 1), to: new Int32Array(edges), byName: new Uint8Array(edges) };
    for (const [from, tos] of graph.calls) {
      callees.start[this.numbers.get(from)! + 1] = tos.size;
      for (const to of tos) callers.start[this.numbers.get(to)! + 1]!++;
    }
    for (let i = 0; i < n; i++) {
      callees.start[i + 1]! += callees.start[i]!;
      callers.start[i + 1]! += callers.start[i]!;
    }
    const filled = callers.start.slice(0, n);
    for (const [from, tos] of graph.calls) {
      const f = this.numbers.get(from)!;
      const byName = graph.nameOnly.get(from);
      let k = callees.start[f]!;
      for (const to of tos) {
        const t = this.numbers.get(to)!;
        const name = byName?.has(to) ? 1 : 0;
        callees.to[k] = t;
        callees.byName[k++] = name;
        const j = filled[t]!++;
        callers.to[j] = f;
        callers.byName[j] = name;
      }
    }
    this.rows = { callees, callers };
  }

  private number(id: string): void {
    if (this.numbers.has(id)) return;
    this.numbers.set(id, this.ids.length);
    this.ids.push(id);
  }

  /** The node number of an id, -1 for one in no call. */
  of(id: string): number {
    return this.numbers.get(id) ?? -1;
  }

  /** Every node reachable from `starts` (themselves included) by any edge of `direction`. */
  reachable(starts: number[], direction: Direction): Uint8Array {
    const { start, to } = this.rows[direction];
    const seen = new Uint8Array(this.ids.length);
    const stack: number[] = [];
    for (const s of starts) {
      if (s < 0 || seen[s]) continue;
      seen[s] = 1;
      stack.push(s);
    }
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (let k = start[n]!; k < start[n + 1]!; k++) {
        const m = to[k]!;
        if (seen[m]) continue;
        seen[m] = 1;
        stack.push(m);
      }
    }
    return seen;
  }

  /**
   * Shortest paths that use as few name-only edges as possible: breadth first over typed edges,
   * and a name-only edge only opens the next round. A path through a typed call is therefore always
   * reported in preference to one that needed a guess, and a path exists whenever any does.
   * Returns each reached node's parent (-1 for a source, -2 for a node not reached); `within`
   * limits the search to the nodes it marks.
   */
  search(sources: number[], direction: Direction, within?: Uint8Array): Int32Array {
    const { start, to, byName } = this.rows[direction];
    const parent = new Int32Array(this.ids.length).fill(-2);
    let queue: number[] = [];
    for (const s of sources) {
      if (s < 0 || parent[s] !== -2) continue;
      parent[s] = -1;
      queue.push(s);
    }
    while (queue.length > 0) {
      const later: number[] = [];
      for (let i = 0; i < queue.length; i++) {
        const n = queue[i]!;
        for (let k = start[n]!; k < start[n + 1]!; k++) {
          const m = to[k]!;
          if (parent[m] !== -2 || (within && !within[m])) continue;
          if (byName[k]) {
            later.push(m, n);
            continue;
          }
          parent[m] = n;
          queue.push(m);
        }
      }
      queue = [];
      for (let i = 0; i < later.length; i += 2) {
        const m = later[i]!;
        if (parent[m] !== -2) continue;
        parent[m] = later[i + 1]!;
        queue.push(m);
      }
    }
    return parent;
  }

  /** The ids from `end` back to the search's source along `parent`; empty when `end` was not reached. */
  chain(parent: Int32Array, end: number): string[] {
    const out: string[] = [];
    if (end < 0 || parent[end] === -2) return out;
    for (let n = end; n >= 0; n = parent[n]!) out.push(this.ids[n]!);
    return out;
  }
}

const indexes = new WeakMap<CallGraph, CallIndex>();

/** The call index of a graph, built once. */
export function callIndexOf(graph: CallGraph): CallIndex {
  let index = indexes.get(graph);
  if (!index) indexes.set(graph, (index = new CallIndex(graph)));
  return index;
}
