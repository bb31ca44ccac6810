import type { CallGraph, Definition, DefinitionKind, GateLanguage } from './types.js';

/** Accumulates definitions and edges for one revision; `finish()` yields the CallGraph. */
export class GraphBuilder {
  private readonly defs = new Map<string, Definition>();
  private readonly calls = new Map<string, Set<string>>();
  private readonly reads = new Map<string, Set<string>>();
  private readonly unparsable: { file: string; reason: string }[] = [];
  private readonly files = new Map<string, { language: GateLanguage; text: string }>();

  addDef(def: Definition): void {
    const existing = this.defs.get(def.id);
    // a redefinition (e.g. `if x: def f` / `else: def f`) widens the span rather than hiding one
    if (existing && existing.file === def.file) {
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
  call(from: string, to: string): void {
    if (from === to) return;
    let s = this.calls.get(from);
    if (!s) this.calls.set(from, (s = new Set()));
    s.add(to);
  }
  read(from: string, binding: string): void {
    if (from === binding) return;
    let s = this.reads.get(from);
    if (!s) this.reads.set(from, (s = new Set()));
    s.add(binding);
  }
  addFile(file: string, language: GateLanguage, text: string): void {
    this.files.set(file, { language, text });
  }
  failed(file: string, reason: string): void {
    this.unparsable.push({ file, reason });
  }
  finish(): CallGraph {
    return { defs: this.defs, calls: this.calls, reads: this.reads, unparsable: this.unparsable, files: this.files };
  }
}
