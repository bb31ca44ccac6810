// Random TypeScript/JavaScript repositories and single edits of them, for the differential test in
// ts-fuzz.test.ts. Everything is drawn from one seeded generator, so a seed names a case exactly;
// the order of the draws is part of that contract (reordering them changes every case).
// The repositories are built from a model (files, their declarations and imports) rather than from
// text, so the calls in generated bodies name things that are in scope and the code parses.

export interface Rng {
  f(): number;
  int(n: number): number;
  /** `a` must not be empty (see pickOrNone). */
  pick<T>(a: readonly T[]): T;
  chance(p: number): boolean;
}

/** xorshift32: small, fast and the same on every platform. */
export function rng(seed: number): Rng {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return {
    f: next,
    int: (n) => Math.floor(next() * n),
    pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!,
    chance: (p) => next() < p,
  };
}
/** `r.pick` where the array may be empty: a draw is consumed either way, as the generator was first written in JavaScript, where picking from [] gave undefined. */
const pickOrNone = <T>(r: Rng, a: readonly T[]): T | undefined => (a.length ? r.pick(a) : (r.f(), undefined));

const FN_NAMES = ['settle', 'compute', 'make', 'helper', 'process', 'build', 'pay', 'run'];
const CLS_NAMES = ['Svc', 'Repo', 'Impl', 'Base', 'Alt', 'Worker'];
const IFACE_NAMES = ['Payer', 'Runner'];
const METHODS = ['pay', 'run', 'load', 'save'];
const GETTERS = ['total', 'size'];
const FACTORY_NAMES = ['makeSvc', 'create', 'getRepo'];
const CONST_NAMES = ['svc', 'inst', 'repo2', 'shared'];
const TABLE_NAMES = ['handlers', 'tbl', 'api'];

export type ItemKind = 'fn' | 'class' | 'iface' | 'factory' | 'const' | 'table' | 'returning';
interface Declared {
  name: string;
  exported: boolean;
  isDefault?: boolean;
}
export interface FnItem extends Declared {
  k: 'fn';
  ret: 'void' | 'number' | null;
  arrow: boolean;
  body: string[];
}
export interface Member {
  k: 'm' | 'get' | 'ctor';
  name: string;
  body: string[];
}
export interface ClassItem extends Declared {
  k: 'class';
  members: Member[];
  ext: string | null;
  impl: string | null;
}
export interface IfaceItem extends Declared {
  k: 'iface';
  methods: string[];
}
export interface FactoryItem extends Declared {
  k: 'factory';
  cls: string;
  ann: 'none' | 'cls' | 'iface';
  iface: string | null;
}
export interface ConstItem extends Declared {
  k: 'const';
  init: string;
}
/**
 * A function that returns another by name (`return settle`): with no return type, a function
 * type, a promise of one (async), `any`, or `number` (type-unsound: the analysis takes a data type
 * at its word). Callers take what it returns (`const h = make(); h()`). A function declaration,
 * an arrow held by a constant, or the method `pick` of a class of that name (`new Picker().pick()`,
 * or `Picker.pick()` when static); the name returned bare, in parentheses or cast (`settle as
 * typeof settle` or `<typeof settle>settle`, TypeScript only).
 */
export interface ReturningItem extends Declared {
  k: 'returning';
  ann: 'none' | 'fn' | 'promise' | 'any' | 'number';
  target: string;
  arrow: boolean;
  wrap: (typeof RETURN_WRAPS)[number];
  method?: 'instance' | 'static';
}
export type TableEntry = { t: 'prop'; key: string; val: string } | { t: 'short'; key: string } | { t: 'method'; key: string; body: string[] };
export interface TableItem extends Declared {
  k: 'table';
  entries: TableEntry[];
  sat: boolean;
}
export interface ReexportItem {
  k: 'reexport';
  from: string;
  star: boolean;
  names?: [string, string][];
}
export type Item = FnItem | ClassItem | IfaceItem | FactoryItem | ConstItem | TableItem | ReturningItem | ReexportItem;
export type Import =
  { from: string; kind: 'named'; names: [string, string][]; spec: string } | { from: string; kind: 'ns' | 'default'; local: string; spec: string };
export interface FileModel {
  name: string;
  ext: 'ts' | 'js';
  items: Item[];
  imports: Import[];
  /** No import/export: its declarations are global. */
  script?: boolean;
}
export interface Model {
  files: FileModel[];
}
interface InScope {
  expr: string;
  kind: ItemKind;
  /** A plain identifier (not `ns.name`): can be a shorthand property. */
  ident: boolean;
}

/** Per-case state beyond the seed, so a case does not depend on the cases generated before it. */
interface Gen {
  r: Rng;
  uid: number;
}

const fresh = (g: Gen, pool: readonly string[], used: Set<string>): string => {
  const { r } = g;
  for (let i = 0; i < 20; i++) {
    const n = r.pick(pool) + (r.chance(0.3) ? String(r.int(3)) : '');
    if (!used.has(n)) {
      used.add(n);
      return n;
    }
  }
  const n = r.pick(pool) + 'x' + g.uid++;
  used.add(n);
  return n;
};

function fileUsed(file: FileModel): Set<string> {
  const used = new Set<string>();
  for (const it of file.items) if (it.k !== 'reexport') used.add(it.name);
  for (const im of file.imports) {
    if (im.kind === 'named') for (const [, l] of im.names) used.add(l);
    else used.add(im.local);
  }
  return used;
}

// ---------- exports / scope ----------

/** Exported name → kind of what it names, through re-exports. */
function exportsOf(model: Model, fi: number, seen = new Set<number>()): Map<string, ItemKind> {
  const out = new Map<string, ItemKind>();
  if (seen.has(fi)) return out;
  seen.add(fi);
  const f = model.files[fi];
  if (!f) return out;
  for (const it of f.items) {
    if (it.k === 'reexport') {
      const t = model.files.findIndex((x) => x.name === it.from);
      if (t < 0) continue;
      const sub = exportsOf(model, t, seen);
      if (it.star) {
        for (const [n, k] of sub) if (n !== 'default' && !out.has(n)) out.set(n, k);
      } else for (const [o, a] of it.names ?? []) if (sub.has(o)) out.set(a, sub.get(o)!);
    } else if (it.exported) {
      out.set(it.isDefault ? 'default' : it.name, it.k);
    }
  }
  return out;
}

function scopeOf(model: Model, fi: number): InScope[] {
  const f = model.files[fi]!;
  const scope: InScope[] = [];
  for (const it of f.items) if (it.k !== 'reexport') scope.push({ expr: it.name, kind: it.k, ident: true });
  for (const g of model.files) {
    if (!g.script || g === f) continue;
    for (const it of g.items) if (it.k !== 'reexport' && !scope.some((x) => x.expr === it.name)) scope.push({ expr: it.name, kind: it.k, ident: true });
  }
  for (const im of f.imports) {
    const t = model.files.findIndex((x) => x.name === im.from);
    if (t < 0) continue;
    const ex = exportsOf(model, t);
    if (im.kind === 'named') {
      for (const [o, l] of im.names) if (ex.has(o)) scope.push({ expr: l, kind: ex.get(o)!, ident: true });
    } else if (im.kind === 'ns') {
      for (const [n, k] of ex) if (n !== 'default') scope.push({ expr: `${im.local}.${n}`, kind: k, ident: false });
    } else if (ex.has('default')) scope.push({ expr: im.local, kind: ex.get('default')!, ident: true });
  }
  return scope;
}

// ---------- body statements ----------

function genStmt(r: Rng, scope: InScope[], js: boolean): string {
  const by = (ks: ItemKind[]): InScope[] => scope.filter((s) => ks.includes(s.kind));
  const opts: (() => string)[] = [];
  const fns = by(['fn', 'factory']);
  const cls = by(['class']);
  const insts = by(['const']);
  const tbls = by(['table']);
  const facts = by(['factory']);
  if (fns.length)
    opts.push(
      () => `${r.pick(fns).expr}();`,
      () => `const f${r.int(9)} = ${r.pick(fns).expr}; `,
    );
  if (cls.length)
    opts.push(
      () => `new ${r.pick(cls).expr}().${r.pick(METHODS)}();`,
      () => `new ${r.pick(cls).expr}();`,
    );
  if (insts.length) {
    opts.push(
      () => `${r.pick(insts).expr}.${r.pick(METHODS)}();`,
      () => `void ${r.pick(insts).expr}.${r.pick(GETTERS)};`,
      () => `[1, 2].map(${r.pick(insts).expr}.${r.pick(METHODS)});`,
      () => `${r.pick(insts).expr}['${r.pick(METHODS)}']();`,
    );
  }
  if (facts.length) {
    opts.push(() => {
      const v = 'v' + r.int(100);
      return `const ${v} = ${r.pick(facts).expr}(); ${v}.${r.pick(METHODS)}();`;
    });
  }
  if (tbls.length) {
    opts.push(
      () => `${r.pick(tbls).expr}.${r.pick(METHODS.concat(FN_NAMES.slice(0, 3)))}();`,
      () => `${r.pick(tbls).expr}['${r.pick(METHODS)}']();`,
      () => `[0].forEach(${r.pick(tbls).expr}.${r.pick(METHODS)});`,
    );
  }
  // untyped receivers: resolved by name only
  opts.push(() => (js ? `((x) => x.${r.pick(METHODS)}())(0);` : `((x: any) => x.${r.pick(METHODS)}())(0);`));
  opts.push(() => (js ? `((x) => x['${r.pick(METHODS)}']())(0);` : `((x: any) => x['${r.pick(METHODS)}']())(0);`));
  return r.pick(opts)();
}

function genBody(r: Rng, scope: InScope[], js: boolean): string[] {
  const n = r.int(3) + (scope.length ? 1 : 0);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(genStmt(r, scope, js));
  return out;
}

// ---------- model generation ----------

function genItems(g: Gen, file: FileModel, model: Model, fi: number): void {
  const { r } = g;
  const used = fileUsed(file);
  const js = file.ext === 'js';
  const n = 1 + r.int(4);
  let hasDefault = false;
  for (let i = 0; i < n; i++) {
    const roll = r.int(10);
    const exported = !file.script && r.chance(0.85);
    let it: Item | undefined;
    if (roll <= 2) {
      const name = fresh(g, FN_NAMES, used);
      const ret = js ? null : r.pick([null, null, 'void', 'number'] as const);
      it = { k: 'fn', name, exported, ret, arrow: r.chance(0.2), body: [] };
    } else if (roll <= 4) {
      const localCls = scopeOf(model, fi)
        .filter((x) => x.kind === 'class')
        .map((x) => ({ name: x.expr }));
      const ifaces = file.items.filter((x): x is IfaceItem => x.k === 'iface');
      const members: Member[] = [];
      const ms = new Set<string>();
      const nm = 1 + r.int(3);
      for (let j = 0; j < nm; j++) {
        const m = r.pick(METHODS);
        if (!ms.has(m)) {
          ms.add(m);
          members.push({ k: 'm', name: m, body: [] });
        }
      }
      if (r.chance(0.3)) members.push({ k: 'get', name: r.pick(GETTERS), body: [] });
      if (r.chance(0.3)) members.push({ k: 'ctor', name: 'constructor', body: [] });
      const name = fresh(g, CLS_NAMES, used);
      const ext = localCls.length && r.chance(0.4) ? r.pick(localCls).name : null;
      const impl = !js && ifaces.length && r.chance(0.6) ? r.pick(ifaces).name : null;
      it = { k: 'class', name, exported, members, ext, impl };
    } else if (roll === 5 && !js) {
      const ms = [...new Set([r.pick(METHODS), r.pick(METHODS)])];
      it = { k: 'iface', name: fresh(g, IFACE_NAMES, used), exported, methods: ms };
    } else if (roll === 6) {
      const cls = scopeOf(model, fi).filter((s) => s.kind === 'class');
      if (!cls.length) continue;
      const ifaces = scopeOf(model, fi).filter((s) => s.kind === 'iface');
      const name = fresh(g, FACTORY_NAMES, used);
      const c = r.pick(cls).expr;
      const ann = js ? 'none' : r.pick(['none', 'cls', 'iface'] as const);
      it = { k: 'factory', name, exported, cls: c, ann, iface: ifaces.length ? r.pick(ifaces).expr : null };
    } else if (roll === 7) {
      const sc = scopeOf(model, fi);
      const fac = sc.filter((s) => s.kind === 'factory');
      const cls = sc.filter((s) => s.kind === 'class');
      const cs = sc.filter((s) => s.kind === 'const');
      const inits: string[] = [];
      if (fac.length) inits.push(`${r.pick(fac).expr}()`, `${r.pick(fac).expr}()`);
      if (cls.length) inits.push(`new ${r.pick(cls).expr}()`);
      if (cs.length) inits.push(r.pick(cs).expr);
      if (!inits.length) continue;
      const name = fresh(g, CONST_NAMES, used);
      it = { k: 'const', name, exported, init: r.pick(inits) };
    } else if (roll === 8) {
      const fns = scopeOf(model, fi).filter((s) => s.kind === 'fn');
      const entries: TableEntry[] = [];
      const keys = new Set<string>();
      const ne = 1 + r.int(3);
      for (let j = 0; j < ne; j++) {
        const kind = r.int(3);
        if (kind === 0 && fns.length) {
          const k = r.pick(METHODS);
          if (keys.has(k)) continue;
          keys.add(k);
          entries.push({ t: 'prop', key: k, val: r.pick(fns).expr });
        } else if (kind === 1 && fns.some((f) => f.ident)) {
          const f = r.pick(fns.filter((x) => x.ident));
          if (keys.has(f.expr)) continue;
          keys.add(f.expr);
          entries.push({ t: 'short', key: f.expr });
        } else {
          const k = r.pick(METHODS);
          if (keys.has(k)) continue;
          keys.add(k);
          entries.push({ t: 'method', key: k, body: [] });
        }
      }
      if (!entries.length) continue;
      const name = fresh(g, TABLE_NAMES, used);
      it = { k: 'table', name, exported, entries, sat: !js && r.chance(0.3) };
    } else if (!file.script) {
      // re-export (also what an interface roll becomes in JavaScript)
      const others = model.files.filter((_, j) => j !== fi);
      if (!others.length) continue;
      const t = r.pick(others);
      const tf = model.files.indexOf(t);
      const ex = [...exportsOf(model, tf)].filter(([n]) => n !== 'default');
      if (r.chance(0.4) || !ex.length) it = { k: 'reexport', from: t.name, star: true };
      else {
        const [o] = r.pick(ex);
        const a = r.chance(0.3) ? o + 'R' : o;
        if (used.has(a)) continue;
        used.add(a);
        it = { k: 'reexport', from: t.name, star: false, names: [[o, a]] };
      }
    }
    if (!it) continue;
    if (!hasDefault && it.k !== 'reexport' && it.exported && (it.k === 'fn' || it.k === 'class') && r.chance(0.15) && !(it.k === 'fn' && it.arrow)) {
      it.isDefault = true;
      hasDefault = true;
    }
    file.items.push(it);
  }
}

const specOf = (r: Rng, t: FileModel): string => (r.chance(0.6) ? `./${t.name}.js` : r.chance(0.5) ? `./${t.name}` : `./${t.name}.${t.ext}`);

function genImports(r: Rng, model: Model, fi: number): void {
  const f = model.files[fi]!;
  const used = fileUsed(f);
  const n = r.int(3) + (fi > 0 ? 1 : 0);
  for (let i = 0; i < n; i++) {
    // mostly earlier files, so most import graphs are acyclic but some are not
    const cands = model.files.filter((_, j) => j !== fi && (j < fi || r.chance(0.2)));
    if (!cands.length) return;
    const t = r.pick(cands);
    if (f.imports.some((im) => im.from === t.name)) continue;
    const ex = [...exportsOf(model, model.files.indexOf(t))];
    const roll = r.int(10);
    if (roll < 2) {
      const l = 'ns' + t.name.replace(/\W/g, '');
      if (used.has(l)) continue;
      used.add(l);
      f.imports.push({ from: t.name, kind: 'ns', local: l, spec: specOf(r, t) });
    } else if (roll < 3 && ex.some(([n]) => n === 'default')) {
      const l = 'dflt' + t.name.replace(/\W/g, '');
      if (used.has(l)) continue;
      used.add(l);
      f.imports.push({ from: t.name, kind: 'default', local: l, spec: specOf(r, t) });
    } else {
      const named = ex.filter(([n]) => n !== 'default');
      if (!named.length) continue;
      const names: [string, string][] = [];
      // the bound is drawn again on every iteration (part of the seed contract)
      for (let j = 0; j < 1 + r.int(3); j++) {
        const [o] = r.pick(named);
        const l = r.chance(0.25) ? o + 'Alias' : o;
        if (used.has(l)) continue;
        used.add(l);
        names.push([o, l]);
      }
      if (names.length) f.imports.push({ from: t.name, kind: 'named', names, spec: specOf(r, t) });
    }
  }
}

// bodies last: they call what every file declares and imports
function fillBodies(r: Rng, model: Model, fi: number): void {
  const f = model.files[fi]!;
  const js = f.ext === 'js';
  const sc = scopeOf(model, fi);
  for (const it of f.items) {
    if (it.k === 'fn') it.body = genBody(r, sc, js);
    if (it.k === 'class') for (const m of it.members) m.body = genBody(r, sc, js);
    if (it.k === 'table') for (const e of it.entries) if (e.t === 'method') e.body = genBody(r, sc, js);
  }
}

function genModel(g: Gen): Model {
  const { r } = g;
  const nf = 3 + r.int(6);
  const model: Model = { files: [] };
  for (let i = 0; i < nf; i++) {
    const ext = r.chance(0.12) ? 'js' : 'ts';
    model.files.push({ name: 'f' + i, ext, items: [], imports: [], script: r.chance(0.08) });
  }
  for (let i = 0; i < nf; i++) {
    const f = model.files[i]!;
    if (!f.script) genImports(r, model, i);
    genItems(g, f, model, i);
  }
  for (let i = 0; i < nf; i++) fillBodies(r, model, i);
  return model;
}

// ---------- rendering ----------

const ind = (lines: string[], p = '  '): string[] => lines.map((l) => p + l);

function renderItem(it: Item, js: boolean): string[] {
  const ex = it.k !== 'reexport' && it.exported ? (it.isDefault ? 'export default ' : 'export ') : '';
  const out: string[] = [];
  switch (it.k) {
    case 'fn': {
      const rt = !js && it.ret ? `: ${it.ret}` : '';
      const ret = it.ret === 'number' ? ['return 1;'] : [];
      if (it.arrow) out.push(`${ex}const ${it.name} = ()${rt} => {`, ...ind(it.body.concat(ret)), '};');
      else out.push(`${ex}function ${it.name}()${rt} {`, ...ind(it.body.concat(ret)), '}');
      break;
    }
    case 'class': {
      out.push(`${ex}class ${it.name}${it.ext ? ' extends ' + it.ext : ''}${it.impl ? ' implements ' + it.impl : ''} {`);
      for (const m of it.members) {
        if (m.k === 'ctor') out.push('  constructor() {', ...(it.ext ? ['    super();'] : []), ...ind(m.body, '    '), '  }');
        else if (m.k === 'get') out.push(`  get ${m.name}()${js ? '' : ': number'} {`, ...ind(m.body, '    '), '    return 1;', '  }');
        else out.push(`  ${m.name}()${js ? '' : ': void'} {`, ...ind(m.body, '    '), '  }');
      }
      out.push('}');
      break;
    }
    case 'iface':
      out.push(`${ex}interface ${it.name} {`, ...it.methods.map((m) => `  ${m}(): void;`), '}');
      break;
    case 'factory': {
      const ann = js ? '' : it.ann === 'cls' ? `: ${it.cls}` : it.ann === 'iface' && it.iface ? `: ${it.iface}` : '';
      out.push(`${ex}function ${it.name}()${ann} {`, `  return new ${it.cls}();`, '}');
      break;
    }
    case 'const':
      out.push(`${ex}const ${it.name} = ${it.init};`);
      break;
    case 'table': {
      out.push(`${ex}const ${it.name} = {`);
      for (const e of it.entries) {
        if (e.t === 'prop') out.push(`  ${e.key}: ${e.val},`);
        else if (e.t === 'short') out.push(`  ${e.key},`);
        else out.push(`  ${e.key}() {`, ...ind(e.body, '    '), '  },');
      }
      out.push(it.sat ? '} satisfies Record<string, () => unknown>;' : '};');
      break;
    }
    case 'returning': {
      const ann = js ? '' : { none: '', fn: ': () => void', promise: ': Promise<() => void>', any: ': any', number: ': number' }[it.ann];
      const async = it.ann === 'promise' ? 'async ' : '';
      const value =
        it.wrap === 'paren'
          ? `(${it.target})`
          : it.wrap === 'as' && !js
            ? `${it.target} as typeof ${it.target}`
            : it.wrap === 'angle' && !js
              ? `<typeof ${it.target}>${it.target}`
              : it.target;
      if (it.method)
        out.push(`${ex}class ${it.name} {`, `  ${it.method === 'static' ? 'static ' : ''}${async}pick()${ann} {`, `    return ${value};`, '  }', '}');
      else if (it.arrow) out.push(`${ex}const ${it.name} = ${async}()${ann} => {`, `  return ${value};`, '};');
      else out.push(`${ex}${async}function ${it.name}()${ann} {`, `  return ${value};`, '}');
      break;
    }
    case 'reexport':
      if (it.star) out.push(`export * from './${it.from}.js';`);
      else out.push(`export { ${(it.names ?? []).map(([o, a]) => (o === a ? o : `${o} as ${a}`)).join(', ')} } from './${it.from}.js';`);
      break;
  }
  return out;
}

export interface SourceFile {
  path: string;
  text: string;
}

export function render(model: Model): SourceFile[] {
  return model.files.map((f) => {
    const js = f.ext === 'js';
    const lines: string[] = [];
    for (const im of f.imports) {
      if (im.kind === 'named') lines.push(`import { ${im.names.map(([o, l]) => (o === l ? o : `${o} as ${l}`)).join(', ')} } from '${im.spec}';`);
      else if (im.kind === 'ns') lines.push(`import * as ${im.local} from '${im.spec}';`);
      else lines.push(`import ${im.local} from '${im.spec}';`);
    }
    for (const it of f.items) lines.push(...renderItem(it, js));
    return { path: `src/${f.name}.${f.ext}`, text: lines.join('\n') + '\n' };
  });
}

// ---------- mutation ----------

type MethodEntry = Extract<TableEntry, { t: 'method' }>;
type BodyHolder = FnItem | Member | MethodEntry;

const MUTATIONS = [
  'body',
  'body',
  'ret',
  'factoryCls',
  'factoryAnn',
  'reexport',
  'rename',
  'addFn',
  'addMethod',
  'addFile',
  'delFile',
  'import',
  'import',
  'constInit',
  'tableEntry',
  'removeMethod',
] as const;

/** One edit of a copy of the model (each kind of change the gate's cache must notice), and what it did. */
function mutate(g: Gen, model0: Model): { model: Model; desc: string } {
  const { r } = g;
  const model = structuredClone(model0);
  const files = model.files;
  const fi = r.int(files.length);
  const f = files[fi]!;
  const js = f.ext === 'js';
  const all = <K extends Item['k']>(k: K): [number, Extract<Item, { k: K }>][] =>
    files.flatMap((ff, i) => ff.items.filter((x): x is Extract<Item, { k: K }> => x.k === k).map((x): [number, Extract<Item, { k: K }>] => [i, x]));
  // an edit that does not apply to this model is drawn again
  for (let attempt = 0; attempt < 30; attempt++) {
    const kind = r.pick(MUTATIONS);
    switch (kind) {
      case 'body': {
        const cands = files.flatMap((ff, i) =>
          ff.items.flatMap((it): [number, BodyHolder][] =>
            it.k === 'fn'
              ? [[i, it]]
              : it.k === 'class'
                ? it.members.map((m): [number, BodyHolder] => [i, m])
                : it.k === 'table'
                  ? it.entries.filter((e): e is MethodEntry => e.t === 'method').map((e): [number, BodyHolder] => [i, e])
                  : [],
          ),
        );
        if (!cands.length) break;
        const [i, it] = r.pick(cands);
        it.body = genBody(r, scopeOf(model, i), files[i]!.ext === 'js');
        return { model, desc: `body of ${'key' in it ? it.key : it.name} in ${files[i]!.name}` };
      }
      case 'ret': {
        const c = all('fn').filter(([i]) => files[i]!.ext === 'ts');
        if (!c.length) break;
        const [i, it] = r.pick(c);
        const old = it.ret;
        it.ret = r.pick(([null, 'void', 'number'] as const).filter((x) => x !== old));
        return { model, desc: `ret of ${it.name} in ${files[i]!.name}: ${old} -> ${it.ret}` };
      }
      case 'factoryCls': {
        const c = all('factory');
        if (!c.length) break;
        const [i, it] = r.pick(c);
        const cls = scopeOf(model, i).filter((s) => s.kind === 'class' && s.expr !== it.cls);
        if (!cls.length) break;
        const old = it.cls;
        it.cls = r.pick(cls).expr;
        return { model, desc: `factory ${it.name} in ${files[i]!.name}: ${old} -> ${it.cls}` };
      }
      case 'factoryAnn': {
        const c = all('factory').filter(([i]) => files[i]!.ext === 'ts');
        if (!c.length) break;
        const [i, it] = r.pick(c);
        const old = it.ann;
        it.ann = r.pick((['none', 'cls', 'iface'] as const).filter((x) => x !== old));
        return { model, desc: `factory ann ${it.name} in ${files[i]!.name}: ${old} -> ${it.ann}` };
      }
      case 'reexport': {
        const c = all('reexport');
        if (!c.length) break;
        const [i, it] = r.pick(c);
        const others = files.filter((x, j) => j !== i && x.name !== it.from);
        if (!others.length) break;
        const old = it.from;
        it.from = r.pick(others).name;
        if (!it.star && r.chance(0.3)) it.star = true;
        return { model, desc: `reexport in ${files[i]!.name}: ${old} -> ${it.from}` };
      }
      case 'rename': {
        const c = files.flatMap((ff, i) =>
          ff.items.filter((x): x is Exclude<Item, ReexportItem> => x.k !== 'reexport').map((x): [number, Exclude<Item, ReexportItem>] => [i, x]),
        );
        const cm = files.flatMap((ff, i) =>
          ff.items
            .filter((x): x is ClassItem => x.k === 'class')
            .flatMap((x) => x.members.filter((m) => m.k === 'm').map((m): [number, Member, ClassItem] => [i, m, x])),
        );
        if (r.chance(0.4) && cm.length) {
          const [i, m, cl] = r.pick(cm);
          const nn = pickOrNone(
            r,
            METHODS.concat(['other']).filter((x) => !cl.members.some((mm) => mm.name === x)),
          );
          if (!nn) break;
          const old = m.name;
          m.name = nn;
          return { model, desc: `rename method ${cl.name}.${old} -> ${nn} in ${files[i]!.name}` };
        }
        if (!c.length) break;
        const [i, it] = r.pick(c);
        const used = fileUsed(files[i]!);
        const old = it.name;
        const nn = fresh(g, FN_NAMES.concat(CLS_NAMES), used);
        it.name = nn;
        // half the time the file's own references follow (the other half they dangle)
        if (r.chance(0.5)) {
          const re = new RegExp(`\\b${old}\\b`, 'g');
          const fix = (b: string[]): string[] => b.map((s) => s.replace(re, nn));
          for (const x of files[i]!.items) {
            if (x.k === 'fn') x.body = fix(x.body);
            if (x.k === 'class') {
              for (const m of x.members) m.body = fix(m.body);
              if (x.ext === old) x.ext = nn;
            }
            if (x.k === 'table') {
              for (const e of x.entries) {
                if (e.t === 'method') e.body = fix(e.body);
                if (e.t === 'prop' && e.val === old) e.val = nn;
              }
            }
            if (x.k === 'factory' && x.cls === old) x.cls = nn;
            if (x.k === 'returning' && x.target === old) x.target = nn;
            if (x.k === 'const') x.init = x.init.replace(re, nn);
          }
        }
        return { model, desc: `rename ${old} -> ${nn} in ${files[i]!.name}` };
      }
      case 'addFn': {
        const used = fileUsed(f);
        const name = fresh(g, FN_NAMES.concat(METHODS), used);
        const ret = js ? null : r.pick([null, 'void'] as const);
        const it: FnItem = { k: 'fn', name, exported: true, ret, arrow: r.chance(0.2), body: [] };
        it.body = genBody(r, scopeOf(model, fi), js);
        f.items.push(it);
        return { model, desc: `add fn ${it.name} in ${f.name}` };
      }
      case 'addMethod': {
        const c = all('class');
        if (!c.length) break;
        const [i, cl] = r.pick(c);
        const nn = pickOrNone(
          r,
          METHODS.concat(GETTERS).filter((x) => !cl.members.some((m) => m.name === x)),
        );
        if (!nn) break;
        cl.members.push({ k: GETTERS.includes(nn) ? 'get' : 'm', name: nn, body: genBody(r, scopeOf(model, i), files[i]!.ext === 'js') });
        return { model, desc: `add method ${cl.name}.${nn} in ${files[i]!.name}` };
      }
      case 'removeMethod': {
        const c = all('class').filter(([, cl]) => cl.members.length > 1);
        if (!c.length) break;
        const [i, cl] = r.pick(c);
        const m = cl.members.splice(r.int(cl.members.length), 1)[0]!;
        return { model, desc: `remove ${cl.name}.${m.name} in ${files[i]!.name}` };
      }
      case 'addFile': {
        const nf: FileModel = { name: 'f' + files.length, ext: r.chance(0.15) ? 'js' : 'ts', items: [], imports: [] };
        files.push(nf);
        const ni = files.length - 1;
        genImports(r, model, ni);
        genItems(g, nf, model, ni);
        fillBodies(r, model, ni);
        // mostly also used from an existing file, so the new file is on some path
        if (r.chance(0.7)) {
          const t = r.pick(files.slice(0, -1));
          const ex = [...exportsOf(model, ni)].filter(([n]) => n !== 'default');
          if (ex.length) {
            const used = fileUsed(t);
            const [o] = r.pick(ex);
            if (!used.has(o)) {
              t.imports.push({ from: nf.name, kind: 'named', names: [[o, o]], spec: `./${nf.name}.js` });
              const host = t.items.find((x): x is FnItem => x.k === 'fn');
              if (host) host.body = genBody(r, scopeOf(model, files.indexOf(t)), t.ext === 'js');
            }
          }
        }
        return { model, desc: `add file ${nf.name}` };
      }
      case 'delFile': {
        if (files.length <= 2) break;
        const [d] = files.splice(fi, 1);
        return { model, desc: `delete file ${d!.name}` };
      }
      case 'import': {
        if (!f.imports.length) break;
        const im = r.pick(f.imports);
        const roll = r.int(3);
        if (roll === 0) {
          const others = files.filter((x) => x !== f && x.name !== im.from);
          if (!others.length) break;
          const old = im.from;
          const t = r.pick(others);
          im.from = t.name;
          im.spec = specOf(r, t);
          return { model, desc: `import in ${f.name} from ${old} -> ${im.from}` };
        }
        if (roll === 1 && im.kind === 'named') {
          const p = r.pick(im.names);
          const ex = [
            ...exportsOf(
              model,
              files.findIndex((x) => x.name === im.from),
            ),
          ].filter(([n]) => n !== 'default' && n !== p[0]);
          if (!ex.length) break;
          const old = p[0];
          p[0] = r.pick(ex)[0];
          return { model, desc: `import { ${old} as ${p[1]} } -> { ${p[0]} as ${p[1]} } in ${f.name}` };
        }
        f.imports.splice(f.imports.indexOf(im), 1);
        return { model, desc: `remove import of ${im.from} in ${f.name}` };
      }
      case 'constInit': {
        const c = all('const');
        if (!c.length) break;
        const [i, it] = r.pick(c);
        const sc = scopeOf(model, i);
        const inits = [
          ...sc.filter((s) => s.kind === 'factory').map((s) => `${s.expr}()`),
          ...sc.filter((s) => s.kind === 'class').map((s) => `new ${s.expr}()`),
        ].filter((x) => x !== it.init);
        if (!inits.length) break;
        const old = it.init;
        it.init = r.pick(inits);
        return { model, desc: `const ${it.name} init ${old} -> ${it.init} in ${files[i]!.name}` };
      }
      case 'tableEntry': {
        const c = all('table');
        if (!c.length) break;
        const [i, it] = r.pick(c);
        const fns = scopeOf(model, i).filter((s) => s.kind === 'fn');
        const props = it.entries.filter((e): e is Extract<TableEntry, { t: 'prop' }> => e.t === 'prop');
        if (!props.length || !fns.length) break;
        const e = r.pick(props);
        const old = e.val;
        e.val = r.pick(fns).expr;
        return { model, desc: `table ${it.name}.${e.key}: ${old} -> ${e.val} in ${files[i]!.name}` };
      }
    }
  }
  return { model, desc: 'no-op' };
}

// ---------- functions returning functions (the second stream) ----------

const RETURNING_NAMES = ['makePay', 'pick', 'choose'];
const RETURNING_CLASS_NAMES = ['Picker', 'Chooser'];
const RETURNING_ANNS = ['none', 'fn', 'promise', 'any', 'number'] as const;
const RETURN_WRAPS = ['none', 'paren', 'as', 'angle'] as const;

/** Module files (a script's names are global, which these need not test). */
const moduleFiles = (model: Model): number[] => model.files.flatMap((f, i) => (f.script ? [] : [i]));
const functionsInScope = (model: Model, fi: number): string[] =>
  scopeOf(model, fi)
    .filter((x) => x.kind === 'fn')
    .map((x) => x.expr);

/** The call of `it`, seen as `local`, that gives what it returns. */
const invocation = (it: ReturningItem, local: string): string =>
  it.method === 'instance' ? `new ${local}().pick()` : it.method === 'static' ? `${local}.pick()` : `${local}()`;

/**
 * A statement taking what `it` (seen as `local`) returns and calling it, through a variable or
 * directly (`make()()`); awaited in an async arrow for a promise.
 */
function callThrough(g: Gen, it: ReturningItem, local: string): string {
  const call = invocation(it, local);
  if (g.r.chance(0.3)) return it.ann === 'promise' ? `void (async () => (await ${call})())();` : `${call}();`;
  const h = `h${g.uid++}`;
  return it.ann === 'promise' ? `void (async () => { const ${h} = await ${call}; ${h}(); })();` : `const ${h} = ${call}; ${h}();`;
}

/** Function bodies of a file where a statement can go. */
const fnItems = (f: FileModel): FnItem[] => f.items.filter((x): x is FnItem => x.k === 'fn');

/** A module file other than `fi` that exports `name` through a re-export of its own (`export { make } from`, `export *`). */
function reexporterOf(model: Model, fi: number, name: string): number | undefined {
  return moduleFiles(model).find(
    (g) => g !== fi && model.files[g]!.items.some((x) => x.k === 'reexport') && !fileUsed(model.files[g]!).has(name) && exportsOf(model, g).has(name),
  );
}

/**
 * The local name under which file `at` sees `name`, exported by file `fi`: an import of it, from
 * `fi` or from a file re-exporting it, added unless one is there; undefined when the name is taken.
 */
function importInto(g: Gen, model: Model, at: number, fi: number, name: string): string | undefined {
  if (at === fi) return name;
  const file = model.files[at]!;
  const through = g.r.chance(0.4) ? reexporterOf(model, fi, name) : undefined;
  const from = model.files[through ?? fi]!.name;
  const existing = file.imports.find((im) => im.from === from && im.kind === 'named' && im.names.some(([o]) => o === name));
  if (existing) return (existing as Extract<Import, { kind: 'named' }>).names.find(([o]) => o === name)![1];
  if (fileUsed(file).has(name)) return undefined;
  file.imports.push({ from, kind: 'named', names: [[name, name]], spec: `./${from}.js` });
  return name;
}

/** Adds a call through `it` (declared in file `fi`) to a function of `fi` or of another module file, importing it there. */
function addCallThrough(g: Gen, model: Model, fi: number, it: ReturningItem): string | undefined {
  const { r } = g;
  const at = r.chance(0.6) ? r.pick(moduleFiles(model)) : fi;
  const file = model.files[at]!;
  const hosts = fnItems(file);
  if (!hosts.length || (at !== fi && !it.exported)) return undefined;
  const local = importInto(g, model, at, fi, it.name);
  if (local === undefined) return undefined;
  const host = r.pick(hosts);
  host.body.push(callThrough(g, it, local));
  return `${host.name} in ${file.name}`;
}

/**
 * What `it` returns, held by an exported variable of some module file (`export const held = make()`),
 * and called through it from functions of others: the walk of a caller resolves `make` in a file
 * it does not import.
 */
function addHeld(g: Gen, model: Model, fi: number, it: ReturningItem): void {
  const { r } = g;
  const at = r.chance(0.7) ? r.pick(moduleFiles(model)) : fi;
  if (at !== fi && !it.exported) return;
  const local = importInto(g, model, at, fi, it.name);
  if (local === undefined) return;
  const held: ConstItem = { k: 'const', name: fresh(g, ['held', 'kept'], fileUsed(model.files[at]!)), exported: true, init: invocation(it, local) };
  model.files[at]!.items.push(held);
  for (let k = 1 + r.int(2); k > 0; k--) {
    const cf = r.pick(moduleFiles(model));
    const hosts = fnItems(model.files[cf]!);
    if (!hosts.length) continue;
    const name = importInto(g, model, cf, at, held.name);
    if (name !== undefined) r.pick(hosts).body.push(`${name}();`);
  }
}

/** Functions that return a function of their scope by name, and calls through them, in some module files. */
function addReturning(g: Gen, model: Model): void {
  const { r } = g;
  for (const fi of moduleFiles(model)) {
    if (!r.chance(0.5)) continue;
    const file = model.files[fi]!;
    const targets = functionsInScope(model, fi);
    if (!targets.length) continue;
    const js = file.ext === 'js';
    const method = r.pick([undefined, undefined, undefined, 'instance', 'static'] as const);
    const it: ReturningItem = {
      k: 'returning',
      name: fresh(g, method ? RETURNING_CLASS_NAMES : RETURNING_NAMES, fileUsed(file)),
      exported: r.chance(0.85),
      ann: js ? r.pick(['none', 'promise'] as const) : r.pick(RETURNING_ANNS),
      target: r.pick(targets),
      arrow: r.chance(0.3),
      // bare twice as often
      wrap: r.pick(['none', ...RETURN_WRAPS]),
    };
    if (method) it.method = method;
    file.items.push(it);
    for (let k = r.int(3); k > 0; k--) addCallThrough(g, model, fi, it);
    if (r.chance(0.4)) addHeld(g, model, fi, it);
  }
}

/** One edit of what addReturning made (or undefined when there is none): what a function returns, its type, a call through it. */
function mutateReturning(g: Gen, model0: Model): { model: Model; desc: string } | undefined {
  const { r } = g;
  const model = structuredClone(model0);
  const all = model.files.flatMap((f, i) => f.items.filter((x): x is ReturningItem => x.k === 'returning').map((x): [number, ReturningItem] => [i, x]));
  if (!all.length) return undefined;
  const [fi, it] = r.pick(all);
  const where = model.files[fi]!.name;
  const roll = r.int(4);
  if (roll === 3) {
    const old = it.wrap;
    it.wrap = r.pick(RETURN_WRAPS.filter((w) => w !== old));
    return { model, desc: `returning ${it.name} in ${where}: returned ${old} -> ${it.wrap}` };
  }
  if (roll === 0) {
    const others = functionsInScope(model, fi).filter((t) => t !== it.target);
    if (!others.length) return undefined;
    const old = it.target;
    it.target = r.pick(others);
    return { model, desc: `returning ${it.name} in ${where}: returns ${old} -> ${it.target}` };
  }
  if (roll === 1 && model.files[fi]!.ext === 'ts') {
    const old = it.ann;
    it.ann = r.pick(RETURNING_ANNS.filter((a) => a !== old));
    // its callers as they were (an `await` of what is no longer a promise still parses): their
    // entries, made against the old type, come from the cache
    return { model, desc: `returning ${it.name} in ${where}: type ${old} -> ${it.ann}` };
  }
  const added = addCallThrough(g, model, fi, it);
  return added ? { model, desc: `call through ${it.name} (${where}) added to ${added}` } : undefined;
}

export interface FuzzCase {
  seed: number;
  /** The edit from v1 to v2. */
  desc: string;
  v1: SourceFile[];
  v2: SourceFile[];
}

/** The case a seed names: a repository (v1) and the same repository after one edit (v2). */
export function makeCase(seed: number): FuzzCase {
  // the multiplier spreads neighbouring seeds over the generator's state space
  const g: Gen = { r: rng(seed * 2654435761 + 12345), uid: 0 };
  const m1 = genModel(g);
  // functions returning functions, and their edits, from a second stream: the first stream's
  // draws stay as they were before there were any
  const g2: Gen = { r: rng(seed * 2246822519 + 374761393), uid: 1000 };
  addReturning(g2, m1);
  const { model: m2, desc } = (g2.r.chance(0.3) && mutateReturning(g2, m1)) || mutate(g, m1);
  return { seed, desc, v1: render(m1), v2: render(m2) };
}
