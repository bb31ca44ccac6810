import { pushTo, qualifiedName, type FileFacts } from '../facts.js';
import type { GraphBuilder } from '../graph-builder.js';

const BUILTINS = new Set('append cap clear close complex copy delete imag len make max min new panic print println real recover'.split(' '));

/**
 * Cross-file resolution for Go. A package is a directory; `f()` → the package's function f (any
 * file); `pkg.F()` → function F of the imported package (import path matched to the longest
 * repository directory it ends with). Over-approximation: `x.M()` on a value → every method named
 * M in the repository (this is also how calls through interfaces and embedded types are covered).
 */
export function resolveGo(files: Map<string, FileFacts>, g: GraphBuilder): void {
  type Pkg = { funcs: Map<string, string[]>; types: Map<string, string[]>; bindings: Map<string, string[]> };
  const pkgs = new Map<string, Pkg>();
  const methodsByName = new Map<string, string[]>();
  const push = pushTo;
  const q = qualifiedName;
  for (const [, f] of files) {
    const dir = f.package ?? '';
    let p = pkgs.get(dir);
    if (!p) pkgs.set(dir, (p = { funcs: new Map(), types: new Map(), bindings: new Map() }));
    for (const s of f.scopes) {
      if (s.kind === 'function') push(p.funcs, s.name, q(f, s.name));
      else if (s.kind === 'method') push(methodsByName, s.name.split('.').pop()!, q(f, s.name));
      else if (s.kind === 'class') push(p.types, s.name, q(f, s.name));
    }
    const imported = new Set(f.imports.map((i) => i.local));
    for (const b of f.bindings) if (!imported.has(b.name)) push(p.bindings, b.name, q(f, b.name));
  }
  const dirs = [...pkgs.keys()];
  const importDirCache = new Map<string, string | null>();
  const importDir = (importPath: string): string | null => {
    let d = importDirCache.get(importPath);
    if (d !== undefined) return d;
    d = null;
    for (const dir of dirs) {
      if (dir && (importPath === dir || importPath.endsWith('/' + dir)) && (d === null || dir.length > d.length)) d = dir;
    }
    importDirCache.set(importPath, d);
    return d;
  };

  for (const [, f] of files) {
    const own = pkgs.get(f.package ?? '')!;
    const imports = new Map(f.imports.filter((i) => i.local !== '*').map((i) => [i.local, i.module]));
    const dotImports = f.imports.filter((i) => i.local === '*').map((i) => importDir(i.module)).filter((d): d is string => d !== null);
    const lookup = (pkg: Pkg | undefined, name: string): { funcs: string[]; bindings: string[]; types: string[] } => ({
      funcs: pkg?.funcs.get(name) ?? [],
      bindings: pkg?.bindings.get(name) ?? [],
      types: pkg?.types.get(name) ?? [],
    });
    for (const s of f.scopes) {
      const from = q(f, s.name);
      const handle = (chain: string, isCall: boolean): void => {
        const parts = chain.split('.');
        const head = parts[0]!;
        if (head === '?') {
          if (isCall) for (const id of methodsByName.get(parts[parts.length - 1]!) ?? []) g.call(from, id);
          return;
        }
        if (parts.length === 1) {
          const candidates = [own, ...dotImports.map((d) => pkgs.get(d))];
          let found = false;
          for (const pkg of candidates) {
            const r = lookup(pkg, head);
            for (const id of r.funcs) g.call(from, id);
            if (s.kind !== 'module') for (const id of r.bindings) g.read(from, id);
            found ||= r.funcs.length + r.bindings.length + r.types.length > 0;
          }
          if (!found && isCall && BUILTINS.has(head)) g.call(from, `<builtin>.${head}`);
          return;
        }
        const member = parts[1]!;
        const importPath = imports.get(head);
        if (importPath !== undefined) {
          if (s.kind !== 'module') g.read(from, q(f, head));
          const dir = importDir(importPath);
          if (dir === null) {
            if (isCall) g.call(from, `${importPath}.${parts.slice(1).join('.')}`);
            return;
          }
          const r = lookup(pkgs.get(dir), member);
          if (parts.length === 2) {
            for (const id of r.funcs) g.call(from, id);
            if (s.kind !== 'module') for (const id of r.bindings) g.read(from, id);
            if (r.funcs.length + r.bindings.length + r.types.length > 0 || !isCall) return;
          }
        }
        if (isCall) for (const id of methodsByName.get(parts[parts.length - 1]!) ?? []) g.call(from, id);
        else if (s.kind !== 'module') for (const id of own.bindings.get(head) ?? []) g.read(from, id);
      };
      for (const c of new Set(s.calls)) handle(c, true);
      for (const r of new Set(s.refs)) handle(r, false);
    }
  }
}
