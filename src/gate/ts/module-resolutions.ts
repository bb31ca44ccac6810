// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- required on purpose, see the comment above
import ts = require('typescript');

/** The compiler's resolution of one import, and which file asked (the rest of its key: the alias settings, the specifier). */
export interface ResolvedImport {
  from: string;
  result: ts.ResolvedModuleWithFailedLookupLocations;
  /** Kept from an earlier run: the locations it found empty that could ever hold a repository file (the compiler's full record is not kept). */
  lookups?: readonly string[];
}

/** What the compiler records with a resolution besides its answer (not part of its declared API). */
interface Lookups {
  failedLookupLocations?: readonly string[];
  affectingLocations?: readonly string[];
}

const lookupsOf = (r: ts.ResolvedModuleWithFailedLookupLocations): Lookups => r as unknown as Lookups;

/**
 * Of the locations a resolution looked at, those a repository file could be at: the repository
 * holds only code under its virtual root, never a `package.json` nor a type declaration file.
 */
function repositoryLookups(entry: ResolvedImport, root: string): readonly string[] {
  if (entry.lookups) return entry.lookups;
  const { failedLookupLocations = [], affectingLocations = [] } = lookupsOf(entry.result);
  return [...failedLookupLocations, ...affectingLocations].filter((l) => l.startsWith(root) && !l.endsWith('.json') && !/\.d\.[mc]?ts$/.test(l));
}

/**
 * Whether this compiler records, with each resolution, the locations it found empty: asked once
 * of an import that cannot resolve. Without them no resolution is taken over to another set of files.
 */
let recordsLookups: boolean | undefined;
function compilerRecordsLookups(): boolean {
  if (recordsLookups === undefined) {
    const nothing = { fileExists: () => false, readFile: () => undefined, directoryExists: () => false };
    const r = ts.resolveModuleName('./missing', '/x/a.ts', { moduleResolution: ts.ModuleResolutionKind.Bundler, module: ts.ModuleKind.ESNext }, nothing);
    const failed = lookupsOf(r).failedLookupLocations;
    recordsLookups = Array.isArray(failed) && failed.includes('/x/missing.ts');
  }
  return recordsLookups;
}

/**
 * The module resolutions made over one set of repository files, by alias settings, importing file
 * and specifier. What an import resolves to depends only on which files exist and on the alias
 * settings (part of each key); the compiler records with each resolution every location it found
 * empty, asked or not (a missing folder is not looked into, but what it would have looked for is
 * recorded), as its own watch mode needs to know what a new file invalidates. So a resolution
 * made over other files still holds when its file still exists and no location it found empty
 * now holds a file: after a change that adds or removes a few files (most pull requests), head's
 * analysis takes base's resolutions but those few, and a resident gate its last run's.
 */
export class ModuleResolutions {
  /** `${alias settings key}\0${from}\0${specifier}` → the resolution. */
  readonly results = new Map<string, ResolvedImport>();
  /** The keys looked up since the last run ended (see forNextRun). */
  private readonly used = new Set<string>();
  /** The compiler's own caches, one per alias settings key: only for this set of files. */
  readonly caches = new Map<string, ts.ModuleResolutionCache>();

  constructor(
    readonly paths: ReadonlySet<string>,
    /** Identifies `paths`. */
    readonly pathsKey: string,
  ) {}

  /** A resolution made or taken over, marked as this run's. */
  get(key: string): ResolvedImport | undefined {
    const r = this.results.get(key);
    if (r) this.used.add(key);
    return r;
  }

  set(key: string, entry: ResolvedImport): void {
    this.results.set(key, entry);
    this.used.add(key);
  }

  /**
   * What a long-lived process keeps for its next run: the resolutions this run looked up (not
   * those of alias settings or imports it no longer has, which would pile up from run to run),
   * each with only the locations a repository file could be at, and none of the compiler's caches.
   */
  forNextRun(root: string): ModuleResolutions {
    const next = new ModuleResolutions(this.paths, this.pathsKey);
    for (const key of this.used) {
      const entry = this.results.get(key)!;
      next.results.set(key, { from: entry.from, result: { resolvedModule: entry.result.resolvedModule }, lookups: repositoryLookups(entry, root) });
    }
    return next;
  }

  /** The resolutions over `paths` (identified by `pathsKey`): these, or those of them that still hold there. */
  over(paths: ReadonlySet<string>, pathsKey: string): ModuleResolutions {
    if (pathsKey === this.pathsKey) return this;
    const next = new ModuleResolutions(paths, pathsKey);
    if (this.results.size === 0 || !compilerRecordsLookups()) return next;
    const added = new Set<string>();
    for (const p of paths) if (!this.paths.has(p)) added.add(p);
    const removed = new Set<string>();
    for (const p of this.paths) if (!paths.has(p)) removed.add(p);
    const touches = (locations: readonly string[] | undefined, changed: Set<string>): boolean =>
      changed.size > 0 && locations !== undefined && locations.some((l) => changed.has(l));
    for (const [key, entry] of this.results) {
      const file = entry.result.resolvedModule?.resolvedFileName;
      if (!paths.has(entry.from) || (file !== undefined && removed.has(file))) continue;
      if (entry.lookups) {
        if (touches(entry.lookups, added)) continue;
      } else {
        const { failedLookupLocations, affectingLocations } = lookupsOf(entry.result);
        if (touches(failedLookupLocations, added) || touches(affectingLocations, added) || touches(affectingLocations, removed)) continue;
      }
      next.results.set(key, entry);
    }
    return next;
  }
}
