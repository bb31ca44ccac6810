import { pushTo, qualifiedName, type FileFacts } from '../facts.js';
import type { GraphBuilder } from '../graph-builder.js';

/**
 * Cross-file resolution for Java. Type names resolve through the file's own classes, single-type
 * imports, the same package, on-demand imports, then any repository class of that simple name.
 * `m()`/`this.m()` → the method found through the superclass/interface chain plus overrides in
 * subclasses (virtual dispatch); `Type.m()` → that type's method; `super.m()` → the bases'.
 * Over-approximation: `expr.m()` on a value of unknown type → every method named m in the
 * repository (covers calls through interfaces and abstract bases).
 */
export function resolveJava(files: Map<string, FileFacts>, g: GraphBuilder): void {
  const byQualified = new Map<string, string>();
  const bySimple = new Map<string, string[]>();
  const byPackage = new Map<string, Map<string, string>>();
  const methodsByName = new Map<string, string[]>();
  const push = pushTo;
  const q = qualifiedName;
  for (const [, f] of files) {
    const pkg = f.package ?? '';
    let pm = byPackage.get(pkg);
    if (!pm) byPackage.set(pkg, (pm = new Map<string, string>()));
    for (const c of f.classes) {
      const id = q(f, c.name);
      byQualified.set(pkg ? `${pkg}.${c.name}` : c.name, id);
      push(bySimple, c.name.split('.').pop()!, id);
      if (!c.name.includes('.')) pm.set(c.name, id);
    }
    for (const s of f.scopes) if (s.kind === 'method') push(methodsByName, s.name.split('.').pop()!, q(f, s.name));
  }

  const resolveType = (f: FileFacts, name: string): string[] => {
    if (name.includes('.')) {
      const exact = byQualified.get(name);
      if (exact) return [exact];
      const local = f.classes.find((c) => c.name === name);
      if (local) return [q(f, local.name)];
      return [];
    }
    const own = f.classes.find((c) => c.name === name || c.name.endsWith(`.${name}`));
    if (own) return [q(f, own.name)];
    for (const imp of f.imports) if (imp.local === name) {
      const id = byQualified.get(imp.module);
      return id ? [id] : [];
    }
    const same = byPackage.get(f.package ?? '')?.get(name);
    if (same) return [same];
    for (const imp of f.imports) if (imp.local === '*') {
      const id = byQualified.get(`${imp.module}.${name}`);
      if (id) return [id];
    }
    if (/^[A-Z]/.test(name)) return bySimple.get(name) ?? [];
    return [];
  };

  const bases = new Map<string, string[]>();
  const subclasses = new Map<string, string[]>();
  for (const [, f] of files) {
    for (const c of f.classes) {
      const id = q(f, c.name);
      const resolved = c.bases.flatMap((b) => resolveType(f, b));
      bases.set(id, resolved);
      for (const b of resolved) push(subclasses, b, id);
    }
  }
  const lookup = (cls: string, member: string, seen = new Set<string>()): string[] => {
    if (seen.has(cls)) return [];
    seen.add(cls);
    if (g.hasDef(`${cls}.${member}`)) return [`${cls}.${member}`];
    const out: string[] = [];
    for (const b of bases.get(cls) ?? []) out.push(...lookup(b, member, seen));
    return out;
  };
  const overrides = (cls: string, member: string, acc: string[] = [], seen = new Set<string>()): string[] => {
    for (const s of subclasses.get(cls) ?? []) {
      if (seen.has(s)) continue;
      seen.add(s);
      if (g.hasDef(`${s}.${member}`)) acc.push(`${s}.${member}`);
      overrides(s, member, acc, seen);
    }
    return acc;
  };
  /** The class and its lexically enclosing classes, innermost first. */
  const enclosing = (f: FileFacts, local: string | undefined): string[] => {
    if (!local) return [];
    const parts = local.split('.');
    const out: string[] = [];
    for (let i = parts.length; i > 0; i--) out.push(q(f, parts.slice(0, i).join('.')));
    return out;
  };

  for (const [, f] of files) {
    for (const s of f.scopes) {
      const from = q(f, s.name);
      const cls = s.kind === 'class' ? s.name : s.className;
      const classes = enclosing(f, cls);
      const virtual = (member: string): string[] => {
        for (const c of classes) {
          const found = lookup(c, member);
          if (found.length > 0) return [...found, ...overrides(c, member)];
        }
        return [];
      };
      const calls = (ids: string[]): void => ids.forEach((id) => g.call(from, id));
      for (const chain of new Set(s.calls)) {
        if (chain.startsWith('new:')) {
          for (const t of resolveType(f, chain.slice(4))) {
            const ctor = lookup(t, '<init>');
            if (ctor.length > 0) calls(ctor);
            else g.call(from, t);
          }
          continue;
        }
        const parts = chain.split('.');
        const member = parts[parts.length - 1]!;
        if (parts.length === 1 || (parts.length === 2 && parts[0] === 'this')) {
          if (member === '<init>') {
            calls(classes.slice(0, 1).flatMap((c) => lookup(c, '<init>')));
            continue;
          }
          const found = virtual(member);
          calls(found.length > 0 ? found : (methodsByName.get(member) ?? []));
          continue;
        }
        if (parts.length === 2 && parts[0] === 'super') {
          const c = classes[0];
          calls(c ? (bases.get(c) ?? []).flatMap((b) => lookup(b, member)) : []);
          continue;
        }
        const owner = parts.slice(0, -1).join('.');
        const types = parts[0] === '?' ? [] : resolveType(f, owner);
        if (types.length > 0) {
          calls(types.flatMap((t) => [...lookup(t, member), ...overrides(t, member)]));
          continue;
        }
        calls(methodsByName.get(member) ?? []);
      }
      for (const ref of new Set(s.refs)) {
        const parts = ref.split('.');
        const member = parts[parts.length - 1]!;
        if (parts.length === 1 || (parts.length === 2 && parts[0] === 'this')) {
          for (const c of classes) {
            const b = lookup(c, member).filter((id) => g.kindOf(id) === 'binding');
            if (b.length > 0) {
              b.forEach((id) => g.read(from, id));
              break;
            }
          }
          continue;
        }
        const types = resolveType(f, parts.slice(0, -1).join('.'));
        for (const t of types) {
          for (const id of lookup(t, member)) {
            if (g.kindOf(id) === 'binding') g.read(from, id);
            else g.call(from, id); // method reference `Type::m` used as a callback
          }
        }
      }
    }
  }
}
