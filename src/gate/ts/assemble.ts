import { VIRTUAL_ROOT } from './compiler.js';
import { addEdge, BARE, type EdgeMap } from './syntax.js';
import type { RepositoryHost } from './host.js';
import { HELD, PARAMETER, type TsFileEdges, type TsFileFacts, type TsGraphPart } from './model.js';
import type { RepositoryDefinitions } from './repository-definitions.js';
import type { DefinitionKind } from '../types.js';

/** What assembling the graph from every file's edges works with. */
export interface AssemblyContext {
  all: readonly string[];
  facts: Map<string, TsFileFacts>;
  definitions: RepositoryDefinitions;
  host: RepositoryHost;
}

/** Every file's edges, then overrides of called methods and by-name calls over the whole repository. */
export function assembleGraph(ctx: AssemblyContext, entries: TsFileEdges[]): TsGraphPart {
  const { defs, unparsable } = ctx.definitions;
  const overrides = new Overrides(ctx.definitions.idKinds, entries);
  const allCalls: EdgeMap = new Map();
  const allReads: EdgeMap = new Map();
  // rows indexed, not destructured: no iterator per row (a warm run assembles every file's edges)
  for (const e of entries) {
    for (const row of e.calls) {
      const from = row[0];
      for (const to of row[1]) {
        addEdge(allCalls, from, to);
        if (overrides.mayHave(to)) for (const o of overrides.of(to)) addEdge(allCalls, from, o);
      }
    }
    for (const row of e.reads) for (const to of row[1]) addEdge(allReads, row[0], to);
  }
  addStoredCalls(entries, allCalls, overrides);
  const nameCalls = new NameOnlyCalls(ctx).resolve(entries, allCalls);
  for (const [from, tos] of nameCalls) for (const to of tos) addEdge(allCalls, from, to);
  return {
    defs,
    calls: allCalls,
    nameOnly: nameCalls,
    reads: allReads,
    unparsable,
  };
}

/**
 * A call through a table or a field reaches every function any file stores there (`handlers.set(k,
 * f)` in one file, `handlers.get(k)!(x)` in another), and a stored method's overrides as a call
 * of it would.
 */
function addStoredCalls(entries: TsFileEdges[], allCalls: EdgeMap, overrides: Overrides): void {
  const held = new StoredValues(entries);
  if (held.empty) return;
  for (const e of entries) {
    for (const [from, keys] of e.loads) {
      for (const key of keys) {
        for (const to of held.of(key)) {
          addEdge(allCalls, from, to);
          if (overrides.mayHave(to)) for (const o of overrides.of(to)) addEdge(allCalls, from, o);
        }
      }
    }
  }
}

/**
 * The functions each key holds over the whole repository. A stored value may stand for more than
 * one function: a parameter (`param:<function id>#<index>`) for what callers anywhere pass there
 * (`register(k, fn) { this.handlers.set(k, fn) }` called as `register('card', chargeCard)`), and
 * `held:<key>` for what another key holds (an array spread into this one, or passed to a parameter
 * this one stores). These chain and may form cycles, so each is followed to the functions at its
 * end once.
 */
class StoredValues {
  /** Store key or `param:…` → what it directly holds (functions, keys and parameters). */
  private readonly direct = new Map<string, string[]>();
  private readonly memo = new Map<string, string[]>();
  readonly empty: boolean;

  constructor(entries: TsFileEdges[]) {
    for (const e of entries) {
      for (const [param, ids] of e.passes) this.add(PARAMETER + param, ids);
      for (const [key, ids] of e.stores) this.add(HELD + key, ids);
    }
    this.empty = this.direct.size === 0;
  }

  private add(node: string, ids: string[]): void {
    const l = this.direct.get(node);
    if (l) l.push(...ids);
    else this.direct.set(node, [...ids]);
  }

  /** The functions stored under `key`, or passed to a parameter (`param:…`, a table call through a function's own parameter). */
  of(key: string): string[] {
    return this.reach(key.startsWith(PARAMETER) ? key : HELD + key);
  }

  private reach(start: string): string[] {
    const known = this.memo.get(start);
    if (known) return known;
    const out = new Set<string>();
    const seen = new Set<string>([start]);
    const stack = [start];
    while (stack.length > 0) {
      for (const v of this.direct.get(stack.pop()!) ?? []) {
        if (!v.startsWith(PARAMETER) && !v.startsWith(HELD)) {
          out.add(v);
          continue;
        }
        if (seen.has(v)) continue;
        seen.add(v);
        // a node whose reach is complete already stands for all of it
        const done = this.memo.get(v);
        if (done) for (const id of done) out.add(id);
        else stack.push(v);
      }
    }
    const ids = [...out];
    this.memo.set(start, ids);
    return ids;
  }
}

/** A method declared on a class/interface also stands for its overrides in every extending/implementing type. */
class Overrides {
  private readonly childrenOf = new Map<string, string[]>();
  private readonly memo = new Map<string, string[]>();
  private methodsOfParents: Set<string> | undefined;

  constructor(
    private readonly idKinds: Map<string, DefinitionKind>,
    entries: TsFileEdges[],
  ) {
    for (const e of entries) {
      for (const [cid, parents] of e.heritage) {
        for (const p of parents) {
          let l = this.childrenOf.get(p);
          if (!l) this.childrenOf.set(p, (l = []));
          l.push(cid);
        }
      }
    }
  }

  /** False for an id no type extends the owner of (most callees): no override to look up. */
  mayHave(id: string): boolean {
    if (this.childrenOf.size === 0) return false;
    if (!this.methodsOfParents) {
      // the methods of classes something extends, once (rather than the owner of every callee)
      const methods = (this.methodsOfParents = new Set());
      this.idKinds.forEach((kind, id) => {
        if (kind !== 'method') return;
        const dot = id.lastIndexOf('.');
        if (this.childrenOf.has(id.slice(0, dot)) && id.slice(dot + 1) !== 'constructor') methods.add(id);
      });
    }
    return this.methodsOfParents.has(id);
  }

  of(id: string): string[] {
    let out = this.memo.get(id);
    if (out) return out;
    out = [];
    const { idKinds, childrenOf } = this;
    const dot = id.lastIndexOf('.');
    const owner = id.slice(0, dot);
    const name = id.slice(dot + 1);
    if (idKinds.get(id) === 'method' && name !== 'constructor' && idKinds.get(owner) === 'class' && childrenOf.has(owner)) {
      const seen = new Set<string>();
      const queue = [...childrenOf.get(owner)!];
      while (queue.length > 0) {
        const c = queue.pop()!;
        if (seen.has(c)) continue;
        seen.add(c);
        if (idKinds.get(`${c}.${name}`) === 'method') out.push(`${c}.${name}`);
        queue.push(...(childrenOf.get(c) ?? []));
      }
    }
    this.memo.set(id, out);
    return out;
  }
}

/**
 * Calls resolved by name only (the receiver has no type): the functions and methods of that name
 * declared in a module visible from the caller's file (itself, what it imports transitively,
 * files declaring globals) whose parameters fit the argument count. Each narrowing applies only
 * when it leaves a candidate: when nothing fits, every function of that name stays (recall first).
 */
class NameOnlyCalls {
  private readonly visibleMemo = new Map<string, Set<string>>();
  /** Built on the first call resolved by name (a repository whose calls all have types never needs it). */
  private lookups: { fileOfId: Map<string, string>; arities: Map<string, [number, number]>; globalFiles: string[] } | undefined;

  constructor(private readonly ctx: AssemblyContext) {}

  private get tables(): NonNullable<NameOnlyCalls['lookups']> {
    if (this.lookups) return this.lookups;
    const { all, facts, definitions } = this.ctx;
    const fileOfId = new Map<string, string>();
    const arities = new Map<string, [number, number]>();
    for (const d of definitions.defs) fileOfId.set(d.id, VIRTUAL_ROOT + d.file);
    for (const f of all) for (const [id, min, max] of facts.get(f)!.arities) arities.set(id, [min, max]);
    return (this.lookups = { fileOfId, arities, globalFiles: all.filter((f) => facts.get(f)!.global) });
  }

  /** The by-name edges not already among `allCalls`. */
  resolve(entries: TsFileEdges[], allCalls: EdgeMap): EdgeMap {
    const nameCalls: EdgeMap = new Map();
    for (const e of entries) {
      for (const [from, keys] of e.byName) {
        for (const key of keys) {
          for (const to of this.candidates(from, key)) if (!allCalls.get(from)?.has(to)) addEdge(nameCalls, from, to);
        }
      }
    }
    return nameCalls;
  }

  /** What `from` calling `key` (`name/argc`, `f:name/argc` for a bare name: functions first) may reach. */
  private candidates(from: string, key: string): string[] {
    const slash = key.lastIndexOf('/');
    const argc = Number(key.slice(slash + 1));
    const bare = key.startsWith(BARE);
    let candidates = this.ctx.definitions.byShortName.get(key.slice(bare ? BARE.length : 0, slash)) ?? [];
    if (bare) {
      // as every narrowing here, only when it leaves a candidate (a script's global or a workspace
      // package may hand out a method: `window.charge = billing.charge`)
      const functions = candidates.filter((c) => this.ctx.definitions.idKinds.get(c) === 'function');
      if (functions.length > 0) candidates = functions;
    }
    const { fileOfId, arities } = this.tables;
    const visible = this.visibleFrom(fileOfId.get(from));
    const seen = visible ? candidates.filter((c) => visible.has(fileOfId.get(c)!)) : [];
    if (seen.length > 0) candidates = seen;
    if (argc >= 0) {
      const fit = candidates.filter((c) => {
        const a = arities.get(c);
        return !a || (argc >= a[0] && (a[1] < 0 || argc <= a[1]));
      });
      if (fit.length > 0) candidates = fit;
    }
    return candidates;
  }

  private visibleFrom(file: string | undefined): Set<string> | undefined {
    if (file === undefined) return undefined;
    let seen = this.visibleMemo.get(file);
    if (!seen) this.visibleMemo.set(file, (seen = this.ctx.host.visibleFrom(file, this.tables.globalFiles)));
    return seen;
  }
}
