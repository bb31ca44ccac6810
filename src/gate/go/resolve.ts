import { ownEntry, qualifiedName, type FileFacts } from '../facts.js';
import type { ResolutionTarget } from '../graph-builder.js';
import type { GoBody, GoExpr, GoLocal, GoSig, GoType, GoTypeDecl } from './facts.js';
import { METHOD_PARAMS, STD_FIELDS, STD_INTERFACES, STD_RESULTS, stdRule, type StdRule } from './stdlib.js';

const BUILTINS = new Set('append cap clear close complex copy delete imag len make max min new panic print println real recover'.split(' '));
const BASIC_TYPES = new Set(
  'any bool byte comparable complex128 complex64 error float32 float64 int int16 int32 int64 int8 rune string uint uint16 uint32 uint64 uint8 uintptr'.split(
    ' ',
  ),
);

interface Pkg {
  dir: string;
  files: FileCtx[];
  types: Map<string, { decl: GoTypeDecl; fc: FileCtx }>;
  funcs: Map<string, Fn[]>;
  /** methods by receiver type name, then method name */
  methods: Map<string, Map<string, Fn[]>>;
  vars: Map<string, { locals: GoLocal[]; fc: FileCtx; id: string }[]>;
  /** import paths of the package's files */
  importPaths: Set<string>;
}
interface FileCtx {
  f: FileFacts;
  pkg: Pkg;
  imports: Map<string, string>;
  dots: string[];
}
interface Fn {
  id: string;
  sig: GoSig;
  fc: FileCtx;
  dir: string;
}
/**
 * A resolved type: a repository type (package dir + name), an external one (id `import/path.Name`
 * or `error` where known), a container, a func type.
 */
type RT = { r: 'named'; dir: string; n: string } | { r: 'ext'; id?: string } | { r: 'elem'; e: RT | null } | { r: 'func'; t: GoType & { k: 'f' }; fc: FileCtx };
/** What an expression may denote. */
type Val =
  | { v: 'val'; t: RT }
  /** held: a function a variable or field holds (see GoBody.holds), called through it but not referenced by naming it */
  | { v: 'fn'; fn: Fn; held?: true }
  | { v: 'type'; t: RT }
  | { v: 'pkg'; dir: string | null; path: string }
  | { v: 'param'; i: number }
  /** something outside the repository (id: the external function, when known; m: the method of an external type, when known) */
  | { v: 'ext'; id?: string; m?: string };

interface EvalCtx {
  fc: FileCtx;
  body: GoBody | undefined;
  key: string;
  /** records package-level bindings read while evaluating (only for the scope's own expressions) */
  reads?: (id: string) => void;
}

/**
 * Cross-file resolution for Go, by type where the type is known. A package is a directory;
 * `pkg.F()` resolves through the import path to the longest repository directory it ends with.
 * Locals, parameters, receivers, struct fields (with embedding), results of calls and composite
 * literals are typed from their declarations; `x.M()` then reaches the method of x's type
 * (promoted through embedded fields), and on an interface every repository type whose method set
 * has all the interface's methods. Function and method values are edges where referenced, and a
 * function that calls its function parameter calls what its callers pass. Only a receiver of
 * unknown type falls back to the methods of that name visible from the caller (its package and
 * the packages it imports, transitively) whose arity fits, recorded as name-only edges.
 */
export function resolveGo(files: Map<string, FileFacts>, g: ResolutionTarget): void {
  const q = qualifiedName;
  const pkgs = new Map<string, Pkg>();
  const fileCtxs: FileCtx[] = [];
  const methodsByName = new Map<string, Fn[]>();
  for (const [, f] of files) {
    const dir = f.package ?? '';
    let p = pkgs.get(dir);
    if (!p) pkgs.set(dir, (p = { dir, files: [], types: new Map(), funcs: new Map(), methods: new Map(), vars: new Map(), importPaths: new Set() }));
    const fc: FileCtx = { f, pkg: p, imports: new Map(f.imports.filter((i) => i.local !== '*').map((i) => [i.local, i.module])), dots: [] };
    p.files.push(fc);
    fileCtxs.push(fc);
    for (const i of f.imports) p.importPaths.add(i.module);
    const go = f.go;
    if (!go) continue;
    for (const [name, decl] of Object.entries(go.types)) p.types.set(name, { decl, fc });
    for (const [local, sig] of Object.entries(go.funcs)) {
      const fn: Fn = { id: q(f, local), sig, fc, dir };
      const dot = local.indexOf('.');
      if (dot < 0) push(p.funcs, local, fn);
      else {
        const t = local.slice(0, dot);
        const m = local.slice(dot + 1);
        let byName = p.methods.get(t);
        if (!byName) p.methods.set(t, (byName = new Map<string, Fn[]>()));
        push(byName, m, fn);
        push(methodsByName, m, fn);
      }
    }
    for (const [name, locals] of Object.entries(go.vars)) {
      const list = p.vars.get(name) ?? [];
      list.push({ locals, fc, id: q(f, name) });
      p.vars.set(name, list);
    }
  }

  // import path → repository directory: the longest directory the path ends with; an import of the
  // module root is recognised from the prefix other imports share (`<module>/<dir>`)
  const dirs = [...pkgs.keys()].filter((d) => d !== '');
  const moduleRoots = new Set<string>();
  const importDirCache = new Map<string, string | null>();
  const importDir = (importPath: string): string | null => {
    let d = importDirCache.get(importPath);
    if (d !== undefined) return d;
    d = null;
    for (const dir of dirs) if ((importPath === dir || importPath.endsWith('/' + dir)) && (d === null || dir.length > d.length)) d = dir;
    if (d !== null && importPath.length > d.length) moduleRoots.add(importPath.slice(0, importPath.length - d.length - 1));
    importDirCache.set(importPath, d);
    return d;
  };
  for (const fc of fileCtxs) for (const p of fc.imports.values()) importDir(p);
  if (pkgs.has('')) for (const r of moduleRoots) importDirCache.set(r, '');
  for (const fc of fileCtxs)
    fc.dots = fc.f.imports
      .filter((i) => i.local === '*')
      .map((i) => importDir(i.module))
      .filter((d): d is string => d !== null);

  // ---- types -------------------------------------------------------------------------------
  const resolveType = (t: GoType | null | undefined, fc: FileCtx): RT | null => {
    if (!t) return null;
    if (t.k === 'e') return { r: 'elem', e: resolveType(t.e, fc) };
    if (t.k === 'f') return { r: 'func', t, fc };
    if (t.q !== undefined) {
      const path = fc.imports.get(t.q);
      if (path === undefined) return null;
      const dir = importDir(path);
      if (dir === null) return { r: 'ext', id: `${path}.${t.n}` };
      return pkgs.get(dir)?.types.has(t.n) ? { r: 'named', dir, n: t.n } : { r: 'ext' };
    }
    if (fc.pkg.types.has(t.n)) return { r: 'named', dir: fc.pkg.dir, n: t.n };
    for (const d of fc.dots) if (pkgs.get(d)?.types.has(t.n)) return { r: 'named', dir: d, n: t.n };
    if (BASIC_TYPES.has(t.n)) return t.n === 'error' ? { r: 'ext', id: 'error' } : { r: 'ext' };
    return null; // a type parameter or a type declared inside a function
  };
  const declOf = (t: { dir: string; n: string }): { decl: GoTypeDecl; fc: FileCtx } | undefined => pkgs.get(t.dir)?.types.get(t.n);

  const ifaceCache = new Map<string, Set<string> | null>();
  /** Method names of an interface type (with embedded interfaces); null when it is not one. */
  const ifaceMethods = (t: { dir: string; n: string }): Set<string> | null => {
    const key = `${t.dir}\0${t.n}`;
    if (ifaceCache.has(key)) return ifaceCache.get(key)!;
    ifaceCache.set(key, null);
    const d = declOf(t);
    let out: Set<string> | null = null;
    if (d?.decl.kind === 'interface') {
      out = new Set((d.decl.methods ?? []).map((m) => m.n));
      for (const e of d.decl.embeds ?? []) {
        const rt = resolveType(e, d.fc);
        if (rt?.r === 'named') for (const m of ifaceMethods(rt) ?? []) out.add(m);
      }
    } else if (d?.decl.kind === 'other') {
      const rt = resolveType(d.decl.under, d.fc);
      if (rt?.r === 'named') out = ifaceMethods(rt);
    }
    ifaceCache.set(key, out);
    return out;
  };

  const methodSetCache = new Map<string, Set<string>>();
  /** Method names of a concrete type, own and promoted through embedded fields. */
  const methodNames = (t: { dir: string; n: string }, seen = new Set<string>()): Set<string> => {
    const key = `${t.dir}\0${t.n}`;
    const cached = methodSetCache.get(key);
    if (cached) return cached;
    const out = new Set<string>(pkgs.get(t.dir)?.methods.get(t.n)?.keys() ?? []);
    if (seen.has(key)) return out;
    seen.add(key);
    const d = declOf(t);
    for (const fld of d?.decl.fields ?? []) {
      if (fld.n !== undefined) continue;
      const rt = resolveType(fld.t, d!.fc);
      if (rt?.r !== 'named') continue;
      for (const m of ifaceMethods(rt) ?? methodNames(rt, seen)) out.add(m);
    }
    methodSetCache.set(key, out);
    return out;
  };

  let concreteTypes: { dir: string; n: string }[] | undefined;
  const implCache = new Map<string, { dir: string; n: string }[]>();
  /** Repository types whose method sets have every method of the interface (by name). */
  const implementers = (t: { dir: string; n: string }, names: Set<string>): { dir: string; n: string }[] => {
    const key = `${t.dir}\0${t.n}`;
    let out = implCache.get(key);
    if (out) return out;
    concreteTypes ??= [...pkgs.values()].flatMap((p) => [...p.types].filter(([, d]) => d.decl.kind !== 'interface').map(([n]) => ({ dir: p.dir, n })));
    out =
      names.size === 0
        ? []
        : concreteTypes.filter((c) => {
            const ms = methodNames(c);
            for (const m of names) if (!ms.has(m)) return false;
            return true;
          });
    implCache.set(key, out);
    return out;
  };

  const methodCache = new Map<string, { fns: Fn[]; ext: boolean; found: boolean }>();
  /** Methods `name` of a type: own, promoted through embedding, or through an interface its implementers'. */
  const lookupMethod = (t: { dir: string; n: string }, name: string, depth = 0): { fns: Fn[]; ext: boolean; found: boolean } => {
    const key = `${t.dir}\0${t.n}\0${name}`;
    const cached = methodCache.get(key);
    if (cached) return cached;
    const res = { fns: [] as Fn[], ext: false, found: false };
    if (depth > 8) return res;
    methodCache.set(key, res);
    const iface = ifaceMethods(t);
    if (iface) {
      if (iface.has(name)) {
        res.found = true;
        for (const impl of implementers(t, iface)) res.fns.push(...lookupMethod(impl, name, depth + 1).fns);
      }
      return res;
    }
    const own = pkgs.get(t.dir)?.methods.get(t.n)?.get(name);
    if (own) {
      res.fns.push(...own);
      res.found = true;
      return res;
    }
    const d = declOf(t);
    for (const fld of d?.decl.fields ?? []) {
      if (fld.n !== undefined) continue;
      const rt = resolveType(fld.t, d!.fc);
      if (rt?.r === 'named') {
        const sub = lookupMethod(rt, name, depth + 1);
        res.fns.push(...sub.fns);
        res.found ||= sub.found;
        res.ext ||= sub.ext;
      } else if (rt?.r === 'ext') res.ext = true;
    }
    return res;
  };

  /** Field `name` of a struct type (own first, then promoted through embedded fields; an embedded field is named by its type). */
  const lookupField = (t: { dir: string; n: string }, name: string, depth = 0): { t: GoType | null; fc: FileCtx; owner: string }[] => {
    const d = declOf(t);
    if (!d || depth > 8) return [];
    if (d.decl.kind === 'other') {
      const rt = resolveType(d.decl.under, d.fc);
      return rt?.r === 'named' ? lookupField(rt, name, depth + 1) : [];
    }
    const fields = d.decl.fields ?? [];
    const own = fields.filter((f) => (f.n ?? (f.t?.k === 'n' ? f.t.n : undefined)) === name);
    if (own.length > 0) return own.map((f) => ({ t: f.t, fc: d.fc, owner: `${t.dir}\0${t.n}\0${name}` }));
    const out: { t: GoType | null; fc: FileCtx; owner: string }[] = [];
    for (const fld of fields) {
      if (fld.n !== undefined) continue;
      const rt = resolveType(fld.t, d.fc);
      if (rt?.r === 'named') out.push(...lookupField(rt, name, depth + 1));
    }
    return out;
  };

  /** The field a store or hold names: by name, or by position in a struct literal (`Book{fee}`; a named map or slice has no fields). */
  const fieldsAt = (t: { dir: string; n: string }, f: string | number): { t: GoType | null; fc: FileCtx; owner: string }[] => {
    if (typeof f === 'string') return lookupField(t, f);
    const d = declOf(t);
    const fld = d?.decl.kind === 'struct' ? d.decl.fields?.[f] : undefined;
    const name = fld ? (fld.n ?? (fld.t?.k === 'n' ? fld.t.n : undefined)) : undefined;
    return name === undefined ? [] : lookupField(t, name);
  };

  // ---- values ------------------------------------------------------------------------------
  const valOfType = (t: GoType | null | undefined, fc: FileCtx): Val[] => {
    const rt = resolveType(t, fc);
    return rt ? [{ v: 'val', t: rt }] : [];
  };
  const resultsOf = (sig: GoSig, fc: FileCtx, i: number): Val[] => valOfType(sig.results[i], fc);

  let memos = new WeakMap<object, Map<string, Val[]>>();
  /** functions stored into struct fields, by declaring type and field */
  const fieldFns = new Map<string, Fn[]>();
  /**
   * functions a package variable (by id) or a struct field (by declaring type and field) holds,
   * see GoBody.holds; and a function's own places: `<fn>\0=<local>`, `<fn>\0#<param>`, `<fn>\0^<result>`
   */
  const held = new Map<string, Fn[]>();
  /** while collecting: the places whose functions were read (another round is needed when one of them grew) */
  let heldReads: Set<string> | null = null;
  const heldAt = (place: string): Fn[] | undefined => {
    heldReads?.add(place);
    return held.get(place);
  };
  /** The values of a local (or package variable), memoised per body (or per package) and name. */
  const evalLocals = (owner: object, key: string, locals: GoLocal[], ec: EvalCtx): Val[] => {
    let memo = memos.get(owner);
    if (!memo) memos.set(owner, (memo = new Map<string, Val[]>()));
    const hit = memo.get(key);
    if (hit) return hit;
    memo.set(key, []); // a cycle (`x = f(x)`) contributes nothing more
    const out: Val[] = [];
    const inner: EvalCtx = { fc: ec.fc, body: ec.body, key: ec.key };
    for (const l of locals) {
      if (l.p !== undefined) out.push({ v: 'param', i: l.p });
      if (l.t) out.push(...valOfType(l.t, ec.fc));
      else if (l.v) out.push(...evalExpr(l.v, inner));
    }
    memo.set(key, out);
    return out;
  };
  const pkgMember = (p: Pkg, name: string, ec: EvalCtx): Val[] => {
    const out: Val[] = [];
    for (const fn of p.funcs.get(name) ?? []) out.push({ v: 'fn', fn });
    for (const v of p.vars.get(name) ?? []) {
      ec.reads?.(v.id);
      out.push(...evalLocals(v, '', v.locals, { fc: v.fc, body: undefined, key: v.id }));
      for (const fn of heldAt(v.id) ?? []) out.push({ v: 'fn', fn, held: true });
    }
    if (p.types.has(name)) out.push({ v: 'type', t: { r: 'named', dir: p.dir, n: name } });
    return out;
  };

  const evalExpr = (e: GoExpr | null, ec: EvalCtx): Val[] => {
    if (!e) return [];
    switch (e.k) {
      case 'id': {
        const locals = ownEntry(ec.body?.locals, e.n);
        // locals are not flow-sensitive: in `config, err := config.Fetch()` the right side still means
        // the import, so a local named like an import also means the import
        if (!locals) return globalValue(e.n, ec);
        const fromLocals = evalLocals(ec.body!, e.n, locals, ec);
        // what a local or a parameter holds as elements (a literal's, `m[k] = f`, what callers pass)
        const param = locals.find((l) => l.p !== undefined)?.p;
        const own = [...(heldAt(`${ec.key}\0=${e.n}`) ?? []), ...(param !== undefined ? (heldAt(`${ec.key}\0#${param}`) ?? []) : [])];
        const values = own.length > 0 ? [...fromLocals, ...own.map((fn): Val => ({ v: 'fn', fn, held: true }))] : fromLocals;
        return ec.fc.imports.has(e.n) ? [...values, ...globalValue(e.n, ec)] : values;
      }
      case 'sel': {
        const out: Val[] = [];
        for (const x of evalExpr(e.x, ec)) out.push(...member(x, e.n, ec));
        return out;
      }
      case 'call':
        return callResults(e.f, e.a, 0, ec);
      case 'res':
        // `h, ok := handlers[k]` and `v, ok := x.(T)`: the first result is the element or the value
        if (e.x?.k === 'elem' || e.x?.k === 'lit') return e.i === 0 ? evalExpr(e.x, ec) : [];
        return e.x?.k === 'call' ? callResults(e.x.f, e.x.a, e.i, ec) : [];
      case 'lit':
        return valOfType(e.t, ec.fc);
      case 'fn':
        return [{ v: 'val', t: { r: 'func', t: e.t as GoType & { k: 'f' }, fc: ec.fc } }];
      case 'elem': {
        const out: Val[] = [];
        for (const x of evalExpr(e.x, ec)) {
          if (x.v === 'val') out.push(...elemOf(x.t));
          else if (x.v === 'ext') out.push(x);
          else if (x.v === 'fn')
            out.push(x); // F[T]: a generic function instantiated
          else if (x.v === 'type') out.push(x); // List[T]: a generic type instantiated
        }
        return out;
      }
    }
  };
  /** A name at package level: the package's own members, dot-imported members, an import, a basic type. */
  const globalValue = (n: string, ec: EvalCtx): Val[] => {
    const own = pkgMember(ec.fc.pkg, n, ec);
    if (own.length > 0) return own;
    for (const d of ec.fc.dots) {
      const r = pkgMember(pkgs.get(d)!, n, ec);
      if (r.length > 0) return r;
    }
    const path = ec.fc.imports.get(n);
    if (path !== undefined) {
      ec.reads?.(q(ec.fc.f, n));
      return [{ v: 'pkg', dir: importDir(path), path }];
    }
    if (BASIC_TYPES.has(n)) return [{ v: 'type', t: { r: 'ext' } }];
    return [];
  };
  const elemOf = (t: RT, depth = 0): Val[] => {
    if (t.r === 'elem') return t.e ? [{ v: 'val', t: t.e }] : [];
    if (t.r === 'ext') return [{ v: 'ext' }];
    if (t.r === 'named' && depth < 8) {
      const d = declOf(t);
      const under = d?.decl.kind === 'other' ? resolveType(d.decl.under, d.fc) : null;
      return under ? elemOf(under, depth + 1) : [];
    }
    return [];
  };
  let memberCache = new Map<string, Val[]>();
  const member = (x: Val, name: string, ec: EvalCtx): Val[] => {
    if ((x.v === 'val' || x.v === 'type') && x.t.r === 'named') {
      const key = `${x.v}\0${x.t.dir}\0${x.t.n}\0${name}`;
      let hit = memberCache.get(key);
      if (!hit) memberCache.set(key, (hit = memberUncached(x, name, ec)));
      return hit;
    }
    return memberUncached(x, name, ec);
  };
  const memberUncached = (x: Val, name: string, ec: EvalCtx): Val[] => {
    switch (x.v) {
      case 'pkg': {
        if (x.dir === null) return [{ v: 'ext', id: `${x.path}.${name}` }];
        return pkgMember(pkgs.get(x.dir)!, name, ec);
      }
      case 'val':
      case 'type': {
        if (x.t.r === 'ext') {
          if (x.v !== 'val' || x.t.id === undefined) return [{ v: 'ext' }];
          // a method of one of the library's interfaces (err.Error(), h.ServeHTTP(w, r)) reaches the
          // repository types implementing it, as on a repository interface; the value may also be a library one
          const out: Val[] = [{ v: 'ext', m: `${x.t.id}.${name}` }];
          if (STD_INTERFACES.get(x.t.id)?.includes(name))
            for (const impl of stdImplementers(x.t.id))
              for (const fn of lookupMethod(impl, name).fns) if (fn.sig.params.length === METHOD_PARAMS[name]) out.push({ v: 'fn', fn });
          return out;
        }
        if (x.t.r !== 'named') return [];
        const out: Val[] = [];
        if (x.v === 'val') {
          for (const f of lookupField(x.t, name)) {
            out.push(...valOfType(f.t, f.fc));
            for (const fn of fieldFns.get(f.owner) ?? []) out.push({ v: 'fn', fn });
            for (const fn of heldAt(f.owner) ?? []) out.push({ v: 'fn', fn, held: true });
          }
        }
        if (out.length > 0) return out;
        const m = lookupMethod(x.t, name);
        for (const fn of m.fns) out.push({ v: 'fn', fn });
        if (out.length === 0 && (m.ext || m.found)) out.push({ v: 'ext' });
        return out;
      }
      case 'ext':
        return [{ v: 'ext' }];
      default:
        return [];
    }
  };
  const callResults = (f: GoExpr | null, args: (GoExpr | null)[], i: number, ec: EvalCtx): Val[] => {
    if (f?.k === 'id' && !ownEntry(ec.body?.locals, f.n) && BUILTINS.has(f.n) && evalExpr(f, ec).length === 0) {
      return f.n === 'append' ? evalExpr(args[0] ?? null, ec) : [{ v: 'ext' }];
    }
    const out: Val[] = [];
    for (const fv of evalExpr(f, ec)) {
      if (fv.v === 'fn') {
        out.push(...resultsOf(fv.fn.sig, fv.fn.fc, i));
        // the functions the result holds (`handlers()[k](x)`, `h := mk(); h(x)`)
        for (const fn of heldAt(`${fv.fn.id}\0^${i}`) ?? []) out.push({ v: 'fn', fn, held: true });
      } else if (fv.v === 'type') out.push({ v: 'val', t: fv.t });
      else if (fv.v === 'ext') {
        const t = fv.id === undefined ? undefined : STD_RESULTS.get(fv.id);
        out.push(t ? { v: 'val', t: { r: 'ext', id: t } } : { v: 'ext' });
      } else if (fv.v === 'val' && fv.t.r === 'func') out.push(...valOfType(fv.t.t.r[i], fv.t.fc));
    }
    return out;
  };

  // ---- methods the standard library calls ----------------------------------------------------
  const stdImplCache = new Map<string, { dir: string; n: string }[]>();
  /**
   * Repository types implementing one of the library's interfaces (`error`, `fmt.Stringer`, …):
   * by name as for a repository interface, and with the arities the library calls, since a
   * logger's `Error(msg string)` does not make it an error.
   */
  const stdImplementers = (id: string): { dir: string; n: string }[] => {
    let out = stdImplCache.get(id);
    if (out) return out;
    const names = STD_INTERFACES.get(id) ?? [];
    out = implementers({ dir: '\0std', n: id }, new Set(names)).filter((impl) =>
      names.every((n) => lookupMethod(impl, n).fns.some((fn) => fn.sig.params.length === METHOD_PARAMS[n])),
    );
    stdImplCache.set(id, out);
    return out;
  };
  const libraryCache = new WeakMap<StdRule, Map<string, Fn[]>>();
  /**
   * The methods `rule` calls on a value of type t: the type's own and promoted methods of those names
   * and arities; for an interface (a repository one, or error, fmt.Stringer, …) those of every
   * repository type implementing it, as for a method call on it. A printing or encoding rule walks
   * into a value that has none of the methods: its elements and exported fields. Pointer and value
   * receivers are not told apart (types are read without their pointers), so a pointer method is
   * taken to be reached from a value too.
   */
  const libraryCalls = (t: RT, rule: StdRule, seen = new Set<string>(), depth = 0): Fn[] => {
    if (depth > 4) return [];
    if (t.r === 'elem') return rule.deep && t.e ? libraryCalls(t.e, rule, seen, depth + 1) : [];
    if (t.r === 'ext') return t.id === undefined ? [] : stdImplementers(t.id).flatMap((impl) => libraryCalls({ r: 'named', ...impl }, rule, seen, depth + 1));
    if (t.r !== 'named') return [];
    const key = `${t.dir}\0${t.n}`;
    if (seen.has(key)) return [];
    seen.add(key);
    let cache = libraryCache.get(rule);
    if (!cache) libraryCache.set(rule, (cache = new Map<string, Fn[]>()));
    const top = depth === 0 ? cache.get(key) : undefined;
    if (top) return top;
    const out: Fn[] = [];
    const iface = ifaceMethods(t);
    if (iface) for (const impl of implementers(t, iface)) out.push(...libraryCalls({ r: 'named', ...impl }, rule, seen, depth + 1));
    else {
      for (const name of rule.methods) for (const fn of lookupMethod(t, name).fns) if (fn.sig.params.length === METHOD_PARAMS[name]) out.push(fn);
      const d = out.length === 0 && rule.deep ? declOf(t) : undefined;
      if (d?.decl.kind === 'other') {
        const under = resolveType(d.decl.under, d.fc);
        if (under) out.push(...libraryCalls(under, rule, seen, depth + 1));
      }
      for (const f of d?.decl.fields ?? []) {
        const name = f.n ?? (f.t?.k === 'n' ? f.t.n : '');
        const ft = /^[A-Z]/.test(name) ? resolveType(f.t, d!.fc) : null;
        if (ft) out.push(...libraryCalls(ft, rule, seen, depth + 1));
      }
    }
    if (depth === 0) cache.set(key, out);
    return out;
  };
  /** Edges from `from` to the methods the library calls on the arguments of call c (of a function or method with a rule). */
  const libraryEdges = (from: string, rule: StdRule, c: GoBody['calls'][number], ec: EvalCtx): void => {
    const args = Array.isArray(rule.args) ? rule.args : c.a.map((_, i) => i).filter((i) => i >= (rule.args as { from: number }).from);
    for (const k of args) valueEdges(from, rule, c.a[k] ?? null, ec);
  };
  /** Edges from `from` to the methods the library calls, by `rule`, on what expression x may hold. */
  const valueEdges = (from: string, rule: StdRule, x: GoExpr | null, ec: EvalCtx): void => {
    for (const v of evalExpr(x, ec)) if (v.v === 'val') for (const fn of libraryCalls(v.t, rule)) g.call(from, fn.id, 'typed');
  };

  // ---- name-only fallback ------------------------------------------------------------------
  const visibleCache = new Map<string, Set<string>>();
  const visibleFrom = (dir: string): Set<string> => {
    let out = visibleCache.get(dir);
    if (out) return out;
    out = new Set([dir]);
    const todo = [dir];
    while (todo.length > 0) {
      const p = pkgs.get(todo.pop()!);
      for (const path of p?.importPaths ?? []) {
        const d = importDir(path);
        if (d !== null && !out.has(d)) {
          out.add(d);
          todo.push(d);
        }
      }
    }
    visibleCache.set(dir, out);
    return out;
  };
  const arityFits = (sig: GoSig, args: (GoExpr | null)[], spread: boolean): boolean => {
    // `f(g())` may pass several results; `f(xs...)` any number
    if (spread || (args.length === 1 && args[0]?.k === 'call')) return true;
    return sig.variadic ? args.length >= sig.params.length - 1 : args.length === sig.params.length;
  };

  // ---- functions held by variables and fields ------------------------------------------------
  /**
   * Fills `held` from every body's holds, and from calls that pass a function to a parameter the
   * callee holds (`Register("card", chargeCard)` with `func Register(k string, f Fee) { registry[k]
   * = f }`, also through functions that pass their parameter on). Returns, for each package
   * variable, the bodies where a function enters it: the variable's value is made there.
   */
  function collectHeld(): Map<string, Set<string>> {
    const fillers = new Map<string, Set<string>>();
    const paramHolds = new Map<string, Set<string>>();
    /** places that came to hold another function in this round */
    let grown = new Set<string>();
    const add = (place: string, fn: Fn, filler: string | undefined): void => {
      const list = held.get(place) ?? [];
      if (!list.includes(fn)) {
        list.push(fn);
        grown.add(place);
      }
      held.set(place, list);
      // the package-level code is no filler (undefined): a variable's own initializer is its definition
      if (!place.includes('\0') && filler !== undefined) (fillers.get(place) ?? fillers.set(place, new Set()).get(place)!).add(filler);
    };
    /** A func type, a named one (`type Fee func(int) int`), a container of them (a variadic `fs ...Fee`), or one not known. */
    const funcLike = (rt: RT | null, depth: number): boolean => {
      if (!rt || rt.r === 'func') return true;
      if (rt.r === 'elem') return depth < 4 && funcLike(rt.e, depth + 1);
      if (rt.r !== 'named' || depth > 4) return false;
      const d = declOf(rt);
      return d?.decl.kind === 'other' && funcLike(resolveType(d.decl.under, d.fc), depth + 1);
    };
    /**
     * A func type, a named one, or a container of them, written so: a function's own places are
     * only those. An element of a type not known (`interface{}`, a type parameter) is called only
     * after a conversion or assertion, which gives a new value: nothing it holds would be reached.
     */
    const writtenFuncLike = (rt: RT | null, depth: number): boolean => {
      if (!rt || depth > 4) return false;
      if (rt.r === 'func') return true;
      if (rt.r === 'elem') return writtenFuncLike(rt.e, depth + 1);
      if (rt.r !== 'named') return false;
      const d = declOf(rt);
      return d?.decl.kind === 'other' && writtenFuncLike(resolveType(d.decl.under, d.fc), depth + 1);
    };
    /** A container (map, slice, array, channel, or a named one) whose elements are functions or containers of them. */
    const holdsFuncs = (rt: RT | null, depth = 0): boolean => {
      if (!rt || depth > 4) return false;
      if (rt.r === 'elem') return writtenFuncLike(rt.e, depth + 1);
      if (rt.r !== 'named') return false;
      const d = declOf(rt);
      return d?.decl.kind === 'other' && holdsFuncs(resolveType(d.decl.under, d.fc), depth + 1);
    };
    /**
     * Whether a local may hold functions as elements: one of its values is a container of them
     * (or a function), or none is known. A struct literal's local (`txn := &Transaction{…}`) is no
     * place: its fields are (see GoBody.stores and holds).
     */
    const localMayHold = (name: string, ec: EvalCtx): boolean => {
      const locals = ownEntry(ec.body?.locals, name);
      if (!locals) return false;
      // its declared or computed values; `m = append(m, f)` reads m's own place, which a later read
      // (through the name) records again: no reason for another round by itself
      const own = `${ec.key}\0=${name}`;
      const readBefore = heldReads?.has(own);
      const vals = evalLocals(ec.body!, name, locals, ec).filter((v) => v.v === 'val');
      if (!readBefore) heldReads?.delete(own);
      return vals.length === 0 || vals.some((v) => v.v === 'val' && writtenFuncLike(v.t, 0));
    };
    // names of the repository's types defined from another type (`type Fee func(int) int`, `type Table map[string]Fee`)
    const definedNames = new Set<string>();
    for (const p of pkgs.values()) for (const [n, d] of p.types) if (d.decl.kind === 'other') definedNames.add(n);
    /** As written, before resolving: a container whose elements may be functions (inElem: a type that may be a function). */
    const writtenMayHold = (t: GoType | null | undefined, inElem: boolean): boolean => {
      if (!t) return false;
      if (t.k === 'f') return inElem;
      if (t.k === 'e') return writtenMayHold(t.e, true);
      return definedNames.has(t.n);
    };
    const paramPlaces = new Map<string, boolean>();
    /** The place of parameter i of fn when it is a container of functions (arguments past a variadic's start are its elements). */
    const paramPlace = (fn: Fn, i: number): string | undefined => {
      const n = fn.sig.params.length;
      const k = fn.sig.variadic && i >= n - 1 ? n - 1 : i;
      const t = fn.sig.params[k];
      if (k >= n || !writtenMayHold(t, false)) return undefined;
      const place = `${fn.id}\0#${k}`;
      let holds = paramPlaces.get(place);
      if (holds === undefined) paramPlaces.set(place, (holds = holdsFuncs(resolveType(t, fn.fc))));
      return holds ? place : undefined;
    };
    const placesOf = (h: NonNullable<GoBody['holds']>[number], ec: EvalCtx, sig: GoSig | undefined, depth = 0): string[] => {
      const fieldOwners = (owners: Val[], f: string | number): string[] =>
        owners.flatMap((o) => (o.v === 'val' && o.t.r === 'named' ? fieldsAt(o.t, f).map((fl) => fl.owner) : []));
      if (h.f !== undefined) return fieldOwners(h.t ? valOfType(h.t, ec.fc) : evalExpr(h.x ?? null, ec), h.f);
      // a result declared a function or a container of them (not `*Loan`, `error` or `any`)
      if (h.r !== undefined) return sig && h.r < sig.results.length && writtenFuncLike(resolveType(sig.results[h.r], ec.fc), 0) ? [`${ec.key}\0^${h.r}`] : [];
      if (h.c !== undefined && h.i !== undefined) {
        const c = ec.body?.calls[h.c];
        const i = h.i;
        return c ? evalExpr(c.f, ec).flatMap((fv) => (fv.v === 'fn' ? (paramPlace(fv.fn, i) ?? []) : [])) : [];
      }
      const x = h.l !== undefined ? ({ k: 'id', n: h.l } as const) : h.x;
      if (x?.k === 'id') {
        const locals = ownEntry(ec.body?.locals, x.n);
        if (locals) {
          // a local's own place, and what it points to or shares (`p := &handlers`, `m := b.byKind`)
          const out = [`${ec.key}\0=${x.n}`];
          if (depth < 4) for (const l of locals) if (l.v?.k === 'id' || l.v?.k === 'sel') out.push(...placesOf({ x: l.v, v: null }, ec, sig, depth + 1));
          return out;
        }
        for (const p of [ec.fc.pkg, ...ec.fc.dots.map((d) => pkgs.get(d)!)]) {
          const vs = p.vars.get(x.n);
          if (vs) return vs.map((v) => v.id);
        }
        return [];
      }
      if (x?.k !== 'sel') return [];
      const operand = evalExpr(x.x, ec);
      const vars = operand.flatMap((o) => (o.v === 'pkg' && o.dir !== null ? (pkgs.get(o.dir)!.vars.get(x.n) ?? []).map((v) => v.id) : []));
      return [...vars, ...fieldOwners(operand, x.n)];
    };
    /** Whether parameter i of a body may hold a function: declared a func type (named or not), or of a type not known. */
    const mayBeFunc = (body: GoBody, i: number, fc: FileCtx): boolean => {
      for (const ls of Object.values(body.locals))
        for (const l of ls) {
          if (l.p !== i) continue;
          return l.t === undefined || funcLike(resolveType(l.t, fc), 0);
        }
      return true;
    };
    const holdParam = (key: string, places: string[]): boolean => {
      const set = paramHolds.get(key) ?? paramHolds.set(key, new Set()).get(key)!;
      const before = set.size;
      for (const p of places) set.add(p);
      return set.size > before;
    };
    const shortName = (id: string): string => id.slice(id.lastIndexOf('.') + 1);
    // calls are indexed by their callee's name (for the names asked for so far), then only those
    // naming a function of interest are evaluated
    type NamedCall = { fc: FileCtx; local: string; body: GoBody; c: GoBody['calls'][number] };
    const callsByName = new Map<string, NamedCall[]>();
    const callsNamed = (names: Iterable<string>): ((name: string) => NamedCall[]) => {
      const missing = new Set([...names].filter((n) => !callsByName.has(n)));
      if (missing.size > 0) {
        for (const n of missing) callsByName.set(n, []);
        for (const fc of fileCtxs)
          for (const [local, body] of Object.entries(fc.f.go?.bodies ?? {}))
            for (const c of body.calls) {
              const callee = c.f?.k === 'id' || c.f?.k === 'sel' ? c.f.n : undefined;
              if (callee !== undefined && missing.has(callee)) callsByName.get(callee)!.push({ fc, local, body, c });
            }
      }
      return (name) => callsByName.get(name) ?? [];
    };
    // functions with a parameter that may hold functions as elements (`func run(hs map[string]Fee)`), by name
    const withParamPlaces = new Set<string>();
    for (const p of pkgs.values())
      for (const fns of [...p.funcs.values(), ...[...p.methods.values()].flatMap((m) => [...m.values()])])
        for (const fn of fns) if (fn.sig.params.some((_, k) => paramPlace(fn, k) !== undefined)) withParamPlaces.add(shortName(fn.id));

    /** One pass over the holds, the calls passing containers to such parameters, and the registering calls. */
    const round = (): void => {
      for (const fc of fileCtxs) {
        for (const [local, body] of Object.entries(fc.f.go?.bodies ?? {})) {
          if (!body.holds) continue;
          const from = q(fc.f, local);
          const ec: EvalCtx = { fc, body, key: from };
          const sig = ownEntry(fc.f.go?.funcs, local);
          // a function's own places are looked up first (most are struct literals' locals and
          // arguments, or data results): one lookup per local, call or result, not per element
          const ownPlaces = new Map<string, string[]>();
          // a body's locals are filled before its other holds read them (else each such read asks for another round)
          for (const h of [...body.holds.filter((x) => x.l !== undefined), ...body.holds.filter((x) => x.l === undefined)]) {
            let places: string[] | undefined;
            if (h.l !== undefined || h.r !== undefined || h.c !== undefined) {
              const key = h.l !== undefined ? `=${h.l}` : h.r !== undefined ? `^${h.r}` : `#${h.c}:${h.i}`;
              places = ownPlaces.get(key);
              if (!places) ownPlaces.set(key, (places = h.l !== undefined && !localMayHold(h.l, ec) ? [] : placesOf(h, ec, sig)));
              if (places.length === 0) continue;
            }
            // most held values are data (`r.total = Sum{a, b}`): the place is only looked up for a function or parameter
            const vals = evalExpr(h.v, ec).filter((v) => v.v === 'fn' || v.v === 'param');
            if (vals.length === 0) continue;
            places ??= placesOf(h, ec, sig);
            for (const v of vals) {
              if (v.v === 'fn') for (const p of places) add(p, v.fn, local === '' ? undefined : from);
              else if (v.v === 'param' && places.length > 0 && mayBeFunc(body, v.i, fc)) holdParam(`${from}#${v.i}`, places);
            }
          }
        }
      }
      // `run(handlers(), k)`, `run(m, k)`: the parameter holds what the argument holds
      // one pass over the calls indexes both kinds of callee this round needs
      const registeringNames = [...new Set([...paramHolds.keys()].map((k) => shortName(k.slice(0, k.lastIndexOf('#')))))];
      const placeCalls = callsNamed([...withParamPlaces, ...registeringNames]);
      /** Each argument of each call of a function named `name`, with the function called, the caller and its evaluation context. */
      const eachArgument = (name: string, visit: (callee: Fn, k: number, a: GoExpr, from: string, local: string, ec: EvalCtx) => void): void => {
        for (const { fc, local, body, c } of placeCalls(name)) {
          const from = q(fc.f, local);
          const ec: EvalCtx = { fc, body, key: from };
          for (const fv of evalExpr(c.f, ec)) if (fv.v === 'fn') c.a.forEach((a, k) => a && visit(fv.fn, k, a, from, local, ec));
        }
      };
      for (const name of withParamPlaces)
        eachArgument(name, (callee, k, a, from, local, ec) => {
          const place = paramPlace(callee, k);
          if (place) for (const av of evalExpr(a, ec)) if (av.v === 'fn') add(place, av.fn, local === '' ? undefined : from);
        });
      if (paramHolds.size === 0) return;
      // the functions passed to a holding parameter, and parameters passed on to one
      const todo = registeringNames;
      const queued = new Set(todo);
      while (todo.length > 0) {
        const name = todo.pop()!;
        queued.delete(name);
        eachArgument(name, (callee, k, a, from, local, ec) => {
          const places = paramHolds.get(`${callee.id}#${k}`);
          if (!places) return;
          for (const av of evalExpr(a, ec)) {
            if (av.v === 'fn') for (const p of places) add(p, av.fn, local === '' ? undefined : from);
            // a parameter passed on holds too: its own callers are looked at (again) next
            else if (av.v === 'param' && holdParam(`${from}#${av.i}`, [...places]) && !queued.has(shortName(from))) {
              queued.add(shortName(from));
              todo.push(shortName(from));
              callsNamed([shortName(from)]);
            }
          }
        });
      }
    };
    // places feed each other (a literal's local → the function's result → its caller's local → a
    // parameter): rounds until no place read in one grew in it; values are memoised per round
    for (let i = 0; i < 16; i++) {
      grown = new Set();
      heldReads = new Set();
      // values are memoised per round: a memoised value records no read of the places it saw
      memos = new WeakMap();
      memberCache = new Map();
      round();
      const reads: Set<string> = heldReads;
      heldReads = null;
      if (![...grown].some((p) => reads.has(p))) break;
    }
    return fillers;
  }

  // ---- bodies ------------------------------------------------------------------------------
  const invoked = new Map<string, Set<number>>();
  const forwards = new Map<string, { j: number; to: string; k: number }[]>();
  const passed: { to: string; k: number; fn: string }[] = [];

  // functions stored into struct fields (`T{f: fee}`, `x.f = fee`): a call through the field reaches them
  for (const fc of fileCtxs) {
    for (const [local, body] of Object.entries(fc.f.go?.bodies ?? {})) {
      if (!body.stores) continue;
      const ec: EvalCtx = { fc, body, key: q(fc.f, local) };
      for (const st of body.stores) {
        const fns = evalExpr(st.v, ec).flatMap((v) => (v.v === 'fn' ? [v.fn] : []));
        if (fns.length === 0) continue;
        const owners = st.t ? valOfType(st.t, fc) : evalExpr(st.x ?? null, ec);
        for (const o of owners) {
          if (o.v !== 'val' || o.t.r !== 'named') continue;
          for (const f of fieldsAt(o.t, st.f)) {
            const list = fieldFns.get(f.owner) ?? [];
            for (const fn of fns) if (!list.includes(fn)) list.push(fn);
            fieldFns.set(f.owner, list);
          }
        }
      }
    }
  }
  const fillers = collectHeld();
  // values memoised above did not yet see the stored functions
  memos = new WeakMap();
  memberCache = new Map();

  /**
   * The edges of one body. A function's or method's (role 'function') and the package-level code's
   * ('module'): its calls, the functions it references as values, what the library calls on values
   * handed to it; a function reads the package variables it names. A package-level variable's own
   * initializer ('binding'): what computing its value runs, that is its calls and the functions it
   * passes as arguments (`sort.Slice(xs, less)`), and the variables it reads; a function it only
   * holds (`var pay = settle`, `T{rule: fee}`) is no part of that value and no edge of it (the
   * package-level code has those edges, as before).
   */
  const resolveBody = (fc: FileCtx, from: string, body: GoBody, role: 'module' | 'function' | 'binding'): void => {
    const ec: EvalCtx = { fc, body, key: from, reads: role === 'module' ? undefined : (id) => g.read(from, id) };
    for (const c of body.calls) {
      const fs = evalExpr(c.f, ec);
      const targets: string[] = [];
      for (const fv of fs) {
        if (fv.v === 'fn') {
          g.call(from, fv.fn.id, 'typed');
          targets.push(fv.fn.id);
        } else if (fv.v === 'ext') {
          if (fv.id) g.call(from, fv.id, 'typed');
          const rule = fv.id !== undefined ? stdRule(fv.id) : fv.m !== undefined ? stdRule(fv.m) : undefined;
          if (rule) libraryEdges(from, rule, c, { fc, body, key: from });
        } else if (fv.v === 'param') (invoked.get(from) ?? invoked.set(from, new Set()).get(from)!).add(fv.i);
      }
      // a callee of any known kind is not guessed at by name
      if (fs.length === 0) {
        if (c.f?.k === 'id' && BUILTINS.has(c.f.n)) g.call(from, `<builtin>.${c.f.n}`, 'typed');
        else if (c.f?.k === 'sel') {
          const visible = visibleFrom(fc.pkg.dir);
          for (const fn of methodsByName.get(c.f.n) ?? []) if (visible.has(fn.dir) && arityFits(fn.sig, c.a, c.s === true)) g.call(from, fn.id, 'name');
        }
      }
      if (role === 'binding') {
        // a function passed on may run while the value is computed, whoever the callee is
        for (const a of c.a)
          if (a && (a.k === 'id' || a.k === 'sel')) for (const av of evalExpr(a, { fc, body, key: from })) if (av.v === 'fn') g.call(from, av.fn.id, 'typed');
        continue;
      }
      if (targets.length === 0) continue;
      c.a.forEach((a, k) => {
        if (!a || (a.k !== 'id' && a.k !== 'sel')) return;
        for (const av of evalExpr(a, { fc, body, key: from })) {
          if (av.v === 'fn') for (const to of targets) passed.push({ to, k, fn: av.fn.id });
          else if (av.v === 'param') for (const to of targets) (forwards.get(from) ?? forwards.set(from, []).get(from)!).push({ j: av.i, to, k });
        }
      });
    }
    // a value stored into a library struct's field the library calls (`http.Server{Handler: h}`)
    // is called by the code that serves it; a variable only holds it
    if (role !== 'binding') {
      for (const st of body.stores ?? []) {
        const owners = st.t ? valOfType(st.t, fc) : evalExpr(st.x ?? null, { fc, body, key: from });
        for (const o of owners) {
          const rule = o.v === 'val' && o.t.r === 'ext' && o.t.id !== undefined && typeof st.f === 'string' ? STD_FIELDS.get(`${o.t.id}.${st.f}`) : undefined;
          if (!rule) continue;
          valueEdges(from, rule, st.v, { fc, body, key: from });
        }
      }
    }
    for (const r of body.refs) {
      // a local holds only function values that an expression of this body produced (itself a reference)
      if (r.k === 'id' && ownEntry(body.locals, r.n)) continue;
      // evaluated for the variables it reads also where a function value is no edge
      for (const v of evalExpr(r, ec)) if (v.v === 'fn' && !v.held && role !== 'binding') g.call(from, v.fn.id, 'typed');
    }
  };
  for (const fc of fileCtxs) {
    const go = fc.f.go;
    if (!go) continue;
    for (const [local, body] of Object.entries(go.bodies)) resolveBody(fc, q(fc.f, local), body, local === '' ? 'module' : 'function');
    for (const [name, body] of Object.entries(go.inits ?? {})) resolveBody(fc, q(fc.f, name), body, 'binding');
    // a variable an init function fills is computed by it (all of it: which statements make the value is not told apart)
    for (const name of go.initSets ?? []) for (const v of fc.pkg.vars.get(name) ?? []) g.call(v.id, q(fc.f, 'init'), 'typed');
  }
  // likewise a variable whose functions enter it in some body (`Register("card", chargeCard)` in
  // init or a setup function): which function it holds is decided there
  for (const [id, bodies] of fillers) for (const from of bodies) if (from !== id) g.call(id, from, 'typed');

  // a function that calls its function parameter calls whatever its callers pass there
  const seen = new Set<string>();
  while (passed.length > 0) {
    const p = passed.pop()!;
    const key = `${p.to}\0${p.k}\0${p.fn}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (invoked.get(p.to)?.has(p.k)) g.call(p.to, p.fn, 'typed');
    for (const fw of forwards.get(p.to) ?? []) if (fw.j === p.k) passed.push({ to: fw.to, k: fw.k, fn: p.fn });
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
