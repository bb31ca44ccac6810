import { definitionEncloses, type CallGraph, type Definition, type DefinitionKind, type GraphFile } from './types.js';

/** What a language's resolver reads and writes: the definitions registered before it, and the edges it finds. */
export interface ResolutionTarget {
  hasDef(id: string): boolean;
  kindOf(id: string): DefinitionKind | undefined;
  call(from: string, to: string, how?: 'typed' | 'name'): void;
  read(from: string, binding: string): void;
}

/** Accumulates definitions and edges for one revision; `finish()` yields the CallGraph. */
export class GraphBuilder implements ResolutionTarget {
  private readonly defs = new Map<string, Definition>();
  private calls = new Map<string, Set<string>>();
  private nameOnly = new Map<string, Set<string>>();
  private reads = new Map<string, Set<string>>();
  private readonly unparsable: { file: string; reason: string }[] = [];
  private readonly files = new Map<string, GraphFile>();

  addDef(def: Definition): void {
    const existing = this.defs.get(def.id);
    // a redefinition (e.g. `if x: def f` / `else: def f`) widens the span rather than hiding one; a
    // binding assigned again keeps each assignment's lines too (the code between is not its own)
    if (existing && existing.file === def.file) {
      if (existing.kind === 'binding' && def.kind === 'binding' && !definitionEncloses(existing, def.startLine, def.endLine))
        (existing.spans ??= [[existing.startLine, existing.endLine]]).push([def.startLine, def.endLine]);
      existing.startLine = Math.min(existing.startLine, def.startLine);
      existing.endLine = Math.max(existing.endLine, def.endLine);
      return;
    }
    if (!existing) this.defs.set(def.id, def);
  }
  hasDef(id: string): boolean {
    return this.defs.has(id);
  }
  kindOf(id: string): DefinitionKind | undefined {
    return this.defs.get(id)?.kind;
  }
  /**
   * Records a call. `how` says whether the callee was found through a type (or a direct name
   * binding) or only by its name; a typed edge always wins over the same edge found by name.
   */
  call(from: string, to: string, how: 'typed' | 'name' = 'typed'): void {
    if (from === to) return;
    let s = this.calls.get(from);
    if (!s) this.calls.set(from, (s = new Set()));
    const known = s.has(to);
    s.add(to);
    const byName = this.nameOnly.get(from);
    if (how === 'typed') {
      byName?.delete(to);
      if (byName?.size === 0) this.nameOnly.delete(from);
    } else if (!known || byName?.has(to)) {
      if (byName) byName.add(to);
      else this.nameOnly.set(from, new Set([to]));
    }
  }
  /**
   * Records edges already resolved (`nameOnly` the subset of `calls` found by name only, none of
   * them typed elsewhere in `calls`). With `adopt`, and nothing recorded yet, the maps themselves
   * become this graph's: the caller hands them over and changes them no more.
   */
  addEdges(edges: { calls: Map<string, Set<string>>; nameOnly: Map<string, Set<string>>; reads: Map<string, Set<string>> }, adopt: boolean): void {
    if (adopt && this.calls.size === 0 && this.nameOnly.size === 0 && this.reads.size === 0) {
      this.calls = edges.calls;
      this.nameOnly = edges.nameOnly;
      this.reads = edges.reads;
      return;
    }
    for (const [from, tos] of edges.calls) {
      const byName = edges.nameOnly.get(from);
      for (const to of tos) this.call(from, to, byName?.has(to) ? 'name' : 'typed');
    }
    for (const [from, tos] of edges.reads) for (const to of tos) this.read(from, to);
  }
  read(from: string, binding: string): void {
    if (from === binding) return;
    let s = this.reads.get(from);
    if (!s) this.reads.set(from, (s = new Set()));
    s.add(binding);
  }
  /** The edges of one kind recorded so far from `callers` (those that have any). */
  edgesFrom(callers: Iterable<string>, kind: 'calls' | 'nameOnly' | 'reads'): Map<string, ReadonlySet<string>> {
    const all = this[kind];
    const out = new Map<string, ReadonlySet<string>>();
    for (const c of callers) {
      const tos = all.get(c);
      if (tos?.size) out.set(c, tos);
    }
    return out;
  }
  /** The file as given (its text may be read only when first used). */
  addFile(file: string, source: GraphFile): void {
    this.files.set(file, source);
  }
  failed(file: string, reason: string): void {
    this.unparsable.push({ file, reason });
  }
  finish(): CallGraph {
    return { defs: this.defs, calls: this.calls, nameOnly: this.nameOnly, reads: this.reads, unparsable: this.unparsable, files: this.files };
  }
}
