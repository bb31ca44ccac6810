/**
 * Go-specific per-file facts for type-aware resolution: declared types of package members,
 * signatures, struct fields and interface method sets, and for every function body its locals
 * (declared types or defining expressions) and calls as small expression trees. Plain JSON (cached
 * with the file's other facts); names inside refer to the file's own imports and package.
 */

/** A type as written: named (`T`, `pkg.T` with q = the import's local name), a container, or a func type. */
export type GoType = { k: 'n'; n: string; q?: string } | { k: 'e'; e: GoType | null } | { k: 'f'; p: (GoType | null)[]; r: (GoType | null)[]; v?: true };

/** An expression, as far as typing needs it; null is anything else. */
export type GoExpr =
  | { k: 'id'; n: string }
  | { k: 'sel'; x: GoExpr | null; n: string }
  | { k: 'call'; f: GoExpr | null; a: (GoExpr | null)[]; s?: true }
  /** result i of a call (multiple assignment) */
  | { k: 'res'; x: GoExpr | null; i: number }
  /** a value of a written type: composite literal, conversion, new(T), type assertion */
  | { k: 'lit'; t: GoType | null }
  /** an element of a container (index, range value, receive) */
  | { k: 'elem'; x: GoExpr | null }
  /** a function literal (its body's calls belong to the enclosing function) */
  | { k: 'fn'; t: GoType };

export interface GoLocal {
  t?: GoType | null;
  v?: GoExpr | null;
  /** parameter position (receiver excluded) when the local is a parameter of the function itself */
  p?: number;
}

export interface GoCall {
  f: GoExpr | null;
  /** the arguments, as far as they name or type a value (a function literal is null) */
  a: (GoExpr | null)[];
  /** the last argument is spread (`xs...`) */
  s?: true;
}

export interface GoBody {
  locals: Record<string, GoLocal[]>;
  calls: GoCall[];
  /** identifiers and selectors used as values (function values, method values, package variables) */
  refs: GoExpr[];
  /**
   * values stored into struct fields (`T{f: v}` with t, `x.f = v` with x; f a number: the field at
   * that position, `T{v}`), for fields holding functions and library fields the library calls (`Handler`)
   */
  stores?: { t?: GoType | null; x?: GoExpr | null; f: string | number; v: GoExpr | null }[];
  /**
   * Function values a place comes to hold as a whole or as an element: a package variable (`x` an
   * identifier, or `pkg.V`) or a struct field (`x.f`, or field f of type t), from
   * `handlers[k] = fee`, `fees = append(fees, fee)`, `var handlers = map[string]Fee{"card": fee}`,
   * `r.byKind[k] = fn`, `Registry{fees: map[string]Fee{…}}`. v is the value; for a function
   * literal, each call and reference its body makes is one entry (calling the literal runs them).
   * Places of a function's own: l a local (`m[k] = fee`, `m = append(m, fee)`, `m := Table{…}`;
   * also what the local points to or shares, `p := &handlers; (*p)[k] = fee`), r its result at
   * that position (`return map[string]Fee{…}`, `return m`), c/i parameter i of the callee of call
   * c of `calls` (`run(map[string]Fee{…})`). f a number: the struct field at that position.
   */
  holds?: { x?: GoExpr | null; t?: GoType | null; f?: string | number; l?: string; r?: number; c?: number; i?: number; v: GoExpr | null }[];
}

export interface GoSig {
  params: (GoType | null)[];
  variadic?: true;
  results: (GoType | null)[];
}

export interface GoTypeDecl {
  kind: 'struct' | 'interface' | 'other';
  /** struct fields; an embedded field has no name (its type's name is the field's name) */
  fields?: { n?: string; t: GoType | null }[];
  /** interface methods and embedded interfaces */
  methods?: { n: string; sig: GoSig }[];
  embeds?: (GoType | null)[];
  /** `type A B` / `type A = B`: the type it is defined from */
  under?: GoType | null;
}

export interface GoFileFacts {
  types: Record<string, GoTypeDecl>;
  /** functions by name and methods by `Type.name` */
  funcs: Record<string, GoSig>;
  /** package-level variables and constants */
  vars: Record<string, GoLocal[]>;
  /** bodies by scope name ('' is the package-level initialisers) */
  bodies: Record<string, GoBody>;
  /**
   * Each package-level variable's or constant's own initializer, by its name: what computing its
   * value calls and reads (the same expressions are also the package-level body's, '' above)
   */
  inits?: Record<string, GoBody>;
  /** Package-level names the file's `init` functions assign or call methods on (`fees = build()`, `rates[k] = v`, `reg.Add(h)`) */
  initSets?: string[];
}
