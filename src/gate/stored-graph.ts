import { IdTable } from './id-table.js';
import { DEFINITION_KINDS, type CallGraph, type Definition } from './types.js';

/**
 * A resolved graph without file texts, as the graph store keeps it: every id once in a table,
 * definitions and edges as numbers into it. A 100 kLOC graph is a third of the size of the same
 * graph as objects, parses faster, and its maps are keyed by the table's strings (each hashed once).
 */
export interface StoredGraph {
  /** The definitions' ids, in order, then every other id an edge names. */
  ids: string[];
  files: string[];
  /** Four numbers per definition (its id is `ids[i]`): kind, file, first line, last line. */
  defs: number[];
  /** Three numbers per span of a definition with several (see Definition.spans): its index, first line, last line. */
  spans?: number[];
  /** Per caller: its id, then its callees' (or read bindings'). */
  calls: number[][];
  nameOnly: number[][];
  reads: number[][];
  unparsable: { file: string; reason: string }[];
}

/** Each stored graph's id → node number (built when it is written or read anyway, and what its call index looks ids up in). */
const numbers = new WeakMap<StoredGraph, Map<string, number>>();

export function idNumbers(stored: StoredGraph): Map<string, number> | undefined {
  return numbers.get(stored);
}

export function encodeGraph(graph: Omit<CallGraph, 'files'>): StoredGraph {
  const table = new IdTable();
  const fileTable = new IdTable();
  const defs: number[] = [];
  const spans: number[] = [];
  for (const d of graph.defs.values()) {
    const n = table.number(d.id);
    defs.push(DEFINITION_KINDS.indexOf(d.kind), fileTable.number(d.file), d.startLine, d.endLine);
    for (const [s, e] of d.spans ?? []) spans.push(n, s, e);
  }
  const stored: StoredGraph = {
    ids: table.ids,
    files: fileTable.ids,
    defs,
    ...(spans.length > 0 ? { spans } : {}),
    calls: table.rows(graph.calls),
    nameOnly: table.rows(graph.nameOnly),
    reads: table.rows(graph.reads),
    unparsable: graph.unparsable,
  };
  numbers.set(stored, table.numbers);
  return stored;
}

/**
 * The graph a stored one holds, or undefined when it is not well formed (a malformed file is a miss,
 * never a crash). Every row is checked here; its edges become maps only when something reads them:
 * a decision searches a stored graph through its call index (built from the rows, see
 * call-index.ts) and reads few of its maps, if any.
 */
export function decodeGraph(stored: unknown): Omit<CallGraph, 'files'> | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const { ids, files, defs, spans, calls, nameOnly, reads, unparsable } = stored as Partial<Record<keyof StoredGraph, unknown>>;
  // each id once: a node number names one id both ways (the call index looks ids up by name)
  if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) return undefined;
  const numberOf = new Map(ids.map((id, i) => [id, i]));
  if (numberOf.size !== ids.length) return undefined;
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) return undefined;
  if (!Array.isArray(defs) || defs.length % 4 !== 0 || defs.length / 4 > ids.length) return undefined;
  const lines = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  const defMap = new Map<string, Definition>();
  const index = (n: unknown): number => (Number.isInteger(n) ? (n as number) : -1);
  for (let i = 0; i < defs.length; i += 4) {
    const kind = DEFINITION_KINDS[index(defs[i])];
    const file = files[index(defs[i + 1])];
    const startLine: unknown = defs[i + 2];
    const endLine: unknown = defs[i + 3];
    if (kind === undefined || file === undefined || !lines(startLine) || !lines(endLine)) return undefined;
    const id = ids[i / 4] as string;
    defMap.set(id, { id, kind, file, startLine, endLine });
  }
  if (spans !== undefined) {
    if (!Array.isArray(spans) || spans.length % 3 !== 0) return undefined;
    const row = spans as unknown[];
    for (let i = 0; i < row.length; i += 3) {
      const n = row[i];
      const s = row[i + 1];
      const e = row[i + 2];
      const d = Number.isInteger(n) ? defMap.get(ids[n as number] as string) : undefined;
      if (!d || !lines(s) || !lines(e) || s > e) return undefined;
      (d.spans ??= []).push([s, e]);
    }
  }
  const isFailure = (u: unknown): u is { file: string; reason: string } =>
    typeof u === 'object' && u !== null && typeof (u as { file: unknown }).file === 'string' && typeof (u as { reason: unknown }).reason === 'string';
  if (!wellFormedRows(calls, ids.length) || !wellFormedRows(nameOnly, ids.length) || !wellFormedRows(reads, ids.length)) return undefined;
  if (!Array.isArray(unparsable) || !unparsable.every(isFailure)) return undefined;
  const table = ids;
  numbers.set(stored as StoredGraph, numberOf);
  let callMap: Map<string, Set<string>> | undefined;
  let nameOnlyMap: Map<string, Set<string>> | undefined;
  let readMap: Map<string, Set<string>> | undefined;
  return {
    defs: defMap,
    get calls() {
      return (callMap ??= edgeMap(calls, table));
    },
    get nameOnly() {
      return (nameOnlyMap ??= edgeMap(nameOnly, table));
    },
    get reads() {
      return (readMap ??= edgeMap(reads, table));
    },
    unparsable,
  };
}

/**
 * Rows of node numbers below `count`, each non-empty, no caller twice and no callee twice in a row
 * (a map of sets, as `encodeGraph` writes it: the call index built from the rows then lists each
 * caller and callee once, as the maps do).
 */
export function wellFormedRows(rows: unknown, count: number): rows is number[][] {
  if (!Array.isArray(rows)) return false;
  const callers = new Uint8Array(count);
  // the row (plus one) that last named each node as a callee
  const calleeIn = new Int32Array(count);
  let r = 0;
  for (const row of rows) {
    r++;
    if (!Array.isArray(row) || row.length === 0) return false;
    for (const n of row) if (!Number.isInteger(n) || n < 0 || n >= count) return false;
    if (callers[row[0] as number]) return false;
    callers[row[0] as number] = 1;
    for (let k = 1; k < row.length; k++) {
      const n = row[k] as number;
      if (calleeIn[n] === r) return false;
      calleeIn[n] = r;
    }
  }
  return true;
}

function edgeMap(rows: number[][], ids: string[]): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const row of rows) {
    const tos = new Set<string>();
    for (let k = 1; k < row.length; k++) tos.add(ids[row[k]!]!);
    m.set(ids[row[0]!]!, tos);
  }
  return m;
}
