import type { FileFacts, ImportFacts, ScopeFacts } from '../facts.js';
import type { GraphBuilder } from '../graph-builder.js';

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

type Target = { kind: 'def'; id: string } | { kind: 'module'; name: string } | { kind: 'external'; id: string } | { kind: 'instance'; cls: string };

/**
 * Cross-file resolution for Python. Precise where the code says what it calls (nested scopes,
 * module definitions, imports with aliases, relative imports, re-exports, self/cls/super through
 * the class hierarchy); over-approximate otherwise:
 * - `obj.m()` with an unknown `obj` → every method named `m` in the repository;
 * - `self.m()` → the method found through the bases plus every override in subclasses;
 * - a bare name nobody defines (e.g. from `import *` chains we cannot follow) → every function of that name.
 */
export function resolvePython(files: Map<string, FileFacts>, g: GraphBuilder): void {
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

  const isCallable = (id: string): boolean => {
    const k = g.kindOf(id);
    return k === 'function' || k === 'method' || k === 'class';
  };

  for (const [, m] of modules) {
    const mod = m.facts.module;
    for (const s of m.facts.scopes) {
      const from = qualify(mod, s.name);
      for (const chain of new Set(s.calls)) {
        const targets = resolveChain(mod, s.name, chain);
        let added = 0;
        for (const t of targets) {
          if (t.kind === 'def') {
            if (classIds.has(t.id)) {
              g.call(from, t.id);
              for (const init of lookupMethod(t.id, '__init__')) g.call(from, init);
            } else if (g.kindOf(t.id) === 'binding') g.read(from, t.id);
            else g.call(from, t.id);
            added++;
          } else if (t.kind === 'external') {
            g.call(from, t.id);
            added++;
          }
        }
        if (added === 0) {
          // unknown receiver: every method (or function) of that name — recall over precision
          const short = chain.split('.').pop()!;
          const cands = byShortName.get(short);
          if (cands) for (const id of chain.includes('.') ? cands.methods : [...cands.functions, ...cands.methods]) g.call(from, id);
        }
        // a call through a module-level name also reads that binding (an import line may change the target)
        const headName = chain.split('.')[0]!;
        if (m.bindings.has(headName) && s.kind !== 'module') g.read(from, qualify(mod, headName));
      }
      for (const chain of new Set(s.refs)) {
        const headName = chain.split('.')[0]!;
        if (s.kind !== 'module' && m.bindings.has(headName) && !m.scopes.has(headName)) g.read(from, qualify(mod, headName));
        for (const t of resolveChain(mod, s.name, chain)) {
          if (t.kind !== 'def' || t.id === from) continue;
          if (g.kindOf(t.id) === 'binding') {
            if (s.kind !== 'module') g.read(from, t.id);
          } else if (isCallable(t.id) && !classIds.has(t.id)) {
            // a function passed or stored as a value may be called from here (callbacks)
            g.call(from, t.id);
          }
        }
      }
    }
  }
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
    out = (modules.get(mod)?.facts.imports ?? []).flatMap((imp) => rootsFor(mod, imp.module).map((root) => ({ ...imp, written: imp.module, root, module: root + imp.module })));
    memo.set(mod, out);
    return out;
  };
}

function qualify(mod: string, local: string): string {
  if (!local) return mod;
  return mod ? `${mod}.${local}` : local;
}
