import { createHash } from 'node:crypto';
import type { FileFacts } from './facts.js';
import { type GraphBuilder, type ResolutionTarget } from './graph-builder.js';
import { IdTable } from './id-table.js';
import { wellFormedRows } from './stored-graph.js';
import type { DefinitionKind } from './types.js';

/**
 * Reusing a language's resolution when nothing it reads changed. A resolver (Python's flow
 * analysis, Go's and Java's type-aware resolution) is a function of the facts of every file and of
 * the definitions registered from them, and reads no position: two runs whose facts differ only
 * in lines find the same edges. So the edges a resolution found are stored under a key made of
 * every file's shape (its facts without positions), and a later resolution with the same key, in
 * the same run (head after base) or a later one (a warm run after an edit), replays them instead.
 * An edit inside a body that changes no name, call, reference, assignment, import or operator
 * (Python's operators, subscripts and truth tests are implicit calls: a literal operand, lines
 * added or removed) keeps every shape; one that adds a call does not, and resolves again.
 */

/**
 * Digest of what a resolver reads of one file's facts: everything but the positions (the lines of
 * definitions, bindings and imports, and the line count). Every other field is kept, whatever it
 * is, so a field added to the facts later is part of the shape without a change here. The shape is
 * cached with the facts, which are checked against the cache format only: a change to what it
 * keeps needs a new CACHE_FORMAT (cache.ts), or an old, coarser shape would let a resolution be
 * replayed for facts it did not read.
 */
export function shapeOf(f: FileFacts): string {
  const { lineCount: _lines, shape: _shape, ...rest } = f as FileFacts & { shape?: unknown };
  const projection = {
    ...rest,
    scopes: f.scopes.map(({ start: _s, end: _e, ...scope }) => scope),
    imports: f.imports.map(({ line: _l, ...imp }) => imp),
    bindings: f.bindings.map(({ start: _start, end: _end, ...b }) => b),
  };
  return createHash('sha256').update(JSON.stringify(projection)).digest('hex');
}

/**
 * The keys of a revision's resolutions, one per language, over `files` (path → shape, every
 * non-TypeScript file of the revision in the order the resolvers see them): the definitions of
 * every language are registered before any resolver runs, and a resolver asks for ids that could
 * in principle be another language's, so every file is part of every language's key. The files
 * are hashed once for all languages.
 */
export function resolutionKeys(format: string, files: readonly (readonly [path: string, shape: string])[]): (language: string) => string {
  const h = createHash('sha256');
  for (const [file, shape] of files) h.update(`${file}\0${shape}\n`);
  const all = h.digest('hex');
  return (language) => createHash('sha256').update(`${format}\0${language}\0${all}`).digest('hex');
}

/**
 * A resolution's edges as stored: every id once in a table, each row a caller's number then its
 * callees' (`nameOnly`: the subset of `calls` found by name only) or read bindings'.
 */
export interface StoredResolution {
  ids: string[];
  calls: number[][];
  nameOnly: number[][];
  reads: number[][];
}

/** A stored resolution read back, or undefined when it is not one (a cache is never a source of truth): its rows are checked as a stored graph's are. */
export function checkStoredResolution(v: unknown): StoredResolution | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { ids, calls, nameOnly, reads } = v as Partial<Record<keyof StoredResolution, unknown>>;
  if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string') || new Set(ids).size !== ids.length) return undefined;
  const n = ids.length;
  return wellFormedRows(calls, n) && wellFormedRows(nameOnly, n) && wellFormedRows(reads, n) ? { ids, calls, nameOnly, reads } : undefined;
}

/**
 * Passes a resolver's questions and edges to the graph, noting which callers it gave edges, so
 * what this one resolution found can be read back from the graph and stored. A caller's edges in
 * the graph are the union of every resolution's (a typed edge wins over the same edge found by
 * name, whatever their order), so replaying them gives the same graph.
 */
export class RecordingTarget implements ResolutionTarget {
  private readonly callers = new Set<string>();
  constructor(private readonly g: GraphBuilder) {}
  hasDef(id: string): boolean {
    return this.g.hasDef(id);
  }
  kindOf(id: string): DefinitionKind | undefined {
    return this.g.kindOf(id);
  }
  call(from: string, to: string, how: 'typed' | 'name' = 'typed'): void {
    this.callers.add(from);
    this.g.call(from, to, how);
  }
  read(from: string, binding: string): void {
    this.callers.add(from);
    this.g.read(from, binding);
  }
  recorded(): StoredResolution {
    const table = new IdTable();
    return {
      calls: table.rows(this.g.edgesFrom(this.callers, 'calls')),
      nameOnly: table.rows(this.g.edgesFrom(this.callers, 'nameOnly')),
      reads: table.rows(this.g.edgesFrom(this.callers, 'reads')),
      ids: table.ids,
    };
  }
}

/** Adds a stored resolution's edges to the graph, as the resolver did. */
export function replayResolution(r: StoredResolution, g: ResolutionTarget): void {
  const { ids } = r;
  const nameOnly = new Map(r.nameOnly.map((row) => [row[0]!, new Set(row.slice(1))]));
  for (const [from, ...tos] of r.calls) {
    const byName = nameOnly.get(from!);
    for (const to of tos) g.call(ids[from!]!, ids[to]!, byName?.has(to) ? 'name' : 'typed');
  }
  for (const [from, ...tos] of r.reads) for (const to of tos) g.read(ids[from!]!, ids[to]!);
}
