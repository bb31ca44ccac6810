import { createHash } from 'node:crypto';
import path from 'node:path';
// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { compilerOptions, VIRTUAL_ROOT } from './compiler.js';
import { withoutBlockComments, withoutOmittedDeclarations } from './library-text.js';
import { blankedRanges, blankRanges, outlineFits } from './outline.js';
import { moduleScopes, type ModuleScope, type TsConfigSource } from './tsconfig-paths.js';
import type { TsAnalysisStats, TsFileFacts } from './model.js';
import type { ModuleResolutions } from './module-resolutions.js';
import type { RetainedState } from './retained-state.js';
import type { VirtualRepository } from './virtual-repository.js';

/**
 * The compiler host over the in-memory repository (plus the real ES library), with module
 * resolution by each file's alias settings and the source files of the current program: the
 * group's files in full, every other file with an outline as that outline.
 */
export class RepositoryHost {
  readonly compilerHost: ts.CompilerHost;
  /** Source files the current program asked for, by cache key (what the next program may reuse). */
  readonly usedSourceFiles = new Map<string, ts.SourceFile>();
  /** Files the current program holds as outlines (every repository file except its roots that has bodies to blank). */
  private outlined = new Set<string>();
  /** Whether the current program holds the library without the declarations none of its files may reach (see library-text.ts). */
  private leanLibrary = false;
  /** Whether each repository file may reach a declaration the lean library omits. */
  private readonly reachesOmitted = new Map<string, boolean>();
  private readonly realHost: ts.CompilerHost;
  private readonly libDir: string;
  private readonly moduleScopeOf: (file: string) => ModuleScope;
  private readonly resolution: ModuleResolutions;
  /** Each file's imports, resolved (see importedFiles). */
  private readonly imported = new Map<string, readonly string[]>();
  private readonly contextKeys = new Map<string, string>();

  constructor(
    private readonly repo: VirtualRepository,
    private readonly facts: Map<string, TsFileFacts>,
    private readonly retained: RetainedState,
    configs: TsConfigSource[] | undefined,
    private readonly stats?: TsAnalysisStats,
  ) {
    this.libDir = path.dirname(ts.getDefaultLibFilePath(compilerOptions));
    this.realHost = ts.createCompilerHost(compilerOptions, true);
    this.moduleScopeOf = moduleScopes(configs ?? [], VIRTUAL_ROOT, compilerOptions);
    // one resolution cache per set of alias settings, shared by every program of this analysis and the import closures
    this.resolution = retained.resolutionFor(new Set(repo.all), repo.pathsKey());
    this.compilerHost = this.createCompilerHost(!!configs?.length);
  }

  private createCompilerHost(perFileAliases: boolean): ts.CompilerHost {
    const { repo, realHost, libDir } = this;
    return {
      ...realHost,
      // each file's imports resolve with the aliases of its nearest tsconfig.json (one program holds files of several)
      ...(perFileAliases
        ? {
            resolveModuleNameLiterals: (literals: readonly ts.StringLiteralLike[], containingFile: string) =>
              literals.map((l) => this.resolveModule(l.text, containingFile)),
          }
        : { getModuleResolutionCache: () => this.resolutionCacheFor('') }),
      getCurrentDirectory: () => VIRTUAL_ROOT,
      fileExists: (f) => (f.startsWith(VIRTUAL_ROOT) ? repo.has(f) : f.startsWith(libDir) && realHost.fileExists(f)),
      readFile: (f) => (f.startsWith(VIRTUAL_ROOT) ? (repo.has(f) ? repo.text(f) : undefined) : f.startsWith(libDir) ? realHost.readFile(f) : undefined),
      // the root itself too: `../x.js` from a top-level directory resolves by asking for it without the slash
      // only directories holding a repository file: module resolution probes node_modules/ at every
      // level for each bare specifier, and none of those exist in memory (most of a cold run's
      // resolution time went to probing file names inside them)
      directoryExists: (d) => repo.directories.has(d.endsWith('/') ? d.slice(0, -1) : d) || d.startsWith(libDir),
      getDirectories: () => [],
      getSourceFile: (f, lang) => this.getSourceFile(f, lang),
      writeFile: () => undefined,
      // JSDoc carries types only in JavaScript files; skipping it elsewhere (the ES library is mostly
      // JSDoc) saves parse time and memory without changing what resolves
      jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo,
    };
  }

  /**
   * Starts a program over `files` that holds `outlined` as outlines, with the lean library when
   * none of the files may name what it omits (returned).
   */
  beginProgram(files: readonly string[], outlined: Set<string>): boolean {
    this.outlined = outlined;
    this.leanLibrary = !files.some((f) => this.mayReachOmitted(f));
    this.usedSourceFiles.clear();
    return this.leanLibrary;
  }

  private mayReachOmitted(f: string): boolean {
    let reaches = this.reachesOmitted.get(f);
    if (reaches === undefined) {
      // a script's top-level `this` is `globalThis`
      const facts = this.facts.get(f);
      reaches = facts?.topLevelThis !== false || facts.wholeLibrary;
      this.reachesOmitted.set(f, reaches);
    }
    return reaches;
  }

  /**
   * A repository file's text, held to its facts (which a warm run took from the cache without
   * reading the file): a text they do not fit means a damaged cache, and the run fails rather
   * than analyse the file by facts of another text.
   */
  private checkedText(f: string): string {
    const t = this.repo.text(f);
    const facts = this.facts.get(f);
    if (facts && (t.length !== facts.chars || !outlineFits(facts.outline, t)))
      throw new Error(`the gate cache's facts of ${f.slice(VIRTUAL_ROOT.length)} do not fit its text: the cache is damaged (remove the gate cache folder)`);
    return t;
  }

  /** Identifies the alias settings that apply to a file (part of its cached edges' key). */
  scopeKey(file: string): string {
    return this.moduleScopeOf(file).key;
  }

  private getSourceFile(f: string, lang: ts.ScriptTarget | ts.CreateSourceFileOptions): ts.SourceFile | undefined {
    const { repo } = this;
    const outline = this.outlined.has(f);
    const inRepo = f.startsWith(VIRTUAL_ROOT);
    const lean = !inRepo && this.leanLibrary;
    const key = inRepo ? `${f}\0${repo.hashes.get(f)}${outline ? '\0outline' : ''}` : lean ? `${f}\0lean` : f;
    let sf = this.retained.sourceFiles.get(key) ?? (inRepo && repo.has(f) ? this.fromEarlierRun(key, f) : undefined);
    if (!sf) {
      const text = inRepo ? (repo.has(f) ? this.checkedText(f) : undefined) : this.libraryText(f, lean);
      if (text === undefined) return undefined;
      const fact = this.facts.get(f);
      sf = ts.createSourceFile(f, outline ? blankRanges(text, blankedRanges(fact!.outline, fact!.returning)) : text, lang, false);
      // a file declaring global names is a source of the checker's merges, which set its symbols'
      // parents to the checker's own: it is never kept for another run (see retained-state.ts)
      if (inRepo && !fact?.global) this.retained.parsedFrom.set(sf, text);
    }
    this.usedSourceFiles.set(key, sf);
    return sf;
  }

  /**
   * A parse an earlier run of this process made of `f` (as the key says: the same blob, outline or
   * not), when this run's text of the file is the one it was parsed from. The text is taken as
   * any other (a long-lived process checks every text a run took against git before the run's
   * answer counts), so a parse outlives its run no more than its text does.
   */
  private fromEarlierRun(key: string, f: string): ts.SourceFile | undefined {
    const kept = this.retained.earlierRuns.get(key);
    if (kept === undefined || this.checkedText(f) !== kept.text) return undefined;
    if (this.stats) this.stats.tsParsesKept = (this.stats.tsParsesKept ?? 0) + 1;
    return kept.sf;
  }

  /** A library file as programs hold it: without block comments, and in a lean program without the omitted declarations. */
  private libraryText(f: string, lean: boolean): string | undefined {
    const text = f.startsWith(this.libDir) ? this.realHost.readFile(f) : undefined;
    if (text === undefined) return undefined;
    const stripped = withoutBlockComments(text);
    return lean ? withoutOmittedDeclarations(stripped) : stripped;
  }

  private resolutionCacheFor(key: string): ts.ModuleResolutionCache {
    const caches = this.resolution.caches;
    let c = caches.get(key);
    if (!c) caches.set(key, (c = ts.createModuleResolutionCache(VIRTUAL_ROOT, (x) => x, compilerOptions)));
    return c;
  }

  /** What `spec` imported from `from` resolves to under `from`'s alias settings (memoised for the retained resolutions). */
  private resolveModule(spec: string, from: string): ts.ResolvedModuleWithFailedLookupLocations {
    const scope = this.moduleScopeOf(from);
    const key = `${scope.key}\0${from}\0${spec}`;
    let r = this.resolution.get(key)?.result;
    if (r === undefined) {
      if (this.stats) this.stats.tsImportsResolved = (this.stats.tsImportsResolved ?? 0) + 1;
      r = ts.resolveModuleName(spec, from, scope.options, this.compilerHost, this.resolutionCacheFor(scope.key));
      this.resolution.set(key, { from, result: r });
    }
    return r;
  }

  /** The repository file `spec` imported from `from` resolves to. */
  resolveSpec(spec: string, from: string): string | undefined {
    const m = this.resolveModule(spec, from).resolvedModule;
    return m && m.resolvedFileName.startsWith(VIRTUAL_ROOT) && this.repo.has(m.resolvedFileName) ? m.resolvedFileName : undefined;
  }

  /**
   * What another file's walk depends on of `f`: the outline key and what each import and
   * re-export resolves to, of `f` and of every file it re-exports from (through re-export chains).
   * A name resolved through `f` follows the module its import resolves to, which a file added or
   * deleted beside it changes while `f`'s text stays the same (`./fees` going from
   * `fees/index.ts` to a new `fees.ts`), and a member of `f` as a namespace may come from any file
   * it re-exports from. Memoised for the analysis.
   */
  contextKey(f: string): string {
    let key = this.contextKeys.get(f);
    if (key === undefined) {
      const chain = [...this.reexportChains([f])].sort();
      const fact = this.facts.get(f)!;
      key =
        chain.length === 1 && fact.imports.length === 0
          ? fact.outlineKey
          : createHash('sha1')
              .update(
                chain
                  .map((g) => {
                    const specs = this.facts.get(g)?.imports ?? [];
                    return `${g}\0${this.facts.get(g)?.outlineKey}\n${specs.map((s) => `${s}\0${this.resolveSpec(s, g) ?? ''}`).join('\n')}`;
                  })
                  .join('\n'),
              )
              .digest('hex');
      this.contextKeys.set(f, key);
    }
    return key;
  }

  /** Files `f` imports, plus the files those re-export from (followed through re-export chains). */
  importClosure(f: string): Set<string> {
    return this.reexportChains(this.importedFiles(f), f);
  }

  /** `starts` and the files they re-export from, followed through re-export chains (not through `skip`). */
  private reexportChains(starts: readonly string[], skip?: string): Set<string> {
    const out = new Set<string>();
    const queue = [...starts];
    while (queue.length > 0) {
      const d = queue.pop()!;
      if (out.has(d) || d === skip) continue;
      out.add(d);
      for (const s of this.facts.get(d)?.reexports ?? []) {
        const r = this.resolveSpec(s, d);
        if (r) queue.push(r);
      }
    }
    return out;
  }

  /** The repository files `f`'s imports resolve to (memoised: every caller's visible set walks them). */
  private importedFiles(f: string): readonly string[] {
    const known = this.imported.get(f);
    if (known) return known;
    const out: string[] = [];
    for (const spec of this.facts.get(f)?.imports ?? []) {
      const r = this.resolveSpec(spec, f);
      if (r) out.push(r);
    }
    this.imported.set(f, out);
    return out;
  }

  /** Files whose declarations `file` can see: itself, what it imports transitively, and `globalFiles`. */
  visibleFrom(file: string, globalFiles: readonly string[]): Set<string> {
    const seen = new Set([file, ...globalFiles]);
    const queue = [file];
    while (queue.length > 0) {
      for (const r of this.importedFiles(queue.pop()!)) {
        if (!seen.has(r)) {
          seen.add(r);
          queue.push(r);
        }
      }
    }
    return seen;
  }
}
