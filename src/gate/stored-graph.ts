import type { CallGraph, Definition, DefinitionKind } from './types.js';

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
  /** Per caller: its id, then its callees' (or read bindings'). */
  calls: number[][];
  nameOnly: number[][];
  reads: number[][];
  unparsable: { file: string; reason: string }[];
}

const KINDS: readonly DefinitionKind[] = ['module', 'class', 'function', 'method', 'binding'];

export function encodeGraph(graph: Omit<CallGraph, 'files'>): StoredGraph {
  const ids: string[] = [];
  const number = new Map<string, number>();
  const idOf = (id: string): number => {
    let n = number.get(id);
    if (n === undefined) {
      number.set(id, (n = ids.length));
      ids.push(id);
    }
    return n;
  };
  const files: string[] = [];
  const fileNumber = new Map<string, number>();
  const defs: number[] = [];
  for (const d of graph.defs.values()) {
    idOf(d.id);
    let f = fileNumber.get(d.file);
    if (f === undefined) {
      fileNumber.set(d.file, (f = files.length));
      files.push(d.file);
    }
    defs.push(KINDS.indexOf(d.kind), f, d.startLine, d.endLine);
  }
  const edges = (m: Map<string, Set<string>>): number[][] => [...m].map(([from, tos]) => [idOf(from), ...[...tos].map(idOf)]);
  return { ids, files, defs, calls: edges(graph.calls), nameOnly: edges(graph.nameOnly), reads: edges(graph.reads), unparsable: graph.unparsable };
}

/** The graph a stored one holds, or undefined when it is not well formed (a malformed file is a miss, never a crash). */
export function decodeGraph(stored: unknown): Omit<CallGraph, 'files'> | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const { ids, files, defs, calls, nameOnly, reads, unparsable } = stored as Partial<Record<keyof StoredGraph, unknown>>;
  if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) return undefined;
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string')) return undefined;
  if (!Array.isArray(defs) || defs.length % 4 !== 0 || defs.length / 4 > ids.length) return undefined;
  const lines = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  const defMap = new Map<string, Definition>();
  const index = (n: unknown): number => (Number.isInteger(n) ? (n as number) : -1);
  for (let i = 0; i < defs.length; i += 4) {
    const kind = KINDS[index(defs[i])];
    const file = files[index(defs[i + 1])];
    const startLine: unknown = defs[i + 2];
    const endLine: unknown = defs[i + 3];
    if (kind === undefined || file === undefined || !lines(startLine) || !lines(endLine)) return undefined;
    const id = ids[i / 4] as string;
    defMap.set(id, { id, kind, file, startLine, endLine });
  }
  const edgeMap = (rows: unknown): Map<string, Set<string>> | undefined => {
    if (!Array.isArray(rows)) return undefined;
    const m = new Map<string, Set<string>>();
    for (const row of rows) {
      if (!Array.isArray(row) || row.length === 0) return undefined;
      const names: string[] = [];
      for (const n of row) {
        const id = Number.isInteger(n) ? ids[n as number] : undefined;
        if (id === undefined) return undefined;
        names.push(id);
      }
      m.set(names[0]!, new Set(names.slice(1)));
    }
    return m;
  };
  const c = edgeMap(calls);
  const o = edgeMap(nameOnly);
  const r = edgeMap(reads);
  const isFailure = (u: unknown): u is { file: string; reason: string } =>
    typeof u === 'object' && u !== null && typeof (u as { file: unknown }).file === 'string' && typeof (u as { reason: unknown }).reason === 'string';
  if (!c || !o || !r || !Array.isArray(unparsable) || !unparsable.every(isFailure)) return undefined;
  return { defs: defMap, calls: c, nameOnly: o, reads: r, unparsable };
}
