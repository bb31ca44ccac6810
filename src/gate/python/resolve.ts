import { ownEntry, pushTo, type FileFacts, type FlowExpr, type ImportFacts, type InitializerFacts, type ScopeFacts } from '../facts.js';
import type { ResolutionTarget } from '../graph-builder.js';

/** Methods of a list, dict, set or `collections` container that give its elements (`d.values`, `d.get`, `q.popleft`). */
const COLLECTION_METHODS = new Set(['values', 'items', 'get', 'pop', 'copy', 'setdefault', 'popitem', 'keys', 'popleft']);

/**
 * The containers' other methods: called on a value that is one of those containers, they run the
 * builtin, never a repository method of the same name.
 */
const CONTAINER_METHODS = new Set(
  (
    'append extend insert remove clear index count sort reverse update fromkeys add discard difference difference_update ' +
    'intersection intersection_update isdisjoint issubset issuperset symmetric_difference symmetric_difference_update union ' +
    'appendleft extendleft rotate move_to_end new_child'
  ).split(' '),
);

/** Names Python resolves without an import; calls to them appear as `<builtin>.name` (PyCG's convention). */
const BUILTINS = new Set(
  (
    'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex ' +
    'delattr dict dir divmod enumerate eval exec filter float format frozenset getattr globals hasattr hash help ' +
    'hex id input int isinstance issubclass iter len list locals map max memoryview min next object oct open ord ' +
    'pow print property range repr reversed round set setattr slice sorted staticmethod str sum super tuple type ' +
    'vars zip __import__ Exception ValueError TypeError KeyError IndexError RuntimeError AttributeError ' +
    'NotImplementedError StopIteration ArithmeticError ZeroDivisionError OSError IOError AssertionError LookupError'
  ).split(' '),
);

/** Builtins that call a dunder of their first argument (alternatives in the order Python tries them). */
const BUILTIN_DUNDERS: Record<string, string> = {
  len: '__len__',
  str: '__str__|__repr__',
  repr: '__repr__',
  ascii: '__repr__',
  bool: '__bool__|__len__',
  hash: '__hash__',
  iter: '__iter__|__getitem__',
  next: '__next__',
  int: '__int__|__index__|__trunc__',
  float: '__float__|__index__',
  complex: '__complex__|__float__|__index__',
  round: '__round__',
  format: '__format__|__str__|__repr__',
  abs: '__abs__',
};
/** Builtins whose result is what that dunder returns. */
const BUILTIN_RESULT_DUNDERS = new Set(['<builtin>.iter', '<builtin>.next', '<builtin>.abs', '<builtin>.round']);
/** Builtins that add (`sum`: 0 + first, then +) or compare the elements of their argument. */
const ELEMENT_DUNDERS: Record<string, string[]> = {
  sum: ['__radd__', '__add__'],
  min: ['__lt__|__gt__'],
  max: ['__gt__|__lt__'],
  sorted: ['__lt__|__gt__'],
};

/** No binding's value holds a site. */
const NO_BINDINGS: readonly string[] = [];

/** A FlowExpr that is a tagged tuple. */
type FlowTuple = Extract<FlowExpr, unknown[]>;

type Target = { kind: 'def'; id: string } | { kind: 'module'; name: string } | { kind: 'external'; id: string } | { kind: 'instance'; cls: string };

/**
 * Cross-file resolution for Python. Names resolve statically (nested scopes, module definitions,
 * imports with aliases, relative imports, re-exports, star imports, source roots); then a
 * flow analysis in the manner of PyCG (context- and flow-insensitive) finds what every name,
 * attribute, parameter and return value can hold: functions, classes, lambdas, instances (through
 * constructors, returns, `self.x = …`, annotations), modules (also `importlib.import_module`
 * with a literal), bound methods (`getattr(o, "m")` with a literal, `functools.partial`), and
 * the elements of lists, tuples and dicts. Calls resolve through those values; methods through
 * the C3 MRO (`self.m()` also reaches overrides in subclasses, `super()` continues along the MRO
 * of every subclass). Where a receiver's value stays unknown, the call reaches every visible
 * definition of that name whose arity fits (all of them when none does), recorded as name-only.
 */
export function resolvePython(files: Map<string, FileFacts>, g: ResolutionTarget): void {
  const modules = new Map<string, { file: string; facts: FileFacts; scopes: Map<string, ScopeFacts>; bindings: Set<string> }>();
  const modulePrefixes = new Set<string>();
  for (const [file, facts] of files) {
    const scopes = new Map(facts.scopes.map((s) => [s.name, s]));
    modules.set(facts.module, { file, facts, scopes, bindings: new Set(facts.bindings.map((b) => b.name).filter((n) => !n.includes('.'))) });
    const parts = facts.module.split('.');
    for (let i = 1; i <= parts.length; i++) modulePrefixes.add(parts.slice(0, i).join('.'));
  }
  const importsOf = sourceRootImports(modules, modulePrefixes);
  const byShortName = new Map<string, { functions: string[]; methods: string[] }>();
  for (const [, m] of modules) {
    for (const s of m.facts.scopes) {
      if (s.kind !== 'function' && s.kind !== 'method') continue;
      const short = s.name.split('.').pop()!;
      let e = byShortName.get(short);
      if (!e) byShortName.set(short, (e = { functions: [], methods: [] }));
      (s.kind === 'method' ? e.methods : e.functions).push(qualify(m.facts.module, s.name));
    }
  }

  // member of a module: a definition, a submodule, or a re-export through that module's imports
  const memberOf = (mod: string, name: string, depth = 0): Target | null => {
    const m = modules.get(mod);
    if (m) {
      const s = m.scopes.get(name);
      if (s) return { kind: 'def', id: qualify(mod, name) };
    }
    const sub = mod ? `${mod}.${name}` : name;
    if (modulePrefixes.has(sub)) return { kind: 'module', name: sub };
    if (m && depth < 8) {
      for (const imp of importsOf(mod)) {
        if (imp.local === name) return importTarget(imp.module, imp.name, depth + 1);
      }
      for (const imp of importsOf(mod)) {
        if (imp.local === '*') {
          const t = memberOf(imp.module, name, depth + 1);
          if (t && t.kind !== 'external') return t;
        }
      }
      if (m.bindings.has(name)) return { kind: 'def', id: qualify(mod, name) };
    }
    if (!m && !modulePrefixes.has(mod)) return { kind: 'external', id: sub };
    return null;
  };
  const importTarget = (mod: string, name: string | undefined, depth: number): Target | null => {
    if (name === undefined) return modulePrefixes.has(mod) ? { kind: 'module', name: mod } : { kind: 'external', id: mod };
    return memberOf(mod, name, depth) ?? { kind: 'external', id: `${mod}.${name}` };
  };

  const classIds = new Set<string>();
  for (const [, m] of modules) for (const c of m.facts.classes) classIds.add(qualify(m.facts.module, c.name));

  // class hierarchy: bases resolved like any other name in the class's enclosing scope
  const bases = new Map<string, string[]>();
  const subclasses = new Map<string, string[]>();
  for (const [, m] of modules) {
    for (const c of m.facts.classes) {
      const id = qualify(m.facts.module, c.name);
      const parentScope = c.name.includes('.') ? c.name.slice(0, c.name.lastIndexOf('.')) : '';
      const resolved: string[] = [];
      for (const b of c.bases) {
        for (const t of resolveChain(m.facts.module, parentScope, b)) if (t.kind === 'def' && classIds.has(t.id)) resolved.push(t.id);
      }
      bases.set(id, resolved);
      for (const b of resolved) {
        let s = subclasses.get(b);
        if (!s) subclasses.set(b, (s = []));
        s.push(id);
      }
    }
  }

  function lookupMethod(cls: string, name: string, seen = new Set<string>()): string[] {
    if (seen.has(cls)) return [];
    seen.add(cls);
    const own = `${cls}.${name}`;
    if (g.hasDef(own)) return [own];
    const out: string[] = [];
    for (const b of bases.get(cls) ?? []) {
      const found = lookupMethod(b, name, seen);
      if (found.length > 0) {
        out.push(...found);
        break; // first base in MRO order that has it
      }
    }
    return out;
  }
  function overrides(cls: string, name: string, acc: string[] = [], seen = new Set<string>()): string[] {
    for (const s of subclasses.get(cls) ?? []) {
      if (seen.has(s)) continue;
      seen.add(s);
      if (g.hasDef(`${s}.${name}`)) acc.push(`${s}.${name}`);
      overrides(s, name, acc, seen);
    }
    return acc;
  }

  /** Resolves a bare name as seen from scope `scope` of module `mod`. */
  function resolveName(mod: string, scope: string, name: string): Target[] {
    const m = modules.get(mod)!;
    // enclosing function scopes (class bodies do not enclose their methods in Python)
    const parts = scope ? scope.split('.') : [];
    for (let i = parts.length; i > 0; i--) {
      const prefix = parts.slice(0, i).join('.');
      if (m.scopes.get(prefix)?.kind === 'class') continue;
      const cand = `${prefix}.${name}`;
      if (m.scopes.has(cand)) return [{ kind: 'def', id: qualify(mod, cand) }];
    }
    if (m.scopes.has(name)) return [{ kind: 'def', id: qualify(mod, name) }];
    // every import binding the name counts (one written import may stand for several source roots)
    const imported: Target[] = [];
    for (const imp of importsOf(mod)) {
      if (imp.local !== name) continue;
      if (imp.name === undefined) {
        // `import a.b.c` binds `a` (the package); `import a.b as x` binds x → a.b
        imported.push({ kind: 'module', name: imp.local === imp.written.split('.')[0] ? imp.root + imp.local : imp.module });
        continue;
      }
      const t = importTarget(imp.module, imp.name, 0);
      if (t) imported.push(t);
    }
    if (imported.length > 0) return imported;
    const starred: Target[] = [];
    for (const imp of importsOf(mod)) {
      if (imp.local !== '*') continue;
      const t = memberOf(imp.module, name, 1);
      if (t && t.kind !== 'external') starred.push(t);
    }
    if (starred.length > 0) return starred;
    if (m.bindings.has(name)) return [{ kind: 'def', id: qualify(mod, name) }];
    if (BUILTINS.has(name)) return [{ kind: 'external', id: `<builtin>.${name}` }];
    return [];
  }

  function resolveChain(mod: string, scope: string, chain: string): Target[] {
    const parts = chain.split('.');
    const head = parts[0]!;
    let current: Target[];
    if (head === '?') return [];
    if ((head === 'self' || head === 'cls') && parts.length > 1) {
      const cls = enclosingClass(mod, scope);
      if (cls) {
        const name = parts[1]!;
        const found = [...lookupMethod(cls, name), ...overrides(cls, name)];
        if (parts.length === 2) return found.map((id) => ({ kind: 'def', id }));
        return []; // self.attr.m — unknown attribute type
      }
      return [];
    }
    if (head === 'super()' && parts.length > 1) {
      const cls = enclosingClass(mod, scope);
      if (!cls) return [];
      const out: Target[] = [];
      for (const b of bases.get(cls) ?? []) for (const id of lookupMethod(b, parts[1]!)) out.push({ kind: 'def', id });
      return out;
    }
    const instanceOf = (targets: Target[]): Target[] =>
      // calling a class yields an instance; calling anything else yields a value of unknown type
      targets.flatMap((t) => (t.kind === 'def' && classIds.has(t.id) ? [{ kind: 'instance', cls: t.id }] : []));
    current = head.endsWith('()') ? instanceOf(resolveName(mod, scope, head.slice(0, -2))) : resolveName(mod, scope, head);
    for (let i = 1; i < parts.length; i++) {
      const called = parts[i]!.endsWith('()');
      const name = called ? parts[i]!.slice(0, -2) : parts[i]!;
      let next: Target[] = [];
      for (const t of current) {
        if (t.kind === 'instance') {
          for (const id of lookupMethod(t.cls, name)) next.push({ kind: 'def', id });
        } else if (t.kind === 'module') {
          const r = memberOf(t.name, name);
          if (r) next.push(r);
        } else if (t.kind === 'def' && classIds.has(t.id)) {
          for (const id of lookupMethod(t.id, name)) next.push({ kind: 'def', id });
        } else if (t.kind === 'external') {
          next.push({ kind: 'external', id: `${t.id}.${name}` });
        }
      }
      if (called) next = instanceOf(next);
      current = next;
    }
    return current;
  }

  function enclosingClass(mod: string, scope: string): string | null {
    const m = modules.get(mod)!;
    const parts = scope.split('.');
    for (let i = parts.length - 1; i > 0; i--) {
      const s = m.scopes.get(parts.slice(0, i).join('.'));
      if (s?.kind === 'class') return qualify(mod, s.name);
    }
    return null;
  }

  // ---- flow of values: which definitions, instances and modules each name, attribute and return can hold ----
  // Values: a definition id (function, method, lambda, class); `b:<method>` a method bound to an
  // instance; `i:<class>` an instance; `s:<class>` self/cls (the class or any subclass); `m:<module>`;
  // `x:<external>`; `c:<key>` a list/tuple/dict literal (elements under the same key);
  // `cm:<key>` a collection's method that gives its elements (`d.values`, `d.get`); `cb:<name>` another
  // method of the builtin container (`rows.append`, `d.update`: runs nothing of the repository's);
  // `sup:<class>` super(); `str:<text>`.
  const scopeInfo = new Map<string, { mod: string; scope: ScopeFacts }>();
  const localsOf = new Map<string, Set<string>>();
  /** every scope of an id (a redefinition, an overload, a property's accessors share it), in order */
  const scopesOf = new Map<string, ScopeFacts[]>();
  /** a scope's own locals (localsOf unites those of same-named scopes) */
  const ownLocals = new Map<ScopeFacts, Set<string>>();
  const staticIds = new Set<string>();
  const classMethodIds = new Set<string>();
  const dataclassIds = new Set<string>();
  const rebound = new Set<string>();
  const vars = new Map<string, Set<string>>();
  // worklist: each flow or call site is evaluated again only when a value it read has grown
  let deps: Set<string> | null = null;
  const dependents = new Map<string, number[]>();
  const queue: number[] = [];
  const queued: boolean[] = [];
  const readVar = (key: string): Set<string> | undefined => {
    deps?.add(key);
    return vars.get(key);
  };
  const add = (key: string, vals: string[]): void => {
    if (vals.length === 0) return;
    let s = vars.get(key);
    let grew = false;
    for (const v of vals) {
      if (v === key) continue;
      if (!s) vars.set(key, (s = new Set()));
      if (!s.has(v)) {
        s.add(v);
        grew = true;
      }
    }
    if (!grew) return;
    for (const i of dependents.get(key) ?? []) {
      if (!queued[i]) {
        queued[i] = true;
        queue.push(i);
      }
    }
  };
  // names classes define (methods, class attributes): an implicit call of any other name runs nothing of ours
  const classMemberNames = new Set<string>();
  for (const [, m] of modules) {
    for (const sc of m.facts.scopes) if (sc.kind === 'method') classMemberNames.add(sc.name.slice(sc.name.lastIndexOf('.') + 1));
    for (const b of m.facts.bindings) if (b.name.includes('.')) classMemberNames.add(b.name.slice(b.name.lastIndexOf('.') + 1));
  }
  // accessors by property id (getter, setter and deleter share their name, and so their node)
  const propertyIds = new Map<string, { get: boolean; set: boolean; del: boolean; setter?: ScopeFacts }>();
  const propertiesByName = new Map<string, string[]>();
  for (const [, m] of modules) {
    const mod = m.facts.module;
    for (const s of m.facts.scopes) {
      const id = qualify(mod, s.name);
      // the first of same-named scopes answers for parameters; each keeps its own context below
      if (!scopeInfo.has(id)) scopeInfo.set(id, { mod, scope: s });
      const accessor = s.kind === 'method' ? accessorOf(s.decorators ?? []) : undefined;
      if (accessor) {
        let p = propertyIds.get(id);
        if (!p) {
          propertyIds.set(id, (p = { get: false, set: false, del: false }));
          pushTo(propertiesByName, s.name.slice(s.name.lastIndexOf('.') + 1), id);
        }
        if (accessor === 'cached') p.get = true;
        else p[accessor] = true;
        if (accessor === 'set') p.setter = s;
      }
      const same = scopesOf.get(id);
      if (same) same.push(s);
      else scopesOf.set(id, [s]);
      const own = new Set<string>(s.params?.names ?? []);
      // a name a `global`/`nonlocal` statement binds elsewhere is not local, though assigned here
      for (const [t] of s.flows ?? []) if (!t.includes('.') && !t.endsWith('[]') && t !== '<ret>' && ownEntry(s.outer, t) === undefined) own.add(t);
      ownLocals.set(s, own);
      const locals = localsOf.get(id) ?? new Set<string>();
      for (const n of own) locals.add(n);
      localsOf.set(id, locals);
      if (s.decorators?.includes('staticmethod')) staticIds.add(id);
      if (s.decorators?.includes('classmethod')) classMethodIds.add(id);
      if (s.kind === 'class' && s.decorators?.some((d) => d === 'dataclass' || d.endsWith('.dataclass'))) dataclassIds.add(id);
      if (s.rebound) rebound.add(id);
      // the first parameter of a method is the instance (or the class): this class or a subclass
      if (s.kind === 'method' && s.className !== undefined && !staticIds.has(id) && s.params && s.params.names.length > 0) {
        add(`${id}.${s.params.names[0]}`, [`s:${qualify(mod, s.className)}`]);
      }
    }
  }

  const mroMemo = new Map<string, string[]>();
  /** C3 linearisation; an inconsistent hierarchy falls back to depth-first order. */
  function mro(c: string, stack = new Set<string>()): string[] {
    const known = mroMemo.get(c);
    if (known) return known;
    if (stack.has(c)) return [c];
    stack.add(c);
    const bs = bases.get(c) ?? [];
    const seqs = [...bs.map((b) => [...mro(b, stack)]), [...bs]];
    const out = [c];
    for (;;) {
      const rest = seqs.filter((s) => s.length > 0);
      if (rest.length === 0) break;
      const head = rest.map((s) => s[0]!).find((h) => !rest.some((t) => t.indexOf(h) > 0));
      if (head === undefined) {
        for (const s of rest) for (const x of s) if (!out.includes(x)) out.push(x);
        break;
      }
      out.push(head);
      for (const s of rest) if (s[0] === head) s.shift();
    }
    stack.delete(c);
    mroMemo.set(c, out);
    return out;
  }
  const subMemo = new Map<string, string[]>();
  function allSubclasses(c: string): string[] {
    let out = subMemo.get(c);
    if (out) return out;
    const seen = new Set<string>();
    const walk = (x: string): void => {
      for (const s of subclasses.get(x) ?? [])
        if (!seen.has(s)) {
          seen.add(s);
          walk(s);
        }
    };
    walk(c);
    subMemo.set(c, (out = [...seen]));
    return out;
  }

  const isFunctionDef = (id: string): boolean => {
    const k = g.kindOf(id);
    return k === 'function' || k === 'method';
  };
  /** What a name bound to a definition holds: the definition (or, when decorators rebind it, what they return) and anything assigned to it. */
  function valueOfKey(key: string): string[] {
    const kind = g.kindOf(key);
    const v = readVar(key);
    if (kind === 'function' || kind === 'method' || kind === 'class') {
      if (rebound.has(key) && v && v.size > 0) return [...v];
      return v ? [key, ...v] : [key];
    }
    return v ? [...v] : [];
  }
  function targetValues(t: Target): string[] {
    if (t.kind === 'def') return valueOfKey(t.id);
    if (t.kind === 'module') return [`m:${t.name}`];
    if (t.kind === 'external') return [`x:${t.id}`];
    return [`i:${t.cls}`];
  }
  const bind = (vals: string[], bound: boolean): string[] =>
    vals.map((v) => (g.kindOf(v) === 'method' && !staticIds.has(v) && (bound || classMethodIds.has(v)) ? `b:${v}` : v));
  function classAttr(c: string, name: string, bound: boolean, skipSelf = false): string[] {
    const order = mro(c);
    for (let i = skipSelf ? 1 : 0; i < order.length; i++) {
      const key = `${order[i]}.${name}`;
      if (g.hasDef(key) || readVar(key) !== undefined) return bind(valueOfKey(key), bound);
    }
    return [];
  }
  const hasKey = (key: string): boolean => g.hasDef(key) || readVar(key) !== undefined;
  const instanceLike = (v: string): boolean => v.startsWith('i:') || v.startsWith('s:');
  /** The keys of the first of `names` (alternatives in Python's order) an instance-like value's class has. */
  function firstKeys(v: string, names: string[]): string[] {
    for (const n of names) {
      if (!classMemberNames.has(n)) continue;
      const keys = memberKeys(v, n) ?? [];
      if (keys.length > 0) return keys;
    }
    return [];
  }
  /**
   * The methods an implicit dunder call `['o', names, reflected, receiver, args]` runs, with what
   * each is passed: the receiver's first method of `names` when it is an instance of a repository
   * class; for a binary operator also the right operand's reflected one, when some left value has
   * no forward method (or is not known: a literal, a library value) or the right operand's class
   * is a subclass of the left one's. Values that are not instances of ours run nothing: no by-name
   * fallback for operators.
   */
  function dunderCalls(ctx: Ctx, e: FlowTuple): { v: string; args: FlowExpr[] }[] {
    const names = (e[1] as string).split('|');
    const reflected = e[2] ? (e[2] as string).split('|') : [];
    const args = e[4] as FlowExpr[];
    const forwardMatters = names.some((n) => classMemberNames.has(n));
    const reflectedMatters = reflected.some((n) => classMemberNames.has(n)) && args.length === 1 && args[0] !== null;
    if (!forwardMatters && !reflectedMatters) return [];
    const out: { v: string; args: FlowExpr[] }[] = [];
    const left = e[3] === null ? [] : evalExpr(ctx, e[3] as FlowExpr);
    let forwardEverywhere = left.length > 0;
    const leftClasses: string[] = [];
    for (const v of left) {
      if (instanceLike(v)) leftClasses.push(v.slice(2));
      const keys = forwardMatters && instanceLike(v) ? firstKeys(v, names) : [];
      if (keys.length === 0) forwardEverywhere = false;
      for (const k of keys) for (const f of instanceValue(k)) out.push({ v: f, args });
    }
    if (!reflectedMatters) return out;
    for (const r of evalExpr(ctx, args[0]!)) {
      if (!instanceLike(r)) continue;
      const cls = r.slice(2);
      if (forwardEverywhere && !leftClasses.some((l) => l !== cls && mro(cls).includes(l))) continue;
      for (const k of firstKeys(r, reflected)) for (const f of instanceValue(k)) out.push({ v: f, args: [e[3] as FlowExpr] });
    }
    return out;
  }
  /**
   * The class-level keys (`Cls.name`) an attribute of an instance-like value (`i:`, `s:`, `sup:`)
   * finds along the MRO; undefined when v is not instance-like.
   */
  function memberKeys(v: string, name: string): string[] | undefined {
    const colon = v.indexOf(':');
    const tag = v.slice(0, colon);
    const rest = v.slice(colon + 1);
    const first = (order: string[], from: number): string[] => {
      for (let i = from; i < order.length; i++) {
        const key = `${order[i]}.${name}`;
        if (hasKey(key)) return [key];
      }
      return [];
    };
    switch (tag) {
      case 'i':
        return first(mro(rest), 0);
      case 's':
        // self.m() may run an override in any subclass
        return [...first(mro(rest), 0), ...allSubclasses(rest).flatMap((s) => (hasKey(`${s}.${name}`) ? [`${s}.${name}`] : []))];
      case 'sup': {
        // super() in C continues along the MRO of self's class, which may be any subclass of C
        const out = new Set<string>();
        for (const cls of [rest, ...allSubclasses(rest)]) {
          const order = mro(cls);
          const at = order.indexOf(rest);
          if (at >= 0) for (const k of first(order, at + 1)) out.add(k);
        }
        return [...out];
      }
      default:
        return undefined;
    }
  }
  /** What reading a class-level key on an instance gives: a property's getter runs (its return values), a method is bound. */
  const instanceValue = (key: string): string[] => (propertyIds.get(key)?.get ? [...(readVar(`${key}.<ret>`) ?? [])] : bind(valueOfKey(key), true));
  function attr(v: string, name: string): string[] {
    const colon = v.indexOf(':');
    if (colon < 0) {
      if (classIds.has(v)) return classAttr(v, name, false);
      return [];
    }
    const tag = v.slice(0, colon);
    const rest = v.slice(colon + 1);
    switch (tag) {
      case 'i':
      case 's':
      case 'sup':
        return [...new Set(memberKeys(v, name)!.flatMap(instanceValue))];
      case 'm': {
        const t = memberOf(rest, name);
        return t ? targetValues(t) : [];
      }
      case 'x':
        return [`x:${rest}.${name}`];
      case 'c':
        return COLLECTION_METHODS.has(name) ? [`cm:${rest}`] : CONTAINER_METHODS.has(name) ? [`cb:${name}`] : [];
      default:
        return [];
    }
  }

  interface Ctx {
    mod: string;
    /** the scope's local name and its id */
    scope: string;
    id: string;
    /** where each bare name used here is bound */
    slots?: Map<string, Slot>;
    /** chains evaluated here once values are final */
    memo?: Map<string, string[]>;
    /** the scope's own facts (same-named scopes share the id) */
    facts?: ScopeFacts;
  }
  type Slot = { key: string } | { moduleKey?: string; targets: Target[] };
  /** Where a bare name is bound, as seen from a scope: a local (or enclosing function's) slot, else module-level names and imports. Static, so computed once. */
  function slotOf(ctx: Ctx, name: string): Slot {
    const slots = (ctx.slots ??= new Map<string, Slot>());
    let slot = slots.get(name);
    if (slot) return slot;
    const m = modules.get(ctx.mod)!;
    const parts = ctx.scope ? ctx.scope.split('.') : [];
    for (let i = parts.length; i > 0 && !slot; i--) {
      const p = parts.slice(0, i).join('.');
      // class bodies do not enclose their methods
      if (i !== parts.length && m.scopes.get(p)?.kind === 'class') continue;
      const pid = qualify(ctx.mod, p);
      // a scope's own names are its own: a same-named definition's local does not shadow a global here
      const locals = i === parts.length && ctx.facts ? ownLocals.get(ctx.facts) : localsOf.get(pid);
      if (locals?.has(name) || m.scopes.has(`${p}.${name}`)) slot = { key: `${pid}.${name}` };
    }
    slot ??= {
      ...(localsOf.get(qualify(ctx.mod, ''))?.has(name) ? { moduleKey: qualify(ctx.mod, name) } : {}),
      targets: resolveName(ctx.mod, ctx.scope, name),
    };
    slots.set(name, slot);
    return slot;
  }
  function lookupName(ctx: Ctx, name: string): string[] {
    const slot = slotOf(ctx, name);
    if ('key' in slot) return valueOfKey(slot.key);
    if (!slot.moduleKey && slot.targets.length === 1) return targetValues(slot.targets[0]!);
    const out = new Set<string>();
    if (slot.moduleKey) for (const v of readVar(slot.moduleKey) ?? []) out.add(v);
    for (const t of slot.targets) for (const v of targetValues(t)) out.add(v);
    return [...out];
  }
  const enclosingClassOf = (ctx: Ctx): string | null => enclosingClass(ctx.mod, ctx.scope);

  /** Chains are memoised only once the values are final (while propagating, reads must be recorded). */
  let memoise = false;
  function evalChain(ctx: Ctx, chain: string): string[] {
    const memo = memoise ? (ctx.memo ??= new Map<string, string[]>()) : undefined;
    const hit = memo?.get(chain);
    if (hit) return hit;
    const parts = chain.split('.');
    let cur = lookupName(ctx, parts[0]!);
    for (let i = 1; i < parts.length && cur.length > 0; i++) {
      const next = new Set<string>();
      for (const v of cur) for (const x of attr(v, parts[i]!)) next.add(x);
      cur = [...next];
    }
    memo?.set(chain, cur);
    return cur;
  }
  const strOf = (ctx: Ctx, e: FlowExpr | undefined): string[] => {
    if (Array.isArray(e) && e[0] === 'str') return [e[1] as string];
    return e === undefined
      ? []
      : evalExpr(ctx, e)
          .filter((v) => v.startsWith('str:'))
          .map((v) => v.slice(4));
  };
  function callResult(ctx: Ctx, v: string, args: FlowExpr[]): string[] {
    if (v.startsWith('b:')) return [...(readVar(`${v.slice(2)}.<ret>`) ?? [])];
    if (v.startsWith('s:')) return [`i:${v.slice(2)}`];
    if (v.startsWith('i:')) return classAttr(v.slice(2), '__call__', true).flatMap((c) => callResult(ctx, c, args));
    if (v.startsWith('cm:')) return [`c:${v.slice(3)}`, ...(readVar(`c:${v.slice(3)}`) ?? [])];
    if (v.startsWith('x:')) {
      const ext = v.slice(2);
      if (ext === '<builtin>.super') {
        const c = enclosingClassOf(ctx);
        return c ? [`sup:${c}`] : [];
      }
      if (ext === '<builtin>.getattr' && args.length >= 2) {
        const objs = evalExpr(ctx, args[0]!);
        return strOf(ctx, args[1]).flatMap((name) => objs.flatMap((o) => attr(o, name)));
      }
      if (ext === 'importlib.import_module' || ext === '<builtin>.__import__') return strOf(ctx, args[0]).flatMap((name) => moduleValues(name));
      if (ext === 'functools.partial' && args.length >= 1) return evalExpr(ctx, args[0]!);
      // iter(x), next(x), abs(x), round(x) give what x's dunder returns
      const d = BUILTIN_RESULT_DUNDERS.has(ext) ? BUILTIN_DUNDERS[ext.slice('<builtin>.'.length)] : undefined;
      if (d && args[0] !== undefined && args[0] !== null) return evalExpr(ctx, ['o', d, '', args[0], args.slice(1)]);
      return [];
    }
    if (v.includes(':')) return [];
    if (classIds.has(v)) return [`i:${v}`];
    return [...(readVar(`${v}.<ret>`) ?? [])];
  }
  function moduleValues(name: string): string[] {
    if (modulePrefixes.has(name)) return [`m:${name}`];
    const under = [...modulePrefixes].filter((p) => p.endsWith(`.${name}`));
    return under.length > 0 ? under.map((p) => `m:${p}`) : [`x:${name}`];
  }
  function elements(ctx: Ctx, vals: string[], iterate: boolean): string[] {
    const out: string[] = [];
    for (const v of vals) {
      if (v.startsWith('c:')) out.push(...(readVar(v) ?? []));
      else if (!iterate && instanceLike(v))
        for (const k of firstKeys(v, ['__getitem__'])) for (const f of instanceValue(k)) out.push(...callResult(ctx, f, []));
      else if (iterate && (v.startsWith('i:') || v.startsWith('s:'))) {
        for (const it of classAttr(v.slice(2), '__iter__', true))
          for (const r of callResult(ctx, it, [])) {
            if (r.startsWith('i:') || r.startsWith('s:')) for (const n of classAttr(r.slice(2), '__next__', true)) out.push(...callResult(ctx, n, []));
          }
      } else if (!v.includes(':') || v.startsWith('b:')) out.push(v); // a generator's yields are its return values
    }
    return out;
  }
  function evalExpr(ctx: Ctx, e: FlowExpr): string[] {
    if (e === null) return [];
    if (typeof e === 'string') return evalChain(ctx, e);
    const tag = e[0] as string;
    switch (tag) {
      case 'a': {
        const out = new Set<string>();
        for (const v of evalExpr(ctx, e[1] as FlowExpr)) for (const x of attr(v, e[2] as string)) out.add(x);
        return [...out];
      }
      case 'c': {
        const f = e[1] as FlowExpr;
        const args = e[2] as FlowExpr[];
        const out = new Set<string>();
        const callees = f === 'super' ? ['x:<builtin>.super'] : evalExpr(ctx, f);
        for (const v of callees) for (const x of callResult(ctx, v, args)) out.add(x);
        return [...out];
      }
      case 's':
        return elements(ctx, evalExpr(ctx, e[1] as FlowExpr), false);
      case 'i':
        return elements(ctx, evalExpr(ctx, e[1] as FlowExpr), true);
      case 'l': {
        const key = `c:${ctx.id}@${e[1] as string}`;
        for (let i = 2; i < e.length; i++) add(key, evalExpr(ctx, e[i] as FlowExpr));
        return [key];
      }
      case 'u':
        return [...new Set(e.slice(1).flatMap((x) => evalExpr(ctx, x as FlowExpr)))];
      case 'd':
        return [qualify(ctx.mod, e[1] as string)];
      case 'str':
        return [`str:${e[1] as string}`];
      case 'o': {
        const out = new Set<string>();
        for (const { v, args } of dunderCalls(ctx, e)) for (const x of callResult(ctx, v, args)) out.add(x);
        // `HOOKS + [f]`, `BASE | {"card": f}` (marked with the expression's id): when a side is a
        // list, tuple, set or dict, a new one with the elements of both
        if (e.length > 5) {
          const sides = [e[3] as FlowExpr, (e[4] as FlowExpr[])[0] ?? null].flatMap((x) => (x === null ? [] : evalExpr(ctx, x)));
          const containers = sides.filter((v) => v.startsWith('c:'));
          if (containers.length > 0) {
            const key = `c:${ctx.id}@${e[5] as string}`;
            for (const c of containers) add(key, [...(readVar(c) ?? [])]);
            out.add(key);
          }
        }
        return [...out];
      }
      case 't':
        return evalChain(ctx, e[1] as string)
          .filter((v) => classIds.has(v))
          .map((c) => `s:${c}`);
      default:
        return [];
    }
  }
  /** Assigns `vals` to a flow target; false when the target's object is unknown. */
  function assignTo(ctx: Ctx, target: string, vals: string[]): boolean {
    if (target.endsWith('[]')) {
      const holders = containersAt(ctx, target);
      for (const h of holders) add(h, vals);
      return holders.length > 0;
    }
    if (target === '<ret>' || !target.includes('.')) {
      const owner = ownEntry(ctx.facts?.outer, target);
      if (owner !== undefined) add(`${qualify(ctx.mod, owner)}.${target}`, vals);
      else add(`${ctx.id ? `${ctx.id}.` : ''}${target}`, vals);
      return true;
    }
    const dot = target.lastIndexOf('.');
    const name = target.slice(dot + 1);
    let any = false;
    for (const o of evalChain(ctx, target.slice(0, dot))) {
      const cls = o.startsWith('i:') || o.startsWith('s:') ? o.slice(2) : classIds.has(o) ? o : null;
      if (cls) {
        add(`${cls}.${name}`, vals);
        any = true;
      } else if (o.startsWith('m:')) {
        add(qualify(o.slice(2), name), vals);
        any = true;
      }
    }
    return any;
  }

  /**
   * The containers a `holder[]` target adds to: the list, set or dict literals the holder holds;
   * each further `[]` takes those held as their elements (`d[k].append(f)`: `d[][]`).
   */
  function containersAt(ctx: Ctx, target: string): string[] {
    let base = target;
    let depth = 0;
    while (base.endsWith('[]')) {
      base = base.slice(0, -2);
      depth++;
    }
    let holders = evalChain(ctx, base).filter((v) => v.startsWith('c:'));
    for (let i = 1; i < depth && holders.length > 0; i++)
      holders = [...new Set(holders.flatMap((h) => [...(readVar(h) ?? [])].filter((v) => v.startsWith('c:'))))];
    return holders;
  }
  /** In-repository functions a callee value runs, with how many leading parameters are already bound. */
  function runs(v: string): { id: string; offset: number }[] {
    if (v.startsWith('b:')) return [{ id: v.slice(2), offset: 1 }];
    if (v.startsWith('i:') || v.startsWith('s:')) return classAttr(v.slice(2), '__call__', true).flatMap(runs);
    if (v.includes(':')) return [];
    if (classIds.has(v)) return classAttr(v, '__init__', true).flatMap(runs);
    return isFunctionDef(v) ? [{ id: v, offset: 0 }] : [];
  }
  function bindArgs(ctx: Ctx, id: string, offset: number, args: FlowExpr[], kwargs: [string, FlowExpr][]): void {
    // a call of a redefined (or overloaded) name may run any of its definitions: each binds its own parameters
    for (const sc of scopesOf.get(id) ?? []) {
      const ps = sc.params;
      if (!ps) continue;
      args.forEach((a, i) => {
        const p = ps.names[i + offset];
        if (p !== undefined && a !== null) add(`${id}.${p}`, evalExpr(ctx, a));
      });
      for (const [k, a] of kwargs) if (a !== null && ps.names.includes(k)) add(`${id}.${k}`, evalExpr(ctx, a));
    }
  }

  /** `obj.p = v` passes v to the setter of every property p obj's class may have. */
  function bindSetter(ctx: Ctx, target: FlowExpr, value: FlowExpr): void {
    const parts = splitAttribute(target);
    if (!parts || !propertiesByName.has(parts[1])) return;
    const vals = evalExpr(ctx, value);
    for (const v of evalExpr(ctx, parts[0]))
      for (const key of memberKeys(v, parts[1]) ?? []) {
        const param = propertyIds.get(key)?.setter?.params?.names[1];
        if (param !== undefined) add(`${key}.${param}`, vals);
      }
  }
  function passesToRepository(ctx: Ctx, s: FlowExpr[]): boolean {
    if ((s[2] as FlowExpr[]).length === 0 && (s[3] as unknown[]).length === 0) return false;
    const f = s[1];
    if (typeof f !== 'string' || f === 'super') return true;
    // a builtin or a library function (and anything reached through one) runs nothing of ours
    const slot = slotOf(ctx, f.split('.')[0]!);
    return 'key' in slot || slot.moduleKey !== undefined || slot.targets.length === 0 || slot.targets.some((t) => t.kind !== 'external');
  }
  const ctxs: { ctx: Ctx; scope: ScopeFacts }[] = [];
  for (const [, m] of modules)
    for (const scope of m.facts.scopes) {
      const id = qualify(m.facts.module, scope.name);
      ctxs.push({ ctx: { mod: m.facts.module, scope: scope.name, id, facts: scope }, scope });
    }
  type Constraint = { ctx: Ctx; flow?: [string, FlowExpr]; site?: FlowExpr[]; reads?: string[] };
  const constraints: Constraint[] = [];
  for (const { ctx, scope } of ctxs) {
    for (const flow of scope.flows ?? []) constraints.push({ ctx, flow });
    // a call site matters while propagating only when it passes arguments to code in the repository
    for (const s of scope.sites ?? [])
      if (
        Array.isArray(s) &&
        ((s[0] === 'c' && passesToRepository(ctx, s as FlowExpr[])) || (s[0] === 'set' && s[2] !== null) || (s[0] === 'o' && (s[4] as FlowExpr[]).length > 0))
      )
        constraints.push({ ctx, site: s as FlowExpr[] });
  }
  for (let i = constraints.length - 1; i >= 0; i--) {
    queue.push(i);
    queued[i] = true;
  }
  const readsNow = new Set<string>();
  while (queue.length > 0) {
    const i = queue.pop()!;
    queued[i] = false;
    const c = constraints[i]!;
    deps = readsNow;
    deps.clear();
    if (c.flow) assignTo(c.ctx, c.flow[0], evalExpr(c.ctx, c.flow[1]));
    else if (c.site![0] === 'set') bindSetter(c.ctx, c.site![1] as FlowExpr, c.site![2] as FlowExpr);
    else if (c.site![0] === 'o') for (const { v, args } of dunderCalls(c.ctx, c.site!)) for (const r of runs(v)) bindArgs(c.ctx, r.id, r.offset, args, []);
    else {
      const s = c.site!;
      const f = s[1] as FlowExpr;
      for (const v of f === 'super' ? [] : evalExpr(c.ctx, f))
        for (const r of runs(v)) bindArgs(c.ctx, r.id, r.offset, s[2] as FlowExpr[], s[3] as [string, FlowExpr][]);
    }
    // register this constraint under each value it read (once per value)
    const before = c.reads ? new Set(c.reads) : undefined;
    for (const k of deps) {
      if (before?.has(k)) continue;
      (c.reads ??= []).push(k);
      let l = dependents.get(k);
      if (!l) dependents.set(k, (l = []));
      l.push(i);
    }
  }
  deps = null;
  memoise = true;

  // ---- edges ----
  const byParent = new Map<string, string[]>();
  for (const mod of modules.keys()) {
    const parent = mod.includes('.') ? mod.slice(0, mod.lastIndexOf('.')) : '';
    let l = byParent.get(parent);
    if (!l) byParent.set(parent, (l = []));
    l.push(mod);
  }
  const visibleMemo = new Map<string, Set<string>>();
  /** Modules whose definitions a module can see: its own package's modules and what it imports, transitively. */
  function visibleFrom(mod: string): Set<string> {
    let seen = visibleMemo.get(mod);
    if (seen) return seen;
    seen = new Set([mod]);
    const queue = [mod];
    while (queue.length > 0) {
      const cur = queue.pop()!;
      for (const imp of importsOf(cur)) {
        for (const t of imp.name && imp.name !== '*' ? [imp.module, `${imp.module}.${imp.name}`] : [imp.module]) {
          if (modules.has(t) && !seen.has(t)) {
            seen.add(t);
            queue.push(t);
          }
        }
      }
    }
    for (const sib of byParent.get(mod.includes('.') ? mod.slice(0, mod.lastIndexOf('.')) : '') ?? []) seen.add(sib);
    visibleMemo.set(mod, seen);
    return seen;
  }
  const fits = (id: string, args: number, kwargs: number, splat: boolean): boolean => {
    if (splat) return true;
    const offset = g.kindOf(id) === 'method' && !staticIds.has(id) ? 1 : 0;
    // any of same-named definitions (an overload's implementation, a redefinition) may be the one called
    return (scopesOf.get(id) ?? [undefined]).some((sc) => {
      const ps = sc?.params;
      return !ps || ((ps.star === true || args + offset <= ps.names.length) && args + offset + kwargs >= ps.required);
    });
  };
  /**
   * The bindings whose value (a module-level or class-level assignment's) holds the site being
   * resolved: what the site runs is part of computing their value, so its calls of repository code
   * are their call edges too (the scope keeps its own: module code runs on import). A call resolved
   * by name only stays the scope's: deciding would not follow such a guess.
   */
  let initializing: readonly string[] = NO_BINDINGS;
  const edge = (from: string, to: string, how: 'typed' | 'name' = 'typed'): void => {
    g.call(from, to, how);
    if (how === 'typed' && initializing.length > 0 && g.hasDef(to)) for (const b of initializing) g.call(b, to);
  };
  /** The bindings (not a same-named function or class) an assignment's value sets. */
  const initializedBindings = (mod: string, init: InitializerFacts): string[] =>
    init.names.map((n) => qualify(mod, n)).filter((id) => g.kindOf(id) === 'binding');
  /** Per site of a scope, the bindings whose value holds it (undefined: none). */
  function siteOwners(mod: string, scope: ScopeFacts): (string[] | undefined)[] {
    const out: (string[] | undefined)[] = [];
    for (const init of scope.initializers ?? []) {
      const ids = initializedBindings(mod, init);
      if (ids.length > 0) for (let i = init.sites[0]; i < init.sites[1]; i++) (out[i] ??= []).push(...ids);
    }
    return out;
  }
  const callableValue = (v: string): string | null => {
    if (v.startsWith('b:')) return v.slice(2);
    return !v.includes(':') && isFunctionDef(v) ? v : null;
  };
  /** Edges from `from` for calling value v: whether v named a callee at all, and one in the repository. */
  const callEdges = (from: string, v: string): { known: boolean; inRepo: boolean } => {
    // a builtin container's own method: known, and none of the repository's same-named methods
    if (v.startsWith('cm:') || v.startsWith('cb:')) return { known: true, inRepo: false };
    if (v.startsWith('x:')) {
      if (v !== 'x:<builtin>.super') edge(from, v.slice(2));
      return { known: true, inRepo: false };
    }
    let inRepo = false;
    if (!v.includes(':') && classIds.has(v)) {
      // the class body stays reachable for the gate; the constructor is what runs
      edge(from, v);
      inRepo = true;
    } else {
      const f = callableValue(v);
      if (f) {
        edge(from, f);
        inRepo = true;
      }
    }
    if (!v.startsWith('b:') && (classIds.has(v) || v.startsWith('i:') || v.startsWith('s:')))
      for (const r of runs(v)) {
        edge(from, r.id);
        inRepo = true;
      }
    if (!v.includes(':') && classIds.has(v)) for (const r of postInit(v)) edge(from, r.id);
    return { known: inRepo, inRepo };
  };
  /**
   * What the `__init__` a dataclass generates runs besides setting fields: `__post_init__` (along
   * the MRO of the class built). It is the constructor when the first class along the MRO that
   * has an `__init__` is a dataclass that did not write its own (a subclass inherits it).
   */
  function postInit(cls: string): { id: string; offset: number }[] {
    for (const k of mro(cls)) {
      if (hasKey(`${k}.__init__`)) return [];
      if (dataclassIds.has(k)) return classAttr(cls, '__post_init__', true).flatMap(runs);
    }
    return [];
  }

  /**
   * Reading (`get`), assigning (`set`) or deleting (`del`) attribute `e` runs that accessor of the
   * properties the object's class (MRO; for `self`, also subclasses) has under that name. When no
   * value of the object is known, or an instance's class has nothing of that name (a base outside
   * the repository; the flow may not have seen every value), the method-call fallback applies
   * among the properties of that name with that accessor (the visible ones, else all), recorded
   * as name-only; other attributes stay free. A method's own `self` never falls back.
   */
  function accessorEdges(ctx: Ctx, from: string, mode: 'get' | 'set' | 'del', e: FlowExpr, fallback = true): void {
    const parts = splitAttribute(e);
    const candidates = parts && propertiesByName.get(parts[1]);
    if (!parts || !candidates) return;
    // a method's own `self`/`cls` is its class or a subclass, all known: a property elsewhere cannot run
    const ownSelf = ctx.facts?.kind === 'method' && !staticIds.has(ctx.id) && parts[0] === ctx.facts.params?.names[0];
    const values = evalExpr(ctx, parts[0]);
    let known = ownSelf && values.length > 0;
    for (const v of values) {
      const keys = memberKeys(v, parts[1]);
      // a class, module, function or outside value: no property of ours runs on it
      if (keys === undefined || keys.length > 0) known = true;
      for (const key of keys ?? []) if (propertyIds.get(key)?.[mode]) edge(from, key);
    }
    if (known || !fallback) return;
    const withMode = candidates.filter((id) => propertyIds.get(id)![mode]);
    const visible = visibleFrom(ctx.mod);
    const narrowed = withMode.filter((id) => visible.has(scopeInfo.get(id)!.mod));
    for (const id of narrowed.length > 0 ? narrowed : withMode) edge(from, id, 'name');
  }

  /** `__iter__` value `it` runs, then `__next__` on what it returns. */
  function iteratorEdges(ctx: Ctx, from: string, it: string): void {
    for (const r of runs(it)) edge(from, r.id);
    for (const res of callResult(ctx, it, []))
      if (instanceLike(res)) for (const n of classAttr(res.slice(2), '__next__', true)) for (const r of runs(n)) edge(from, r.id);
  }
  function dunderEdges(ctx: Ctx, from: string, e: FlowTuple): void {
    for (const { v } of dunderCalls(ctx, e)) {
      // `x in c` on a class without __contains__ iterates c
      if (v.endsWith('.__iter__')) iteratorEdges(ctx, from, v);
      else for (const r of runs(v)) edge(from, r.id);
    }
  }
  /** `len(x)`, `str(x)`, … run x's dunder; `sum`, `min`, `max`, `sorted` (without `key=`) add or compare the elements. */
  function builtinDunderEdges(ctx: Ctx, from: string, name: string, args: FlowExpr[], kwargs: [string, FlowExpr][]): void {
    const d = ownEntry(BUILTIN_DUNDERS, name);
    if (d) dunderEdges(ctx, from, ['o', d, '', args[0]!, args.slice(1)]);
    const onElements = kwargs.some(([k]) => k === 'key') ? undefined : ownEntry(ELEMENT_DUNDERS, name);
    // `min(a, b)` compares its arguments, `min(xs)` the elements of xs
    const operands: FlowExpr = (name === 'min' || name === 'max') && args.length > 1 ? ['u', ...args] : ['i', args[0]!];
    for (const names of onElements ?? []) dunderEdges(ctx, from, ['o', names, '', operands, []]);
  }

  for (const { ctx, scope } of ctxs) {
    const from = ctx.id;
    const owners = scope.initializers ? siteOwners(ctx.mod, scope) : [];
    for (const [i, s] of (scope.sites ?? []).entries()) {
      initializing = owners[i] ?? NO_BINDINGS;
      if (!Array.isArray(s)) continue;
      if (s[0] === 'g' || s[0] === 'set' || s[0] === 'del') {
        accessorEdges(ctx, from, s[0] === 'g' ? 'get' : s[0], s[1] as FlowExpr);
        continue;
      }
      if (s[0] === 'it') {
        // iterating an instance runs its __iter__, then __next__ on what that returns
        for (const v of evalExpr(ctx, s[1] as FlowExpr)) {
          if (!v.startsWith('i:') && !v.startsWith('s:')) continue;
          for (const it of classAttr(v.slice(2), '__iter__', true)) iteratorEdges(ctx, from, it);
        }
        continue;
      }
      if (s[0] === 'o') {
        dunderEdges(ctx, from, s);
        continue;
      }
      const f = s[1] as FlowExpr;
      const args = s[2] as FlowExpr[];
      const kwargs = s[3] as [string, FlowExpr][];
      const splat = s[4] === 1;
      let known = false;
      let inRepo = false;
      // `obj.p()` reads p first: a property's getter runs, and its result is what is called (an
      // unknown receiver is left to the call's own by-name fallback below)
      if (f !== 'super') accessorEdges(ctx, from, 'get', f, false);
      for (const v of f === 'super' ? [] : evalExpr(ctx, f)) {
        const r = callEdges(from, v);
        known ||= r.known;
        inRepo ||= r.inRepo;
        if (v.startsWith('x:<builtin>.') && args[0] !== undefined && args[0] !== null)
          builtinDunderEdges(ctx, from, v.slice('x:<builtin>.'.length), args, kwargs);
        // dataclasses.replace(obj, …) builds a new instance of obj's class
        if (v === 'x:dataclasses.replace' && args[0] !== undefined && args[0] !== null)
          for (const o of evalExpr(ctx, args[0])) if (instanceLike(o)) for (const r of postInit(o.slice(2))) edge(from, r.id);
      }
      if (!known) {
        // unknown receiver: every visible definition of that name whose arity fits (all of them when none does)
        const name = typeof f === 'string' ? f.split('.').pop()! : Array.isArray(f) && f[0] === 'a' ? (f[2] as string) : null;
        const dotted = (typeof f === 'string' && f.includes('.')) || (Array.isArray(f) && f[0] === 'a');
        const cands = name === null || f === 'super' ? undefined : byShortName.get(name);
        if (cands) {
          const all = dotted ? cands.methods : [...cands.functions, ...cands.methods];
          const fitting = all.filter((id) => fits(id, args.length, kwargs.length, splat));
          const visible = visibleFrom(ctx.mod);
          const narrowed = fitting.filter((id) => visible.has(scopeInfo.get(id)!.mod));
          for (const id of narrowed.length > 0 ? narrowed : fitting.length > 0 ? fitting : all) edge(from, id, 'name');
        }
      }
      if (!inRepo && s[4] !== 2) {
        // a function handed to code we cannot see (a builtin, a library, an unknown object) may be called by it
        for (const a of [...args, ...kwargs.map(([, v]) => v)]) {
          if (a === null) continue;
          for (const v of evalExpr(ctx, a)) {
            const c = callableValue(v);
            if (c) edge(from, c);
          }
        }
      }
    }
    initializing = NO_BINDINGS;
    // a function stored on an object we cannot see may be called by it
    for (const [target, value] of scope.flows ?? []) {
      if (!target.includes('.') && !target.endsWith('[]')) continue;
      const vals = evalExpr(ctx, value);
      if (!assignTo(ctx, target, vals))
        for (const v of vals) {
          const c = callableValue(v);
          if (c) edge(from, c);
        }
    }
  }

  // reads of module-level bindings (constants, configuration, imports): a change to one changes its
  // readers. A binding's value reads what its expression names (`RATE = BASE_RATE * 2`)
  for (const [, m] of modules) {
    const mod = m.facts.module;
    let firstBinding: Map<string, number> | undefined;
    for (const s of m.facts.scopes) {
      if (s.kind !== 'module') recordReads(m, qualify(mod, s.name), s.name, s.calls, s.refs);
      for (const init of s.initializers ?? []) {
        const ids = initializedBindings(mod, init);
        if (ids.length === 0) continue;
        const calls = s.calls.slice(init.calls[0], init.calls[1]);
        const refs = s.refs.slice(init.refs[0], init.refs[1]);
        if (s.kind !== 'class') {
          for (const id of ids) recordReads(m, id, '', calls, refs);
          continue;
        }
        // in a class body a bare name is the class's own attribute first (`RATE = BASE * 2`) when
        // the body has assigned it above (`TIMEOUT = TIMEOUT` reads the module's), and one of its
        // methods or nested classes (`RATE = compute()`) hides a module-level name too
        const first = (firstBinding ??= firstIndexes(m.facts.bindings));
        const bound = init.bound ?? Infinity;
        const attribute = (head: string): string | null | undefined => {
          const member = `${s.name}.${head}`;
          return (first.get(member) ?? Infinity) < bound ? qualify(mod, member) : m.scopes.has(member) ? null : undefined;
        };
        for (const id of ids) recordReads(m, id, s.name, calls, refs, attribute);
      }
    }
  }

  /** Per binding name, the index of its first assignment among a file's bindings. */
  function firstIndexes(bindings: readonly { name: string }[]): Map<string, number> {
    const out = new Map<string, number>();
    bindings.forEach((b, i) => {
      if (!out.has(b.name)) out.set(b.name, i);
    });
    return out;
  }

  /**
   * The bindings definition `from` reads through the call and reference chains of its code, seen
   * from scope `scope` of module m; `attribute` finds a class body's own attribute of a bare name
   * (null: the name is the class's own method or class, which reads no binding).
   */
  function recordReads(
    m: { facts: FileFacts; scopes: Map<string, ScopeFacts>; bindings: Set<string> },
    from: string,
    scope: string,
    calls: Iterable<string>,
    refs: Iterable<string>,
    attribute?: (head: string) => string | null | undefined,
  ): void {
    const mod = m.facts.module;
    // a call through a module-level name also reads that binding (an import line may change the target)
    for (const chain of new Set(calls)) {
      const headName = chain.split('.')[0]!;
      const own = attribute?.(headName);
      if (own) g.read(from, own);
      else if (own === undefined && m.bindings.has(headName)) g.read(from, qualify(mod, headName));
    }
    for (const chain of new Set(refs)) {
      const headName = chain.split('.')[0]!;
      const own = attribute?.(headName);
      if (own !== undefined) {
        if (own) g.read(from, own);
        continue;
      }
      if (m.bindings.has(headName) && !m.scopes.has(headName)) g.read(from, qualify(mod, headName));
      for (const t of resolveChain(mod, scope, chain)) {
        if (t.kind === 'def' && t.id !== from && g.kindOf(t.id) === 'binding') g.read(from, t.id);
      }
    }
  }
}

/** Which accessor of a property a method's decorators make it: `@property`, `@cached_property` (read only, its value then cached), `@p.setter`, `@p.getter`, `@p.deleter`. */
function accessorOf(decorators: string[]): 'get' | 'set' | 'del' | 'cached' | undefined {
  for (const d of decorators) {
    const last = d.slice(d.lastIndexOf('.') + 1);
    if (last === 'property' || last === 'abstractproperty') return 'get';
    if (last === 'cached_property') return 'cached';
    if (d.includes('.') && (last === 'setter' || last === 'getter' || last === 'deleter')) return last === 'setter' ? 'set' : last === 'getter' ? 'get' : 'del';
  }
  return undefined;
}

/** `a.b.c` or `['a', obj, c]` as its object and attribute name. */
function splitAttribute(e: FlowExpr): [FlowExpr, string] | undefined {
  if (typeof e === 'string') {
    const dot = e.lastIndexOf('.');
    return dot > 0 ? [e.slice(0, dot), e.slice(dot + 1)] : undefined;
  }
  if (Array.isArray(e) && e[0] === 'a') return [e[1] as FlowExpr, e[2] as string];
  return undefined;
}

/** An import with its module as found in the repository: `written` is what the source says, `root` the source-root prefix (with its dot) that was put before it, or ''. */
type RootedImport = ImportFacts & { written: string; root: string };

/**
 * Imports of each module with absolute module names mapped to the repository's modules under a
 * source root. A project laid out as `src/bank/rates.py` imports `bank.rates`, which names the
 * module `src.bank.rates` here (names are paths from the repository root). When the written name
 * is not a repository module but `<root>.<name>` is, every root that contains the importing file
 * is taken; failing that, the roots sharing the longest path with the importing file where the
 * name's first part is a package (so `tools/os.py` does not capture `import os` elsewhere). Several
 * equally good roots all count (an import then stands for each: recall first). Without this the
 * call would look external and a regulated path through it would be missed.
 */
function sourceRootImports(modules: Map<string, { facts: FileFacts }>, modulePrefixes: Set<string>): (mod: string) => RootedImport[] {
  // every module and package by its last segment, for finding `<root>.<name>` without a scan
  const byLast = new Map<string, string[]>();
  for (const p of modulePrefixes) {
    const last = p.slice(p.lastIndexOf('.') + 1);
    let l = byLast.get(last);
    if (!l) byLast.set(last, (l = []));
    l.push(p);
  }
  // modules that have submodules: packages
  const packagePrefixes = new Set<string>();
  for (const p of modulePrefixes) if (p.includes('.')) packagePrefixes.add(p.slice(0, p.lastIndexOf('.')));
  const sharedSegments = (a: string, b: string): number => {
    const x = a.split('.');
    const y = b.split('.');
    let n = 0;
    while (n < x.length && n < y.length && x[n] === y[n]) n++;
    return n;
  };
  const rootsFor = (mod: string, written: string): string[] => {
    if (modulePrefixes.has(written)) return [''];
    const top = written.split('.')[0]!;
    const want = written.slice(written.lastIndexOf('.') + 1);
    const roots = (byLast.get(want) ?? []).filter((p) => p.endsWith(`.${written}`)).map((p) => p.slice(0, p.length - written.length));
    const ancestors = roots.filter((r) => mod.startsWith(r));
    if (ancestors.length > 0) return ancestors.sort();
    const packages = roots.filter((r) => packagePrefixes.has(r + top));
    if (packages.length === 0) return [''];
    const best = Math.max(...packages.map((r) => sharedSegments(mod, r.slice(0, -1))));
    return packages.filter((r) => sharedSegments(mod, r.slice(0, -1)) === best).sort();
  };
  const memo = new Map<string, RootedImport[]>();
  return (mod) => {
    let out = memo.get(mod);
    if (out) return out;
    out = (modules.get(mod)?.facts.imports ?? []).flatMap((imp) =>
      rootsFor(mod, imp.module).map((root) => ({ ...imp, written: imp.module, root, module: root + imp.module })),
    );
    memo.set(mod, out);
    return out;
  };
}

function qualify(mod: string, local: string): string {
  if (!local) return mod;
  return mod ? `${mod}.${local}` : local;
}
