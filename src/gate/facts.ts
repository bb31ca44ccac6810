import type { GoFileFacts } from './go/facts.js';
import type { DefinitionKind, GateLanguage } from './types.js';

/**
 * What one file says, independent of every other file: definitions, the call and reference
 * expressions inside each, imports and module-level bindings. Plain JSON so it can be cached
 * by the file's content hash; cross-file resolution happens later, per language.
 */
export interface ScopeFacts {
  /** Name local to the module: '' for module-level code, `Class`, `Class.method`, `outer.inner`. */
  name: string;
  kind: DefinitionKind;
  /** 1-based inclusive lines. */
  start: number;
  end: number;
  /** For methods: the local name of the enclosing class. */
  className?: string;
  /** Callee expressions as dotted chains: `f`, `self.m`, `mod.f`, `super().m`, `obj.m`. */
  calls: string[];
  /** Other referenced names/chains (callbacks passed as values, constants read). */
  refs: string[];
  /** Python: parameters (positional order), how many lack a default, and `*args`/`**kwargs`. */
  params?: { names: string[]; required: number; star?: boolean; dstar?: boolean };
  /** Python: what names, attributes and the return value can hold (`[target, value]`); see FlowExpr. */
  flows?: [string, FlowExpr][];
  /** Python: call expressions (`['c', …]`) and iterations (`['it', value]`) in this scope, in source order. */
  sites?: FlowExpr[];
  /** Python: decorator names (`staticmethod`, `classmethod`, …) of this definition. */
  decorators?: string[];
  /** Python: the definition's name is rebound to what its (non-builtin) decorators return. */
  rebound?: boolean;
  /** Python: names this scope's `global`/`nonlocal` statements bind in another scope → that scope's name ('' for the module). */
  outer?: Record<string, string>;
  /** Python, a module's or class body's: the assignments whose value reads or calls something (see InitializerFacts). */
  initializers?: InitializerFacts[];
}

/**
 * Python: one module-level or class-level assignment's value (`FEES = build_fees()`, `class Loan:
 * RATE = compute_rate()`), as the bindings it sets and the part of its scope's `sites`, `refs` and
 * `calls` that the value's expression holds (half-open index ranges). What the value computes is
 * the bindings' own: their call edges and reads, besides the scope's. Indexes, not lines, so a
 * line added above leaves the facts' shape (and with it the resolution's reuse) as it was.
 */
export interface InitializerFacts {
  /** Local names of the bindings set (a class attribute's with its class's: `Loan.RATE`). */
  names: string[];
  /**
   * In a class body: how many of the file's `bindings` precede this statement's (an index, not a
   * line). A bare name in the value is the class's own attribute only when one of those binds it:
   * Python looks a name up in the class as the body has filled it so far (`TIMEOUT = TIMEOUT`
   * reads the module's).
   */
  bound?: number;
  sites: [number, number];
  refs: [number, number];
  calls: [number, number];
}

/**
 * A Python expression reduced to what a flow analysis needs (plain JSON, cached with the facts):
 * a dotted chain (`a.b.c`); `['a', obj, name]` attribute of a computed value; `['c', callee, args,
 * kwargs, mark?]` a call's result (mark 1: `*args`/`**kwargs` passed; 2: a decorator applied); `['s', v]` an element (subscript, unpacking); `['i', v]` an
 * element of iteration; `['l', id, ...items]` a list/tuple/set/dict literal (dict: its values; id: its number in the file);
 * `['u', ...alts]` either value; `['d', localName]` a definition (lambda, decorated function);
 * `['str', text]` a string literal; `['t', chain]` an instance of an annotated class; `['o', names,
 * reflected, receiver, args]` an implicit dunder call's result (`a + b`: `['o', '__add__',
 * '__radd__', a, [b]]`; names and reflected list alternatives in Python's order, `|`-separated;
 * `a + b` and `a | b` add the expression's id, the container they make when a side is one).
 * Sites only: `['it', v]` iterating v; `['g', attr]`, `['set', attr, value]`, `['del', attr]`
 * reading, assigning, deleting an attribute (a property's accessor may run); `['o', …]` an
 * operator, subscript, comparison, truth test or f-string field. null: unknown.
 */
export type FlowExpr = string | null | (string | number | FlowExpr | FlowExpr[] | [string, FlowExpr][])[];

export interface ImportFacts {
  /** Name bound in this file (alias or first component). '*' for star imports. */
  local: string;
  /** Imported module (absolute, dotted for Python; import path for Go; package for Java). */
  module: string;
  /** Imported member, when the import names one (`from m import f` → f). */
  name?: string;
  line: number;
}

export interface FileFacts {
  language: GateLanguage;
  /** Module name: dotted path without extension (`pkg/mod.py` → `pkg.mod`). */
  module: string;
  lineCount: number;
  scopes: ScopeFacts[];
  classes: { name: string; bases: string[]; kind?: 'class' | 'interface' | 'struct' }[];
  imports: ImportFacts[];
  /** Module-level names bound by assignments/constants/imports, with their statement's lines. */
  bindings: { name: string; start: number; end: number }[];
  /** Go: the directory; Java: the declared package. */
  package?: string;
  /** Go: declared types, signatures and typed bodies for type-aware resolution. */
  go?: GoFileFacts;
}

/** `pkg/mod.py` → `pkg.mod`; `pkg/__init__.py` → `pkg` (Python only). */
export function moduleNameFor(file: string, language: GateLanguage): string {
  let noExt = file.replace(/\.[^./]+$/, '');
  if (language === 'python' && noExt.endsWith('/__init__')) noExt = noExt.slice(0, -'/__init__'.length);
  if (language === 'python' && noExt === '__init__') noExt = '';
  return noExt
    .split('/')
    .filter((s) => s.length > 0)
    .join('.');
}

/** Qualified name of a definition in `f` (`pkg.mod.local`); the empty name is the module itself. */
export function qualifiedName(f: FileFacts, local: string): string {
  return local ? `${f.module}.${local}` : f.module;
}

/**
 * The name a Java overload answers to: each declaration of a method name after the first in its
 * class is its own definition `….Class.m(T1,T2)` (parameter types, maybe `#n` after), and a root
 * pattern or a suggested root names it as `….Class.m`, like every overload of `m`. Undefined for
 * any other id.
 */
export function overloadName(id: string): string | undefined {
  const m = /^(.*[^.])\([\w$[\],?]*\)(?:#\d+)?$/.exec(id);
  return m?.[1];
}

/** The name a root pattern matches for a definition's id: the id, except a Java overload's (`….Class.m(int)` answers to `….Class.m`). */
export function rootNameOf(id: string, language: string | undefined): string {
  return (language === 'java' ? overloadName(id) : undefined) ?? id;
}

/** Appends `value` to the list under `key` (index maps used by the resolvers). */
export function pushTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * A record's own entry (`undefined` when it has none). Facts keep records keyed by the code's own
 * names (Go's locals, types and functions, Java's fields), and a name like `constructor`,
 * `toString` or `__proto__` must never reach `Object.prototype`'s members.
 */
export function ownEntry<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An empty record for names of the code (no prototype: see {@link ownEntry}). */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
