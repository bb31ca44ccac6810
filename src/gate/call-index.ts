import { IdTable } from './id-table.js';
import { idNumbers, type StoredGraph } from './stored-graph.js';
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
  readonly ids: string[];
  private numbers: Map<string, number> | undefined;
  private readonly rows: Record<Direction, Rows>;
  /** Each caller's place among the graph's callers (its row), -1 for a node that calls nothing. */
  private readonly rowOf: Int32Array;

  /**
   * `calls` holds one row per caller, `[caller, ...callees]`, as node numbers into `ids`, in the
   * graph's order; `nameOnly` the same for the edges resolved by name only.
   */
  constructor(ids: string[], calls: readonly (readonly number[])[], nameOnly: readonly (readonly number[])[], numbers?: Map<string, number>) {
    this.ids = ids;
    this.numbers = numbers;
    const n = ids.length;
    const byNameOf = new Map<number, Set<number>>();
    for (const row of nameOnly) byNameOf.set(row[0]!, new Set(row.slice(1)));
    let edges = 0;
    for (const row of calls) edges += row.length - 1;
    const callees: Rows = { start: new Int32Array(n + 1), to: new Int32Array(edges), byName: new Uint8Array(edges) };
    const callers: Rows = { start: new Int32Array(n + 1), to: new Int32Array(edges), byName: new Uint8Array(edges) };
    this.rowOf = new Int32Array(n).fill(-1);
    calls.forEach((row, r) => (this.rowOf[row[0]!] = r));
    for (const row of calls) {
      callees.start[row[0]! + 1]! += row.length - 1;
      for (let k = 1; k < row.length; k++) callers.start[row[k]! + 1]!++;
    }
    for (let i = 0; i < n; i++) {
      callees.start[i + 1]! += callees.start[i]!;
      callers.start[i + 1]! += callers.start[i]!;
    }
    const filledCallees = callees.start.slice(0, n);
    const filledCallers = callers.start.slice(0, n);
    for (const row of calls) {
      const f = row[0]!;
      const byName = byNameOf.get(f);
      for (let k = 1; k < row.length; k++) {
        const t = row[k]!;
        const name = byName?.has(t) ? 1 : 0;
        const i = filledCallees[f]!++;
        callees.to[i] = t;
        callees.byName[i] = name;
        const j = filledCallers[t]!++;
        callers.to[j] = f;
        callers.byName[j] = name;
      }
    }
    this.rows = { callees, callers };
  }

  /** The index of a graph's edge maps (a graph built in this process). */
  static ofMaps(graph: CallGraph): CallIndex {
    const table = new IdTable();
    const calls = table.rows(graph.calls);
    return new CallIndex(table.ids, calls, table.rows(graph.nameOnly), table.numbers);
  }

  /** The node number of an id, -1 for one in no call. */
  of(id: string): number {
    this.numbers ??= new Map(this.ids.map((id, i) => [id, i]));
    return this.numbers.get(id) ?? -1;
  }

  /** The ids that call something (in a stored graph, without building its edge maps). */
  callerIds(): string[] {
    const { start } = this.rows.callees;
    return this.ids.filter((_, n) => start[n + 1]! > start[n]!);
  }

  /** The ids `id` calls, in the graph's order. */
  calleesOf(id: string): string[] {
    const n = this.of(id);
    const { start, to } = this.rows.callees;
    const out: string[] = [];
    if (n >= 0) for (let k = start[n]!; k < start[n + 1]!; k++) out.push(this.ids[to[k]!]!);
    return out;
  }

  /**
   * The callers of each of `ids` that has one, as a scan of the graph's edge maps in order would
   * list them: callers in the order of their rows, callees in the order their first call appears.
   */
  callersOf(ids: Iterable<string>): Map<string, string[]> {
    const { start, to } = this.rows.callers;
    const found: { id: string; callers: string[]; row: number; at: number }[] = [];
    for (const id of new Set(ids)) {
      const n = this.of(id);
      if (n < 0) continue;
      const callers: string[] = [];
      let first = -1;
      for (let k = start[n]!; k < start[n + 1]!; k++) {
        const f = to[k]!;
        if (f === n) continue;
        if (first < 0) first = f;
        callers.push(this.ids[f]!);
      }
      if (first >= 0) found.push({ id, callers, row: this.rowOf[first]!, at: this.placeInRow(first, n) });
    }
    found.sort((a, b) => a.row - b.row || a.at - b.at);
    return new Map(found.map((f) => [f.id, f.callers]));
  }

  /** Whether the call from node `from` to node `to` was resolved by name only (false when there is no such call). */
  isNameOnly(from: number, to: number): boolean {
    const k = from < 0 || to < 0 ? -1 : this.placeInRow(from, to);
    return k >= 0 && this.rows.callees.byName[k] === 1;
  }

  /** Where `callee` stands among the callees of `caller`. */
  private placeInRow(caller: number, callee: number): number {
    const { start, to } = this.rows.callees;
    for (let k = start[caller]!; k < start[caller + 1]!; k++) if (to[k] === callee) return k;
    return -1;
  }

  /** Every node reachable from `starts` (themselves included) by any edge of `direction`. */
  reachable(starts: number[], direction: Direction): Uint8Array {
    const seen = new Uint8Array(this.ids.length);
    this.mark(starts, direction, seen, false);
    return seen;
  }

  /**
   * The callers of `ids`, transitively through typed calls (a call resolved by name only is not
   * followed), that `seen` does not mark yet; marks them and `ids` in `seen`, so searches sharing
   * it never walk a node twice.
   */
  typedCallersOf(ids: Iterable<string>, seen: Uint8Array): string[] {
    const out: number[] = [];
    this.mark(
      [...ids].map((id) => this.of(id)),
      'callers',
      seen,
      true,
      out,
    );
    return out.map((n) => this.ids[n]!);
  }

  /** Marks in `seen` what `starts` reach by edges of `direction` (typed ones only, if `typedOnly`); what it newly reaches past the starts goes to `out`. */
  private mark(starts: Iterable<number>, direction: Direction, seen: Uint8Array, typedOnly: boolean, out?: number[]): void {
    const { start, to, byName } = this.rows[direction];
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
        if (seen[m] || (typedOnly && byName[k])) continue;
        seen[m] = 1;
        stack.push(m);
        out?.push(m);
      }
    }
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

  /** The nodes from `end` back to the search's source along `parent`; empty when `end` was not reached. */
  chain(parent: Int32Array, end: number): number[] {
    const out: number[] = [];
    if (end < 0 || parent[end] === -2) return out;
    for (let n = end; n >= 0; n = parent[n]!) out.push(n);
    return out;
  }
}

const indexes = new WeakMap<CallGraph, CallIndex>();
const storedForms = new WeakMap<CallGraph, StoredGraph>();

/**
 * Notes the stored form of a graph (the one it was decoded from, or encoded to when stored):
 * its index is then built from the stored rows, whose numbers it already has, instead of
 * numbering every id of the edge maps again. The rows list the maps' entries in order, so the
 * index is the same.
 */
export function noteStoredForm(graph: CallGraph, stored: StoredGraph): void {
  storedForms.set(graph, stored);
}

/** The call index of a graph, built once. */
export function callIndexOf(graph: CallGraph): CallIndex {
  let index = indexes.get(graph);
  if (!index) {
    const stored = storedForms.get(graph);
    index = stored ? new CallIndex(stored.ids, stored.calls, stored.nameOnly, idNumbers(stored)) : CallIndex.ofMaps(graph);
    indexes.set(graph, index);
  }
  return index;
}
