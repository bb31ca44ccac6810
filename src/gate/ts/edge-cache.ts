import { createHash } from 'node:crypto';
import type { RepositoryHost } from './host.js';
import { dependencyOf, type TsAnalysisCache, type TsFileEdges, type TsFileFacts } from './model.js';
import type { VirtualRepository } from './virtual-repository.js';

/** Which files need the checker: a file whose edges are cached (and whose recorded dependencies are unchanged) does not. */
export interface EdgePlan {
  /** Reusable cached edges by file. */
  cachedEdges: Map<string, TsFileEdges>;
  /** Each file's edge cache key (only with a cache). */
  keys: Map<string, string>;
  /** Each analysable file's import closure (part of its key; dependencies inside it are not listed in `also`). */
  closures: Map<string, Set<string>>;
  /** Files to walk with a checker, in file order. */
  toWalk: string[];
}

export function planEdges(
  repo: VirtualRepository,
  facts: Map<string, TsFileFacts>,
  host: RepositoryHost,
  byShortName: Map<string, string[]>,
  knownNames: Set<string>,
  cache: TsAnalysisCache | undefined,
): EdgePlan {
  const globalsKey = globalsKeyOf(repo, facts);
  const plan: EdgePlan = { cachedEdges: new Map(), keys: new Map(), closures: new Map(), toWalk: [] };
  for (const f of repo.all) {
    if (facts.get(f)!.error) continue;
    const deps = host.importClosure(f);
    plan.closures.set(f, deps);
    if (!cache) {
      plan.toWalk.push(f);
      continue;
    }
    const key = edgeKey(repo, facts, host, globalsKey, f, deps);
    plan.keys.set(f, key);
    const e = cache.edges.get(key);
    if (e && isReusable(e, facts, host, byShortName, knownNames)) plan.cachedEdges.set(f, e);
    else plan.toWalk.push(f);
  }
  return plan;
}

/** Files declaring global names can change what any file resolves to: every entry depends on them. */
function globalsKeyOf(repo: VirtualRepository, facts: Map<string, TsFileFacts>): string {
  return createHash('sha1')
    .update(
      repo.all
        .filter((f) => facts.get(f)!.global)
        .map((f) => `${f}:${repo.hashes.get(f)}`)
        .join('\n'),
    )
    .digest('hex');
}

/**
 * A file's edges depend on its own text, its alias settings, the files declaring globals, and of
 * each file in its import closure only what the checker can see of it from another file: its
 * outline (a file taken as context is an outline, and the outline is made to resolve every name
 * as the whole file does) and the facts the walk reads of it, as its outline key says, with what
 * its imports resolve to (host.contextKey). An edit inside an annotated body changes that file's
 * edges and no importer's.
 */
function edgeKey(repo: VirtualRepository, facts: Map<string, TsFileFacts>, host: RepositoryHost, globalsKey: string, f: string, deps: Set<string>): string {
  return createHash('sha1')
    .update(
      `${f}:${repo.hashes.get(f)}\naliases:${host.scopeKey(f)}\nglobals:${globalsKey}\n${[...deps]
        .sort()
        .map((d) => `${d}:outline:${host.contextKey(d)}`)
        .join('\n')}`,
    )
    .digest('hex');
}

/** The current key of an entry's recorded dependency: a file's context key (outline and resolved imports), or its returns key (see FileWalker.readReturns). */
function dependencyKey(facts: Map<string, TsFileFacts>, host: RepositoryHost, d: string): string | undefined {
  const { file, returns } = dependencyOf(d);
  const f = facts.get(file);
  return !f ? undefined : returns ? f.returnsKey : host.contextKey(file);
}

/**
 * Whether a cached entry is well formed and still current: stale when a recorded dependency's
 * key (outline or returns) changed, a name it left to resolve by name is now a function's or method's (a call through an
 * untyped receiver would now reach it by name), or a name it skipped as unknown is now defined
 * somewhere, as anything (a data field `handle` makes `deps.handle?.(x)` reach what is stored
 * into the property it names).
 */
function isReusable(
  e: TsFileEdges,
  facts: Map<string, TsFileFacts>,
  host: RepositoryHost,
  byShortName: Map<string, string[]>,
  knownNames: Set<string>,
): boolean {
  const wellFormed = [e.calls, e.reads, e.byName, e.stores, e.loads, e.passes, e.heritage, e.also, e.pending, e.unknown].every(Array.isArray);
  return (
    wellFormed &&
    e.also.every(([d, key]) => dependencyKey(facts, host, d) === key) &&
    !e.pending.some((n) => byShortName.has(n)) &&
    !e.unknown.some((n) => knownNames.has(n))
  );
}
