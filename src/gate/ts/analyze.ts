import { createHash } from 'node:crypto';
import path from 'node:path';
// required, not imported: importing the 9 MB CommonJS compiler as an ES module makes Node scan it
// for named exports first (about 0.3 s of every run that needs TypeScript)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');
import { moduleNameFor } from '../facts.js';
import { collectGarbage } from './collect-garbage.js';
import { blankRanges, outlineRanges, validOutline, type OutlineRanges } from './outline.js';
import { planPrograms } from './program-groups.js';
import { moduleScopes, type TsConfigSource } from './tsconfig-paths.js';
import type { Definition, DefinitionKind } from '../types.js';

/** The TypeScript/JavaScript part of a call graph, plain data so it can be cached. */
export interface TsGraphPart {
  defs: Definition[];
  calls: [string, string[]][];
  /** The subset of `calls` resolved by name only (no type for the receiver). */
  nameOnly?: [string, string[]][];
  reads: [string, string[]][];
  unparsable: { file: string; reason: string }[];
}

const VIRTUAL_ROOT = '/__bulwark_repo__/';

export function isTsLike(file: string): boolean {
  return /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/.test(file) && !/\.d\.[mc]?ts$/.test(file);
}

/**
 * Builds the TS/JS call graph with a Program and its TypeChecker over an in-memory copy of the
 * files (so base and head revisions never touch the working tree). Resolution:
 * - calls through identifiers, imports, aliases, re-exports and default exports follow the
 *   checker's symbols (aliases resolved to their target declaration);
 * - a method declared on an interface or a base class → that declaration plus every override in
 *   classes that implement/extend it (transitively);
 * - identifiers naming a repository function used as a value (callbacks, handler tables) → an edge;
 * - over-approximation: a call the checker cannot resolve (`any`, untyped JS) → every repository
 *   function/method with that name.
 */
/**
 * What one file yields without the checker (syntax only, so keyed by path and content): its
 * definitions, the module specifiers it imports/re-exports, or why it cannot be analysed.
 */
export interface TsFileFacts {
  defs: Definition[];
  imports: string[];
  reexports: string[];
  /** Bodies blanked when the file is only context for another file's analysis (see outline.ts). */
  outline: OutlineRanges;
  /** Names of object-literal properties that hold a function by name: calls through them are resolved too. */
  props: string[];
  /** Declares names for every file: a script (no import/export, not CommonJS), or `declare global` / `declare module`. */
  global: boolean;
  /** Functions and methods of the file with the argument counts they accept: [id, min, max] (max -1: any). */
  arities: [string, number, number][];
  error?: string;
}

/**
 * The checker-resolved part of one file. Overrides of a called method and calls the checker could
 * not resolve (kept by name) are expanded over the whole repository when the graph is assembled,
 * so a class or function added elsewhere is reached without re-analysing this file. `also` lists
 * files outside the key's import closure that a resolution went through (declarations, receiver
 * types) with their hashes: the entry is reused only while they are unchanged.
 */
export interface TsFileEdges {
  calls: [string, string[]][];
  reads: [string, string[]][];
  /** Calls resolved by name only: caller → `name/argc` (argc -1: not a call, or a spread argument). */
  byName: [string, string[]][];
  heritage: [string, string[]][];
  also: [string, string][];
  /** Names called or read as members that no repository function or method carried when this was computed. */
  pending: string[];
}

export interface TsCacheLike<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}
export interface TsAnalysisCache {
  facts: TsCacheLike<TsFileFacts>;
  edges: TsCacheLike<TsFileEdges>;
}

export interface TsAnalysisStats {
  tsFilesWalked: number;
  tsFilesReused: number;
  /** Files given in full to the programs built (each file to analyse is given in full once). */
  tsProgramFiles?: number;
  /** Programs built (more than one when the files to analyse exceed the program budget). */
  tsPrograms?: number;
}

// Parsed files are shared between the base and head programs of one run (unchanged files parse
// and bind once); entries not used by the latest program are dropped.
let sourceFileCache = new Map<string, ts.SourceFile>();

/** Drops the parsed files kept for the next program (a long-lived process calls this after a gate run). */
export function releaseParsedFiles(): void {
  sourceFileCache = new Map();
  lastResolution = { pathsKey: '', caches: new Map(), resolved: new Map() };
  // after an analysis large enough to be split, collected now, so what the caller does next
  // (writing the caches) reuses their memory instead of adding to it
  if (splitSinceRelease) collectGarbage();
  splitSinceRelease = false;
}
let splitSinceRelease = false;
/** Module resolutions of the latest analysis, by the set of file paths they were made over. */
let lastResolution: { pathsKey: string; caches: Map<string, ts.ModuleResolutionCache>; resolved: Map<string, string | null> } = { pathsKey: '', caches: new Map(), resolved: new Map() };

interface FileDefinitions {
  defs: Definition[];
  decls: [ts.Node, string][];
  members: [ts.Node, Map<string, string>][];
  /** Object-literal properties holding a function by name (`{ pay: settle }`, `{ settle }`). */
  valueProps: string[];
  arities: [string, number, number][];
}
const definitionsCache = new WeakMap<ts.SourceFile, FileDefinitions>();

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowJs: true,
  checkJs: false,
  jsx: ts.JsxEmit.Preserve,
  noEmit: true,
  skipLibCheck: true,
  types: [],
  noResolve: false,
  allowImportingTsExtensions: true,
  resolveJsonModule: false,
  // the ES library only: DOM/webworker declarations are large and never resolve to repository code
  lib: ['lib.es2022.d.ts'],
};

/**
 * Characters of source given in full to one program. The files to analyse are split into groups
 * of about this size; each group's program holds them in full and every other repository file as
 * an outline (bodies the checker never needs blanked), so memory stays bounded on large
 * repositories while every declaration stays visible: results do not depend on the grouping.
 */
export const PROGRAM_BUDGET_CHARS = 400_000;
/** Characters of source whose facts parses are kept for the program (see analyzeTypeScript). */
const HELD_PARSE_CHARS = 4_000_000;

export interface TsAnalysisOptions {
  /** Overrides {@link PROGRAM_BUDGET_CHARS} (tests force several programs on small repositories). */
  programBudgetChars?: number;
  /** tsconfig.json / jsconfig.json files of the revision: their `baseUrl` and `paths` resolve import aliases. */
  configs?: TsConfigSource[];
}

export function analyzeTypeScript(
  files: { path: string; text: string; hash?: string }[],
  cache?: TsAnalysisCache,
  stats?: TsAnalysisStats,
  opts: TsAnalysisOptions = {},
): TsGraphPart {
  const texts = new Map<string, string>();
  const hashes = new Map<string, string>();
  for (const f of files) {
    // a byte-order mark is not part of the program (the compiler's own file reading drops it)
    texts.set(VIRTUAL_ROOT + f.path, f.text.charCodeAt(0) === 0xfeff ? f.text.slice(1) : f.text);
    hashes.set(VIRTUAL_ROOT + f.path, f.hash ?? createHash('sha1').update(f.text).digest('hex'));
  }
  const directories = new Set<string>([VIRTUAL_ROOT.slice(0, -1)]);
  for (const f of texts.keys()) {
    for (let i = f.lastIndexOf('/'); i >= VIRTUAL_ROOT.length; i = f.lastIndexOf('/', i - 1)) {
      const d = f.slice(0, i);
      if (directories.has(d)) break;
      directories.add(d);
    }
  }
  const facts = new Map<string, TsFileFacts>();
  /** Files the current program holds as outlines (every repository file except its roots that has bodies to blank). */
  let outlined = new Set<string>();
  const usedSourceFiles = new Map<string, ts.SourceFile>();
  const libDir = path.dirname(ts.getDefaultLibFilePath(options));
  const realHost = ts.createCompilerHost(options, true);
  const moduleScopeOf = moduleScopes(opts.configs ?? [], VIRTUAL_ROOT, options);
  // one resolution cache per set of alias settings, shared by every program of this analysis and the import closures below
  // Resolution depends only on which files exist and on the alias settings (part of each cache's
  // key): head after base, with the same file paths, reuses base's resolutions.
  const pathsKey = createHash('sha1').update([...texts.keys()].sort().join('\n')).digest('hex');
  if (pathsKey !== lastResolution.pathsKey) lastResolution = { pathsKey, caches: new Map(), resolved: new Map() };
  const resolutionCaches = lastResolution.caches;
  const resolutionCacheFor = (key: string): ts.ModuleResolutionCache => {
    let c = resolutionCaches.get(key);
    if (!c) resolutionCaches.set(key, (c = ts.createModuleResolutionCache(VIRTUAL_ROOT, (x) => x, options)));
    return c;
  };
  const resolveModule = (spec: string, from: string): ts.ResolvedModuleWithFailedLookupLocations => {
    const scope = moduleScopeOf(from);
    return ts.resolveModuleName(spec, from, scope.options, host, resolutionCacheFor(scope.key));
  };
  const host: ts.CompilerHost = {
    ...realHost,
    // each file's imports resolve with the aliases of its nearest tsconfig.json (one program holds files of several)
    ...(opts.configs?.length
      ? { resolveModuleNameLiterals: (literals: readonly ts.StringLiteralLike[], containingFile: string) => literals.map((l) => resolveModule(l.text, containingFile)) }
      : { getModuleResolutionCache: () => resolutionCacheFor('') }),
    getCurrentDirectory: () => VIRTUAL_ROOT,
    fileExists: (f) => (f.startsWith(VIRTUAL_ROOT) ? texts.has(f) : f.startsWith(libDir) && realHost.fileExists(f)),
    readFile: (f) => (f.startsWith(VIRTUAL_ROOT) ? texts.get(f) : f.startsWith(libDir) ? realHost.readFile(f) : undefined),
    // the root itself too: `../x.js` from a top-level directory resolves by asking for it without the slash
    // only directories holding a repository file: module resolution probes node_modules/ at every
    // level for each bare specifier, and none of those exist in memory (most of a cold run's
    // resolution time went to probing file names inside them)
    directoryExists: (d) => directories.has(d.endsWith('/') ? d.slice(0, -1) : d) || d.startsWith(libDir),
    getDirectories: () => [],
    getSourceFile: (f, lang) => {
      const outline = outlined.has(f);
      const key = f.startsWith(VIRTUAL_ROOT) ? `${f}\0${hashes.get(f)}${outline ? '\0outline' : ''}` : f;
      let sf = sourceFileCache.get(key);
      if (!sf) {
        let t = f.startsWith(VIRTUAL_ROOT) ? texts.get(f) : f.startsWith(libDir) ? realHost.readFile(f) : undefined;
        if (t === undefined) return undefined;
        if (outline) t = blankRanges(t, facts.get(f)!.outline);
        sf = ts.createSourceFile(f, t, lang, false);
      }
      usedSourceFiles.set(key, sf);
      return sf;
    },
    writeFile: () => undefined,
    // JSDoc carries types only in JavaScript files; skipping it elsewhere (the ES library is mostly
    // JSDoc) saves parse time and memory without changing what resolves
    jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo,
  };
  const t0 = performance.now();
  if (process.env.BULWARK_GATE_TIMING) process.stderr.write(`ts: start heap/RSS ${memText(process.memoryUsage())}\n`);
  const all = [...texts.keys()];
  const factsKey = (f: string): string => `${hashes.get(f)}:${f.slice(VIRTUAL_ROOT.length)}`;

  // A parse made for the facts is the same tree the program would make of the file in full
  // (same text, language version and JSDoc mode; the binder only adds to it), so when the files
  // end up in one program it is handed over instead of parsing every file twice.
  const heldParses = new Map<string, ts.SourceFile>();
  let heldChars = 0;
  let heldBlanked = 0;
  // syntax facts of every file: cached by content, else from a parse of the file alone
  for (const f of all) {
    const known = cache?.facts.get(factsKey(f));
    // a malformed entry is ignored like a missing one (a cache is never a source of truth)
    if (known && Array.isArray(known.defs) && Array.isArray(known.imports) && Array.isArray(known.reexports) && Array.isArray(known.props) && Array.isArray(known.arities) && typeof known.global === 'boolean' && validOutline(known.outline, texts.get(f)!)) facts.set(f, known);
    else {
      // parent pointers as in a bound program file: definitions are named the same way from both
      const sf = ts.createSourceFile(f, texts.get(f)!, { languageVersion: ts.ScriptTarget.ES2022, jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeInfo }, true);
      const fact = factsOfSourceFile(sf, f.slice(VIRTUAL_ROOT.length));
      if (heldChars >= 0) {
        heldParses.set(f, sf);
        heldChars += sf.text.length;
        heldBlanked += fact.outline.reduce((b, [s, e]) => b + e - s, 0);
        // beyond this the parses are not kept: a repository this large is split anyway, and
        // holding every parse at once would cost more memory than one program; likewise once
        // the outlines blank as much as they keep past one budget (the files will be split)
        if (heldChars > HELD_PARSE_CHARS || (heldChars > (opts.programBudgetChars ?? PROGRAM_BUDGET_CHARS) && heldBlanked >= heldChars - heldBlanked)) {
          heldParses.clear();
          heldChars = -1;
        }
      }
      facts.set(f, fact);
      cache?.facts.set(factsKey(f), fact);
    }
  }
  const resolved = lastResolution.resolved;
  const resolveSpec = (spec: string, from: string): string | undefined => {
    const k = `${from}\0${spec}`;
    let r = resolved.get(k);
    if (r === undefined) {
      const m = resolveModule(spec, from).resolvedModule;
      r = m && m.resolvedFileName.startsWith(VIRTUAL_ROOT) && texts.has(m.resolvedFileName) ? m.resolvedFileName : null;
      resolved.set(k, r);
    }
    return r ?? undefined;
  };
  /** Files `f` imports, plus the files those re-export from (followed through re-export chains). */
  const importClosure = (f: string): Set<string> => {
    const deps = new Set<string>();
    const own = facts.get(f);
    const queue = (own?.imports ?? []).map((s) => resolveSpec(s, f)).filter((x): x is string => !!x);
    while (queue.length > 0) {
      const d = queue.pop()!;
      if (deps.has(d) || d === f) continue;
      deps.add(d);
      for (const s of facts.get(d)?.reexports ?? []) {
        const r = resolveSpec(s, d);
        if (r) queue.push(r);
      }
    }
    return deps;
  };
  // files declaring global names can change what any file resolves to: every entry depends on them
  const globalsKey = createHash('sha1')
    .update(all.filter((f) => facts.get(f)!.global).map((f) => `${f}:${hashes.get(f)}`).join('\n'))
    .digest('hex');
  const edgeKey = (f: string, deps: Set<string>): string =>
    createHash('sha1')
      .update(`${f}:${hashes.get(f)}\naliases:${moduleScopeOf(f).key}\nglobals:${globalsKey}\n${[...deps].sort().map((d) => `${d}:${hashes.get(d)}`).join('\n')}`)
      .digest('hex');

  const defs: Definition[] = [];
  const declToId = new Map<ts.Node, string>();
  const idKinds = new Map<string, DefinitionKind>();
  const byShortName = new Map<string, string[]>();
  const unparsable: { file: string; reason: string }[] = [];
  // class/interface declaration → its members by name (files of the current program)
  const membersOf = new Map<ts.Node, Map<string, string>>();
  const classNodesOf = new Map<ts.SourceFile, ts.Node[]>();
  let checker: ts.TypeChecker | undefined;

  for (const f of all) {
    const fact = facts.get(f)!;
    if (fact.error) {
      unparsable.push({ file: f.slice(VIRTUAL_ROOT.length), reason: fact.error });
      continue;
    }
    for (const d of fact.defs) {
      if (idKinds.has(d.id)) continue;
      idKinds.set(d.id, d.kind);
      defs.push(d);
      if (d.kind === 'function' || d.kind === 'method') {
        const short = d.id.slice(d.id.lastIndexOf('.') + 1);
        let l = byShortName.get(short);
        if (!l) byShortName.set(short, (l = []));
        l.push(d.id);
      }
    }
  }

  // only names some repository definition carries can resolve to one; skip the checker for the rest
  const knownNames = new Set<string>();
  for (const id of idKinds.keys()) knownNames.add(id.slice(id.lastIndexOf('.') + 1));
  for (const f of all) for (const n of facts.get(f)!.props) knownNames.add(n);

  // Which files need the checker: a file whose edges are cached (and whose recorded
  // dependencies are unchanged) does not.
  const cachedEdges = new Map<string, TsFileEdges>();
  const keys = new Map<string, string>();
  const closures = new Map<string, Set<string>>();
  const toWalk: string[] = [];
  for (const f of all) {
    if (facts.get(f)!.error) continue;
    const deps = importClosure(f);
    closures.set(f, deps);
    if (!cache) {
      toWalk.push(f);
      continue;
    }
    const key = edgeKey(f, deps);
    keys.set(f, key);
    const e = cache.edges.get(key);
    const wellFormed = e && [e.calls, e.reads, e.byName, e.heritage, e.also, e.pending].every(Array.isArray);
    // stale when a recorded dependency changed, or a name it skipped as unknown is now defined
    // somewhere (a call through an untyped receiver would now reach it by name)
    if (wellFormed && e.also.every(([d, h]) => hashes.get(d) === h) && !e.pending.some((n) => byShortName.has(n))) cachedEdges.set(f, e);
    else toWalk.push(f);
  }


  function declarationsOf(expr: ts.Node): ts.Declaration[] {
    let sym = checker!.getSymbolAtLocation(expr);
    if (!sym) return [];
    if (sym.flags & ts.SymbolFlags.Alias) {
      try {
        sym = checker!.getAliasedSymbol(sym);
      } catch {
        return [];
      }
    }
    return sym.declarations ?? [];
  }

  /** The definition id a declaration stands for (a class also stands for its constructor). */
  /**
   * The declarations a value symbol stands for, following import/re-export aliases one step at a
   * time; every declaration on the way is reported to `onDecls` (the walked file's dependencies:
   * a table in b.ts holding `settle` imported through c.ts depends on c.ts too).
   */
  function followAliases(sym: ts.Symbol | undefined, onDecls: ((d: readonly ts.Declaration[]) => void) | undefined): readonly ts.Declaration[] {
    for (let i = 0; sym && sym.flags & ts.SymbolFlags.Alias && i < 16; i++) {
      onDecls?.(sym.declarations ?? []);
      sym = checker!.getImmediateAliasedSymbol(sym);
    }
    const decls = sym?.declarations ?? [];
    onDecls?.(decls);
    return decls;
  }

  function idsForDecl(decl: ts.Node, out: Set<string>, depth = 0, onDecls?: (d: readonly ts.Declaration[]) => void): void {
    // a property holding a repository function (`{ pay: settle }`, `{ settle }`): calling it calls that function
    if (depth < 8 && ts.isPropertyAssignment(decl) && (ts.isIdentifier(decl.initializer) || ts.isPropertyAccessExpression(decl.initializer))) {
      onDecls?.([decl]);
      let sym: ts.Symbol | undefined;
      try {
        sym = checker!.getSymbolAtLocation(decl.initializer);
      } catch {
        sym = undefined;
      }
      for (const d of followAliases(sym, onDecls)) idsForDecl(d, out, depth + 1, onDecls);
      return;
    }
    if (depth < 8 && ts.isShorthandPropertyAssignment(decl)) {
      onDecls?.([decl]);
      for (const d of followAliases(checker!.getShorthandAssignmentValueSymbol(decl), onDecls)) idsForDecl(d, out, depth + 1, onDecls);
      return;
    }
    let id = declToId.get(decl);
    if (id === undefined && (ts.isFunctionExpression(decl) || ts.isArrowFunction(decl))) id = declToId.get(decl.parent);
    if (id === undefined && ts.isVariableDeclaration(decl) && decl.initializer) id = declToId.get(decl.initializer);
    // a CommonJS export or expando is declared by its assignment (`exports.x = function …`)
    if (id === undefined && (ts.isBinaryExpression(decl) || ts.isPropertyAccessExpression(decl))) id = declToId.get(decl) ?? declToId.get(decl.parent);
    if (id === undefined) return;
    out.add(id);
    if (ts.isClassLike(decl)) {
      const ctor = membersOf.get(decl)?.get('constructor');
      if (ctor) out.add(ctor);
    }
  }

  const edge = (m: Map<string, Set<string>>, from: string, to: string): void => {
    if (from === to) return;
    let s = m.get(from);
    if (!s) m.set(from, (s = new Set()));
    s.add(to);
  };

  /** Resolves what `expr` names: the alias itself (an import binding) and its final declarations. */
  function resolveSymbol(expr: ts.Node): { aliasDecls: ts.Declaration[]; decls: ts.Declaration[]; known: boolean } {
    let sym: ts.Symbol | undefined;
    try {
      sym = checker!.getSymbolAtLocation(expr);
    } catch {
      sym = undefined;
    }
    if (!sym) return { aliasDecls: [], decls: [], known: false };
    const aliasDecls: ts.Declaration[] = [];
    if (sym.flags & ts.SymbolFlags.Alias) {
      aliasDecls.push(...(sym.declarations ?? []));
      try {
        sym = checker!.getAliasedSymbol(sym);
      } catch {
        return { aliasDecls, decls: [], known: false };
      }
    }
    return { aliasDecls, decls: sym.declarations ?? [], known: (sym.declarations ?? []).length > 0 };
  }

  const aliasBindingId = (decl: ts.Declaration): string | undefined => {
    if (ts.isImportSpecifier(decl) || ts.isNamespaceImport(decl)) return declToId.get(decl.name);
    if (ts.isImportClause(decl) && decl.name) return declToId.get(decl.name);
    return undefined;
  };

  // edges of the files that need the checker; the others come from the cache
  const walked = new Map<string, TsFileEdges>();
  const walkFile = (sf: ts.SourceFile, rel: string): void => {
    if (stats) stats.tsFilesWalked++;
    const calls = new Map<string, Set<string>>();
    const reads = new Map<string, Set<string>>();
    const byName = new Map<string, Set<string>>();
    const touched = new Set<string>();
    const selfRefs = new Set<string>();
    const pending = new Set<string>();
    const touch = (decls: readonly ts.Declaration[] | undefined): void => {
      for (const d of decls ?? []) {
        const f = d.getSourceFile().fileName;
        if (f !== sf.fileName && f.startsWith(VIRTUAL_ROOT)) touched.add(f);
      }
    };
    const scopeOf = (node: ts.Node): string => {
      for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
        const id = declToId.get(n);
        if (id !== undefined && idKinds.get(id) !== 'binding' && idKinds.get(id) !== 'class') return id;
        if (ts.isSourceFile(n)) return declToId.get(n)!;
      }
      return '';
    };
    /**
     * Records the files a receiver's type came from: its declarations, the type's declarations,
     * and through unannotated variables and properties the functions whose (inferred) return
     * types they hold, a few steps deep. Each is a dependency of this file's cached edges: in
     * `svc.pay()` with `const svc = makeSvc()` imported from b.ts, an edit to makeSvc in c.ts
     * changes what `pay` is although neither c.ts nor the class is imported here.
     */
    const touchOrigins = (e: ts.Expression, depth: number): void => {
      if (depth > 4) return;
      while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
      try {
        touch(checker!.getTypeAtLocation(e).getSymbol()?.declarations);
        if (ts.isCallExpression(e) || ts.isNewExpression(e)) {
          const decl = checker!.getResolvedSignature(e)?.declaration;
          if (decl && !ts.isJSDocSignature(decl)) touch([decl]);
          touchOrigins(e.expression, depth + 1);
          return;
        }
        if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) touchOrigins(e.expression, depth + 1);
        if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e)) return;
        // every hop of an import/re-export chain is a dependency (a switched re-export changes the type)
        for (const d of followAliases(checker!.getSymbolAtLocation(e), touch)) {
          // an unannotated variable or property has its initializer's type, made wherever that came from
          if ((ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) || ts.isPropertyAssignment(d)) && !(ts.isPropertyAssignment(d) ? false : d.type) && d.initializer) {
            touchOrigins(d.initializer, depth + 1);
          }
        }
      } catch {
        // an unresolvable receiver only means no dependency to record
      }
    };
    const recordReference = (from: string, expr: ts.Node, isCall: boolean, argc = -1, noReads = false): void => {
      const r = resolveSymbol(expr);
      touch(r.decls);
      // the receiver's type decides what a member access resolves to: where it came from are dependencies
      if (ts.isPropertyAccessExpression(expr)) touchOrigins(expr.expression, 0);
      for (const a of noReads ? [] : r.aliasDecls) {
        const b = aliasBindingId(a);
        if (b && idKinds.get(from) !== 'module') edge(reads, from, b);
      }
      let resolved = 0;
      for (const d of r.decls) {
        const out = new Set<string>();
        idsForDecl(d, out, 0, touch);
        // naming a class in `extends`/`implements` does not construct it
        if (ts.isClassLike(d) && expr.parent && ts.isExpressionWithTypeArguments(expr.parent)) for (const id of out) if (id.endsWith('.constructor')) out.delete(id);
        for (const id of out) {
          const k = idKinds.get(id);
          if (k === 'binding') {
            if (idKinds.get(from) !== 'module' && !noReads) edge(reads, from, id);
          } else if (k === 'class') {
            if (isCall) edge(calls, from, id);
          } else if (k === 'function' || k === 'method') {
            // a self-reference is kept here: it stands for the method's overrides (e.g. an interface
            // method names itself), which assembling adds; the self-edge itself is dropped there
            if (from === id) selfRefs.add(id);
            else edge(calls, from, id);
          }
          resolved++;
        }
      }
      // unresolved (any, untyped JS): every
      // repository function/method of that name, expanded when the graph is assembled
      if (!r.known && resolved === 0 && (isCall || ts.isPropertyAccessExpression(expr))) {
        const name = ts.isPropertyAccessExpression(expr) ? expr.name.text : ts.isIdentifier(expr) ? expr.text : undefined;
        if (name && byShortName.has(name)) edge(byName, from, `${name}/${isCall ? argc : -1}`);
        // no function of that name yet: one defined later must make this entry stale
        else if (name) pending.add(name);
      }
    };
    /**
     * Repository functions a call passes callbacks to, with the parameters each invokes: `f(x)` or
     * `f.call(…)` in its body, or `f` passed on to another call (`xs.map(f)`).
     */
    const callbackInvokers = (node: ts.CallExpression | ts.NewExpression, callee: ts.Expression): { id: string; params: Set<number>; rest: number }[] => {
      const args = node.arguments ?? [];
      if (!args.some((a) => (ts.isIdentifier(a) && knownNames.has(a.text)) || (ts.isPropertyAccessExpression(a) && knownNames.has(a.name.text)))) return [];
      if (!(ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee))) return [];
      const target = ts.isPropertyAccessExpression(callee) ? callee : callee;
      const out: { id: string; params: Set<number>; rest: number }[] = [];
      let decls: ts.Declaration[];
      try {
        decls = resolveSymbol(target).decls;
      } catch {
        return [];
      }
      for (let d of decls as ts.Node[]) {
        if (ts.isVariableDeclaration(d) && d.initializer && isFunctionLike(d.initializer)) d = d.initializer;
        if (!(ts.isFunctionDeclaration(d) || ts.isMethodDeclaration(d) || isFunctionLike(d)) || !d.body) continue;
        const ids = new Set<string>();
        idsForDecl(d, ids, 0, touch);
        const id = [...ids].find((x) => idKinds.get(x) === 'function' || idKinds.get(x) === 'method');
        if (!id) continue;
        const inv = invokedParams(d);
        if (inv.params.size > 0 || inv.rest >= 0) out.push({ id, ...inv });
      }
      return out;
    };
    /** The repository functions a factory returns by name, for a call through a variable initialised by calling it. */
    const factoryTargets = (callee: ts.Identifier): string[] => {
      let decls: ts.Declaration[];
      try {
        decls = resolveSymbol(callee).decls;
      } catch {
        return [];
      }
      const out = new Set<string>();
      for (const d of decls) {
        if (!ts.isVariableDeclaration(d) || !d.initializer) continue;
        let init = d.initializer;
        while (ts.isAwaitExpression(init) || ts.isParenthesizedExpression(init) || ts.isNonNullExpression(init)) init = init.expression;
        if (!ts.isCallExpression(init) || !(ts.isIdentifier(init.expression) || ts.isPropertyAccessExpression(init.expression))) continue;
        for (let f of resolveSymbol(init.expression).decls as ts.Node[]) {
          if (ts.isVariableDeclaration(f) && f.initializer && isFunctionLike(f.initializer)) f = f.initializer;
          if (!(ts.isFunctionDeclaration(f) || ts.isMethodDeclaration(f) || isFunctionLike(f)) || !f.body) continue;
          touch([f]);
          const returned: ts.Expression[] = [];
          if (!ts.isBlock(f.body)) returned.push(f.body);
          else {
            const findReturns = (n: ts.Node): void => {
              if (ts.isReturnStatement(n) && n.expression) returned.push(n.expression);
              else if (!ts.isFunctionLike(n)) n.forEachChild(findReturns);
            };
            f.body.forEachChild(findReturns);
          }
          for (const r of returned) {
            if (isFunctionLike(r)) {
              const id = declToId.get(r);
              if (id) out.add(id);
            } else if (ts.isIdentifier(r) || ts.isPropertyAccessExpression(r)) for (const rd of resolveSymbol(r).decls) idsForDecl(rd, out, 0, touch);
          }
        }
      }
      return [...out].filter((id) => idKinds.get(id) === 'function' || idKinds.get(id) === 'method');
    };
    /** Every handler a computed-key table call can reach: the functions an object literal or `new Map([[k, f], …])` holds. */
    const tableTargets = (callee: ts.Expression): string[] => {
      let c = callee;
      while (ts.isNonNullExpression(c) || ts.isParenthesizedExpression(c)) c = c.expression;
      let table: ts.Expression | undefined;
      if (ts.isElementAccessExpression(c) && !ts.isStringLiteralLike(c.argumentExpression) && !ts.isNumericLiteral(c.argumentExpression)) table = c.expression;
      else if (ts.isCallExpression(c) && ts.isPropertyAccessExpression(c.expression) && c.expression.name.text === 'get' && c.arguments.length === 1) table = c.expression.expression;
      if (!table || !(ts.isIdentifier(table) || ts.isPropertyAccessExpression(table))) return [];
      const out = new Set<string>();
      let decls: ts.Declaration[];
      try {
        decls = resolveSymbol(table).decls;
      } catch {
        return [];
      }
      touch(decls);
      for (const d of decls) {
        let init = ts.isVariableDeclaration(d) || ts.isPropertyDeclaration(d) ? d.initializer : undefined;
        while (init && (ts.isParenthesizedExpression(init) || ts.isAsExpression(init) || ts.isSatisfiesExpression(init))) init = init.expression;
        if (!init) continue;
        const values: ts.Node[] = [];
        if (ts.isObjectLiteralExpression(init)) values.push(...init.properties);
        else if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'Map' && init.arguments?.[0] && ts.isArrayLiteralExpression(init.arguments[0])) {
          for (const el of init.arguments[0].elements) if (ts.isArrayLiteralExpression(el) && el.elements[1]) values.push(el.elements[1]);
        }
        for (const v of values) {
          if (ts.isIdentifier(v) || ts.isPropertyAccessExpression(v)) {
            for (const vd of resolveSymbol(v).decls) idsForDecl(vd, out, 0, touch);
          } else if (isFunctionLike(v)) {
            const id = declToId.get(v);
            if (id) out.add(id);
          } else idsForDecl(v, out, 0, touch);
        }
      }
      return [...out].filter((id) => idKinds.get(id) === 'function' || idKinds.get(id) === 'method');
    };
    const recordAccessor = (from: string, access: ts.PropertyAccessExpression): void => {
      const r = resolveSymbol(access);
      const accessors = r.decls.filter((d) => ts.isGetAccessorDeclaration(d) || ts.isSetAccessorDeclaration(d));
      if (accessors.length === 0) return;
      touch(accessors);
      touchOrigins(access.expression, 0);
      const out = new Set<string>();
      for (const d of accessors) idsForDecl(d, out, 0, touch);
      for (const id of out) if (id !== from) edge(calls, from, id);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        const callee = node.expression;
        const from = scopeOf(node);
        const target = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
        if (ts.isIdentifier(target) || ts.isPrivateIdentifier(target)) {
          if (knownNames.has(target.text)) recordReference(from, ts.isPropertyAccessExpression(callee) ? callee : target, true, argCount(node));
          else pending.add(target.text);
        }
        // a handler table indexed by a computed key (`HANDLERS[kind](x)`, `handlers.get(k)!(x)`): every handler it holds
        for (const id of tableTargets(callee)) if (id !== from) edge(calls, from, id);
        // `super(…)` runs the base class's constructor
        if (callee.kind === ts.SyntaxKind.SuperKeyword && ts.isCallExpression(node)) {
          try {
            const decl = checker!.getResolvedSignature(node)?.declaration;
            if (decl && !ts.isJSDocSignature(decl)) {
              touch([decl]);
              const out = new Set<string>();
              idsForDecl(decl, out, 0, touch);
              for (const id of out) if (id !== from) edge(calls, from, id);
            }
          } catch {
            // an unresolvable base class only means no edge
          }
        }
        // a function value made by a factory (`const s = makeScaler(); s(2)`): what the factory returns
        if (ts.isIdentifier(callee) && knownNames.size > 0) for (const id of factoryTargets(callee)) if (id !== from) edge(calls, from, id);
        // callbacks: a repository function passed as an argument is called by the callee when the
        // callee invokes that parameter (the edge is the callee's, as PyCG attributes it); else it
        // counts as called where it is passed (an external callee, or one that stores it)
        const invokers = callbackInvokers(node, callee);
        const handled = new Set<ts.Node>();
        (node.arguments ?? []).forEach((a, i) => {
          const name = ts.isPropertyAccessExpression(a) ? a.name.text : ts.isIdentifier(a) ? a.text : undefined;
          if (name === undefined) return;
          if (!knownNames.has(name)) {
            if (ts.isPropertyAccessExpression(a)) pending.add(name);
            return;
          }
          const by = invokers.filter((x) => x.params.has(i) || (x.rest >= 0 && i >= x.rest));
          if (by.length > 0) {
            for (const x of by) recordReference(x.id, a, false, -1, true);
            handled.add(a);
          } else if (ts.isPropertyAccessExpression(a)) recordReference(from, a, false);
        });
        if (ts.isPropertyAccessExpression(callee)) visit(callee.expression);
        else if (!ts.isIdentifier(callee)) visit(callee);
        for (const a of node.arguments ?? []) {
          if (!handled.has(a)) visit(a);
          else if (ts.isPropertyAccessExpression(a)) visit(a.expression);
        }
        return;
      } else if (ts.isJsxOpeningElement(node) || ts.isJsxSelfClosingElement(node)) {
        // rendering <Component /> calls the component
        const tag = jsxName(node.tagName);
        if (knownNames.has(tag)) {
          recordReference(scopeOf(node), node.tagName, true);
          for (const a of node.attributes.properties) visit(a);
          return;
        }
        // lower-case tags are HTML elements, never components
        if (/^[A-Z_$]/.test(tag)) pending.add(tag);
      } else if (ts.isIdentifier(node)) {
        const p = node.parent;
        const isDeclName = p && (ts.isVariableDeclaration(p) || ts.isFunctionDeclaration(p) || ts.isClassDeclaration(p) || ts.isParameter(p) || ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isBindingElement(p)) && (p as ts.NamedDeclaration).name === node;
        const isMemberName = p && ts.isPropertyAccessExpression(p) && p.name === node;
        if (knownNames.has(node.text) && !isDeclName && !isMemberName && !(p && (ts.isImportSpecifier(p) || ts.isExportSpecifier(p)))) {
          recordReference(scopeOf(node), node, false);
        } else if (isMemberName && knownNames.has(node.text)) {
          // reading or assigning a property runs its getter or setter: a call
          recordAccessor(scopeOf(node), p);
        } else if (isMemberName) {
          // a getter of that name defined later must make this entry stale
          pending.add(node.text);
        }
        return;
      } else if (ts.isPrivateIdentifier(node)) {
        const p = node.parent;
        if (p && ts.isPropertyAccessExpression(p) && p.name === node && knownNames.has(node.text)) recordAccessor(scopeOf(node), p);
        return;
      } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
        // obj['name'] and obj['name']() resolve like obj.name
        const key = node.argumentExpression.text;
        const isCall = ts.isCallExpression(node.parent) && node.parent.expression === node;
        if (!knownNames.has(key)) {
          pending.add(key);
          visit(node.expression);
          return;
        }
        const from = scopeOf(node);
        const r = resolveSymbol(node.argumentExpression);
        touch(r.decls);
        touchOrigins(node.expression, 0);
        const out = new Set<string>();
        for (const d of r.decls) if (isCall || ts.isGetAccessorDeclaration(d) || ts.isSetAccessorDeclaration(d)) idsForDecl(d, out, 0, touch);
        for (const id of out) if (id !== from) edge(calls, from, id);
        // as for obj.name(): a receiver the checker cannot type reaches every function of that name
        if (isCall && !r.known && out.size === 0) {
          if (byShortName.has(key)) edge(byName, from, `${key}/${argCount(node.parent)}`);
          else pending.add(key);
        }
        visit(node.expression);
        return;
      }
      node.forEachChild(visit);
    };
    // heritage: each class/interface of this file → the repository types it extends/implements
    const heritage: [string, string[]][] = [];
    try {
      sf.forEachChild(visit);
      for (const decl of classNodesOf.get(sf) ?? []) {
        if (!ts.isClassLike(decl) && !ts.isInterfaceDeclaration(decl)) continue;
        const parents: string[] = [];
        for (const h of decl.heritageClauses ?? []) {
          for (const t of h.types) {
            const ds = declarationsOf(t.expression);
            touch(ds);
            for (const parent of ds) {
              const pid = declToId.get(parent);
              if (pid !== undefined) parents.push(pid);
            }
          }
        }
        if (parents.length > 0) heritage.push([declToId.get(decl)!, parents]);
      }
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      unparsable.push({ file: rel, reason: 'nesting too deep to analyse' });
      return;
    }
    const closure = closures.get(sf.fileName);
    const also: [string, string][] = [...touched].filter((f) => !closure?.has(f)).sort().map((f) => [f, hashes.get(f)!]);
    for (const id of selfRefs) {
      let l = calls.get(id);
      if (!l) calls.set(id, (l = new Set()));
      l.add(id);
    }
    const entry: TsFileEdges = { calls: listOf(calls), reads: listOf(reads), byName: listOf(byName), heritage, also, pending: [...pending].sort() };
    walked.set(sf.fileName, entry);
    // every program sees every declaration (in full or as an outline), so this is what a cold run computes
    if (cache && keys.has(sf.fileName)) cache.edges.set(keys.get(sf.fileName)!, entry);
  };

  const budget = opts.programBudgetChars ?? PROGRAM_BUDGET_CHARS;
  // Files without an outline are in full in every program and walked in the first: JavaScript
  // (its types come from bodies) and files with no body to blank (already their own outline).
  // When the JavaScript alone takes half the budget, splitting would rebuild nearly the same
  // program again and again: one program.
  const hasOutline = (f: string): boolean => facts.get(f)!.outline.length > 0;
  const alwaysFullChars = all.reduce((n, f) => n + (/\.[mc]?jsx?$/.test(f) ? texts.get(f)!.length : 0), 0);
  // Likewise when outlines would save little: only bodies under a return type annotation are
  // blanked, so in a code base that seldom annotates them every program holds nearly every file
  // in full and splitting only repeats the parse, bind and checking of that shared part (three
  // programs of nearly the whole repository instead of one on an Angular/NestJS code base). An
  // explicit budget (tests) splits whatever the outlines save.
  const blankedChars = all.reduce((n, f) => n + facts.get(f)!.outline.reduce((b, [s, e]) => b + e - s, 0), 0);
  const sharedChars = all.reduce((n, f) => n + texts.get(f)!.length, 0) - blankedChars;
  const splitting = alwaysFullChars <= budget / 2 && (opts.programBudgetChars !== undefined || sharedChars <= budget / 2 || blankedChars >= sharedChars);
  if (!splitting) for (const [f, sf] of heldParses) if (!facts.get(f)!.error) sourceFileCache.set(`${f}\0${hashes.get(f)}`, sf);
  heldParses.clear();
  const groups = splitting ? planPrograms(toWalk.filter(hasOutline), (f: string) => texts.get(f)!.length, budget) : toWalk.length > 0 ? [toWalk] : [];
  const fullAnyway = splitting ? toWalk.filter((f) => !hasOutline(f)) : [];
  if (fullAnyway.length > 0) {
    if (groups.length === 0) groups.push(fullAnyway);
    else groups[0]!.unshift(...fullAnyway);
  }
  for (const [i, roots] of groups.entries()) {
    const tg = performance.now();
    const rootSet = new Set(roots);
    outlined = new Set(all.filter((f) => !rootSet.has(f) && facts.get(f)!.outline.length > 0));
    usedSourceFiles.clear();
    const program = ts.createProgram({ rootNames: all, options: { ...options, noResolve: true }, host });
    checker = program.getTypeChecker();
    declToId.clear();
    membersOf.clear();
    classNodesOf.clear();
    const programSource = new Map<string, ts.SourceFile>();
    for (const sf of program.getSourceFiles()) {
      if (!sf.fileName.startsWith(VIRTUAL_ROOT) || facts.get(sf.fileName)?.error) continue;
      programSource.set(sf.fileName, sf);
      const r = recordDefinitions(sf, sf.fileName.slice(VIRTUAL_ROOT.length), false);
      for (const [n, id] of r.decls) declToId.set(n, id);
      for (const [n, m] of r.members) membersOf.set(n, m);
      classNodesOf.set(sf, r.members.map(([n]) => n));
    }
    const tp = performance.now();
    const memP = process.env.BULWARK_GATE_TIMING ? process.memoryUsage() : undefined;
    for (const f of roots) walkFile(programSource.get(f)!, f.slice(VIRTUAL_ROOT.length));
    if (stats) {
      stats.tsPrograms = (stats.tsPrograms ?? 0) + 1;
      stats.tsProgramFiles = (stats.tsProgramFiles ?? 0) + roots.length;
    }
    // Kept for the next program of this process (the next group, or head after base): the ES
    // library, the outlines and the files without one, which every program needs again. The
    // group's files held in full are dropped, since most of the memory of a program is theirs.
    const fullRoots = new Set(roots.filter(hasOutline).map((f) => `${f}\0${hashes.get(f)}`));
    sourceFileCache = new Map([...usedSourceFiles].filter(([k]) => !fullRoots.has(k)));
    // one program is the peak: the previous one is collected before the next (or head's) is built
    if (groups.length > 1) {
      splitSinceRelease = true;
      checker = undefined;
      declToId.clear();
      membersOf.clear();
      classNodesOf.clear();
      collectGarbage();
    }
    if (process.env.BULWARK_GATE_TIMING) {
      process.stderr.write(
        `ts: program ${i + 1}/${groups.length} with ${roots.length} of ${all.length} files in full ${Math.round(tp - tg)} ms, edges ${Math.round(performance.now() - tp)} ms; heap/RSS ${memText(memP)} → ${memText(process.memoryUsage())} MiB\n`,
      );
    }
  }
  checker = undefined;
  declToId.clear();
  membersOf.clear();
  classNodesOf.clear();
  if (stats) stats.tsFilesReused += cachedEdges.size;

  // assemble: every file's edges, then overrides of called methods and by-name calls over the whole repository
  const allCalls = new Map<string, Set<string>>();
  const allReads = new Map<string, Set<string>>();
  const childrenOf = new Map<string, string[]>();
  // in file order whatever came from the cache, so path tie-breaks never depend on the cache state
  const entries = all.map((f) => walked.get(f) ?? cachedEdges.get(f)).filter((e): e is TsFileEdges => e !== undefined);
  for (const e of entries) {
    for (const [cid, parents] of e.heritage) {
      for (const p of parents) {
        let l = childrenOf.get(p);
        if (!l) childrenOf.set(p, (l = []));
        l.push(cid);
      }
    }
  }
  const overrideMemo = new Map<string, string[]>();
  /** A method declared on a class/interface also stands for its overrides in every extending/implementing type. */
  const overridesOf = (id: string): string[] => {
    let out = overrideMemo.get(id);
    if (out) return out;
    out = [];
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
    overrideMemo.set(id, out);
    return out;
  };
  for (const e of entries) {
    for (const [from, tos] of e.calls) {
      for (const to of tos) {
        edge(allCalls, from, to);
        for (const o of overridesOf(to)) edge(allCalls, from, o);
      }
    }
    for (const [from, tos] of e.reads) for (const to of tos) edge(allReads, from, to);
  }
  // Calls resolved by name only (the receiver has no type): the functions and methods of that name
  // declared in a module visible from the caller's file (itself, what it imports transitively,
  // files declaring globals) whose parameters fit the argument count. Each narrowing applies only
  // when it leaves a candidate: when nothing fits, every function of that name stays (recall first).
  const fileOfId = new Map<string, string>();
  for (const d of defs) fileOfId.set(d.id, VIRTUAL_ROOT + d.file);
  const arities = new Map<string, [number, number]>();
  for (const f of all) for (const [id, min, max] of facts.get(f)!.arities) arities.set(id, [min, max]);
  const globalFiles = all.filter((f) => facts.get(f)!.global);
  const visibleMemo = new Map<string, Set<string>>();
  const visibleFrom = (file: string | undefined): Set<string> | undefined => {
    if (file === undefined) return undefined;
    let seen = visibleMemo.get(file);
    if (seen) return seen;
    seen = new Set([file, ...globalFiles]);
    const queue = [file];
    while (queue.length > 0) {
      const f = queue.pop()!;
      for (const spec of facts.get(f)?.imports ?? []) {
        const r = resolveSpec(spec, f);
        if (r && !seen.has(r)) {
          seen.add(r);
          queue.push(r);
        }
      }
    }
    visibleMemo.set(file, seen);
    return seen;
  };
  const nameCalls = new Map<string, Set<string>>();
  for (const e of entries) {
    for (const [from, keys] of e.byName) {
      for (const key of keys) {
        const slash = key.lastIndexOf('/');
        const argc = Number(key.slice(slash + 1));
        let candidates = byShortName.get(key.slice(0, slash)) ?? [];
        const visible = visibleFrom(fileOfId.get(from));
        const seen = visible ? candidates.filter((c) => visible.has(fileOfId.get(c)!)) : [];
        if (seen.length > 0) candidates = seen;
        if (argc >= 0) {
          const fit = candidates.filter((c) => {
            const a = arities.get(c);
            return !a || (argc >= a[0] && (a[1] < 0 || argc <= a[1]));
          });
          if (fit.length > 0) candidates = fit;
        }
        for (const to of candidates) if (!allCalls.get(from)?.has(to)) edge(nameCalls, from, to);
      }
    }
  }
  for (const [from, tos] of nameCalls) for (const to of tos) edge(allCalls, from, to);

  if (process.env.BULWARK_GATE_TIMING) process.stderr.write(`ts: ${groups.length} programs, ${Math.round(performance.now() - t0)} ms in all\n`);
  return {
    defs,
    calls: listOf(allCalls),
    nameOnly: listOf(nameCalls),
    reads: listOf(allReads),
    unparsable,
  };
}

const mib = (bytes: number): number => Math.round(bytes / 1048576);
const memText = (m: NodeJS.MemoryUsage | undefined): string => (m ? `${mib(m.heapUsed)}/${mib(m.rss)}` : '?');
const listOf = (m: Map<string, Set<string>>): [string, string[]][] => [...m].map(([k, v]) => [k, [...v]]);

const nameText = (n: ts.PropertyName | ts.BindingName | undefined): string | undefined => {
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
};
const isFunctionLike = (n: ts.Node | undefined): n is ts.ArrowFunction | ts.FunctionExpression =>
  !!n && (ts.isArrowFunction(n) || ts.isFunctionExpression(n));


/** Arguments of a call, -1 when a spread makes the count unknown. */
const argCount = (call: ts.CallExpression | ts.NewExpression): number =>
  (call.arguments ?? []).some((a) => ts.isSpreadElement(a)) ? -1 : (call.arguments?.length ?? 0);

const lineOf = (sf: ts.SourceFile, pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

/** Syntax facts of one parsed file: parse errors, definitions, imported and re-exported specifiers. */
function factsOfSourceFile(sf: ts.SourceFile, rel: string): TsFileFacts {
  const diags = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (diags.length > 0) {
    const d = diags[0]!;
    const line = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start).line + 1 : '?';
    return { defs: [], imports: [], reexports: [], outline: [], props: [], global: false, arities: [], error: `syntax error near line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}` };
  }
  let rec: FileDefinitions;
  try {
    rec = recordDefinitions(sf, rel, true);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { defs: [], imports: [], reexports: [], outline: [], props: [], global: false, arities: [], error: 'nesting too deep to analyse' };
  }
  const imports: string[] = [];
  const reexports: string[] = [];
  for (const st of sf.statements) {
    if ((ts.isExportDeclaration(st) || ts.isImportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      imports.push(st.moduleSpecifier.text);
      if (ts.isExportDeclaration(st)) reexports.push(st.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)) {
      imports.push(st.moduleReference.expression.text);
    }
  }
  // CommonJS `require('./m')` and `import('./m')` with a literal make a module visible like an import
  const visitRequires = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteralLike(n.arguments[0]!) && ((ts.isIdentifier(n.expression) && n.expression.text === 'require') || n.expression.kind === ts.SyntaxKind.ImportKeyword)) {
      imports.push(n.arguments[0].text);
    }
    n.forEachChild(visitRequires);
  };
  if (/\brequire\s*\(|\bimport\s*\(/.test(sf.text)) sf.forEachChild(visitRequires);
  return { defs: rec.defs, imports, reexports, outline: outlineRanges(sf), props: rec.valueProps, global: declaresGlobals(sf), arities: rec.arities };
}

/**
 * Whether a file declares names every other file sees: a script (TypeScript's global scope; a
 * JavaScript file counts unless it uses CommonJS), or a module with `declare global` or
 * `declare module '…'` augmentations.
 */
function declaresGlobals(sf: ts.SourceFile): boolean {
  if (sf.statements.some((st) => ts.isModuleDeclaration(st) && (ts.isStringLiteral(st.name) || (st.flags & ts.NodeFlags.GlobalAugmentation) !== 0))) return true;
  if (ts.isExternalModule(sf)) return false;
  return !(/\.[mc]?jsx?$/.test(sf.fileName) && /\b(require\s*\(|module\.exports\b|exports\.)/.test(sf.text));
}

/**
 * Definitions of one file with their declaration nodes. For a file of a program (`forFacts`
 * false) only the nodes are needed, recorded once per SourceFile object; for the syntax facts
 * (a parse dropped right after) the definitions with their lines, not memoised, since a WeakMap
 * entry would keep the parse alive until a full collection.
 */
function recordDefinitions(sf: ts.SourceFile, rel: string, forFacts: boolean): FileDefinitions {
  const known = forFacts ? undefined : definitionsCache.get(sf);
  if (known) return known;
  const rec: FileDefinitions = { defs: [], decls: [], members: [], valueProps: [], arities: [] };
  const isJs = /\.[mc]?jsx?$/.test(rel);
  const addDef = (node: ts.Node, id: string, kind: DefinitionKind, sf: ts.SourceFile, rel: string, span: ts.Node = node): void => {
    rec.decls.push([node, id]);
    if (forFacts) {
      rec.defs.push({ id, kind, file: rel, startLine: lineOf(sf, span.getStart(sf)), endLine: lineOf(sf, span.getEnd()) });
      if (kind === 'function' || kind === 'method') {
        const fn = ts.isFunctionLike(node) ? node : 'initializer' in node && isFunctionLike((node as ts.VariableDeclaration).initializer) ? (node as ts.VariableDeclaration).initializer as ts.FunctionLikeDeclaration : undefined;
        if (fn) rec.arities.push([id, ...arityOf(fn, isJs, sf)]);
      }
    }
  };
  walkDefinitions(sf, rel, moduleNameFor(rel, 'ts'));
  if (!forFacts) definitionsCache.set(sf, rec);
  return rec;

  function walkDefinitions(sf: ts.SourceFile, rel: string, module: string): void {
    addDef(sf, module, 'module', sf, rel);
    const visit = (node: ts.Node, scope: string, atModule: boolean): void => {
      const q = (name: string): string => (scope ? `${scope}.${name}` : name);
      if (ts.isFunctionDeclaration(node)) {
        const isDefault = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
        const name = node.name?.text ?? (isDefault ? 'default' : undefined);
        if (name && node.body) {
          const id = q(name);
          addDef(node, id, 'function', sf, rel);
          node.body.forEachChild((c) => visit(c, id, false));
          return;
        }
      } else if (ts.isClassDeclaration(node) || ts.isClassExpression(node) || ts.isInterfaceDeclaration(node)) {
        const isDefault = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
        let name = node.name?.text ?? (isDefault ? 'default' : undefined);
        if (!name && ts.isClassExpression(node) && ts.isVariableDeclaration(node.parent)) name = nameText(node.parent.name);
        if (name) {
          const cid = q(name);
          addDef(node, cid, 'class', sf, rel);
          const members = new Map<string, string>();
          rec.members.push([node, members]);
          for (const m of node.members) {
            let mname: string | undefined;
            let body: ts.Node | undefined;
            if (ts.isConstructorDeclaration(m)) {
              mname = 'constructor';
              body = m.body;
            } else if (ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m) || ts.isMethodSignature(m)) {
              mname = nameText(m.name);
              body = 'body' in m ? m.body : undefined;
            } else if (ts.isPropertyDeclaration(m) && isFunctionLike(m.initializer)) {
              mname = nameText(m.name);
              body = m.initializer;
              rec.decls.push([m.initializer, `${cid}.${mname}`]);
            } else if (ts.isPropertySignature(m) && m.type && ts.isFunctionTypeNode(m.type)) {
              mname = nameText(m.name);
            }
            if (!mname) {
              m.forEachChild((c) => visit(c, cid, false));
              continue;
            }
            const mid = `${cid}.${mname}`;
            addDef(m, mid, 'method', sf, rel);
            members.set(mname, mid);
            if (body) body.forEachChild((c) => visit(c, mid, false));
          }
          return;
        }
      } else if (ts.isVariableStatement(node) && atModule) {
        for (const d of node.declarationList.declarations) {
          const name = nameText(d.name);
          if (name && isFunctionLike(d.initializer)) {
            const id = q(name);
            addDef(d, id, 'function', sf, rel, node);
            rec.decls.push([d.initializer, id]);
            d.initializer.body.forEachChild((c) => visit(c, id, false));
          } else if (name && d.initializer && ts.isClassExpression(d.initializer)) {
            // `const X = class { … }` is class X with methods X.m, as a class declaration would be
            visit(d.initializer, scope, false);
          } else {
            if (name) addDef(d, q(name), 'binding', sf, rel, node);
            else for (const n of bindingNames(d.name)) addDef(n, q(n.text), 'binding', sf, rel, node);
            if (d.initializer) visitObjectLiteral(d.initializer, name ? q(name) : scope, sf, rel, visit, scope);
          }
        }
        return;
      } else if (ts.isVariableDeclaration(node) && !atModule) {
        const name = nameText(node.name);
        if (name && isFunctionLike(node.initializer)) {
          const id = q(name);
          addDef(node, id, 'function', sf, rel);
          rec.decls.push([node.initializer, id]);
          node.initializer.body.forEachChild((c) => visit(c, id, false));
          return;
        }
      } else if (ts.isImportDeclaration(node) && atModule && node.importClause) {
        const c = node.importClause;
        if (c.name) addDef(c.name, q(c.name.text), 'binding', sf, rel, node);
        const nb = c.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) addDef(nb.name, q(nb.name.text), 'binding', sf, rel, node);
        if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) addDef(el.name, q(el.name.text), 'binding', sf, rel, node);
        return;
      } else if (
        atModule &&
        ts.isExpressionStatement(node) &&
        ts.isBinaryExpression(node.expression) &&
        node.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        isFunctionLike(node.expression.right) &&
        ts.isPropertyAccessExpression(node.expression.left)
      ) {
        // CommonJS exports (`module.exports.x = function`, `exports.x = …`) define `x` of the
        // module; an expando (`f.helper = () => …`) defines `f.helper`
        const bin = node.expression;
        const left = bin.left as ts.PropertyAccessExpression;
        const fn = bin.right as ts.ArrowFunction | ts.FunctionExpression;
        const owner = left.expression;
        const isExports = (ts.isIdentifier(owner) && owner.text === 'exports') || (ts.isPropertyAccessExpression(owner) && ts.isIdentifier(owner.expression) && owner.expression.text === 'module' && owner.name.text === 'exports');
        const ownerName = isExports ? '' : ts.isIdentifier(owner) ? owner.text : undefined;
        if (ownerName !== undefined && !(ownerName === 'module' && left.name.text === 'exports')) {
          const id = q(ownerName ? `${ownerName}.${left.name.text}` : left.name.text);
          addDef(fn, id, 'function', sf, rel, node);
          rec.decls.push([bin, id], [left, id]);
          fn.body.forEachChild((c) => visit(c, id, false));
          return;
        }
      } else if (ts.isExportAssignment(node) && atModule && isFunctionLike(node.expression)) {
        const id = q('default');
        addDef(node.expression, id, 'function', sf, rel, node);
        node.expression.body.forEachChild((c) => visit(c, id, false));
        return;
      } else if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body) && ts.isIdentifier(node.name)) {
        const id = q(node.name.text);
        node.body.forEachChild((c) => visit(c, id, atModule));
        return;
      }
      node.forEachChild((c) => visit(c, scope, false));
    };
    const visitObjectLiteral = (
      init: ts.Expression,
      objId: string,
      sf2: ts.SourceFile,
      rel2: string,
      v: (n: ts.Node, s: string, m: boolean) => void,
      scope: string,
    ): void => {
      // `{ … } satisfies T` and `{ … } as const` define the same methods as the bare literal
      let lit: ts.Expression = init;
      while (ts.isParenthesizedExpression(lit) || ts.isAsExpression(lit) || ts.isSatisfiesExpression(lit)) lit = lit.expression;
      if (!ts.isObjectLiteralExpression(lit)) {
        init.forEachChild((c) => v(c, scope, false));
        return;
      }
      for (const p of lit.properties) {
        const pname = nameText(p.name);
        if (pname && (ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p)) && p.body) {
          addDef(p, `${objId}.${pname}`, 'method', sf2, rel2);
          p.body.forEachChild((c) => v(c, `${objId}.${pname}`, false));
        } else if (pname && ts.isPropertyAssignment(p) && (ts.isIdentifier(p.initializer) || ts.isPropertyAccessExpression(p.initializer))) {
          // a handler table: `obj.pay()` calls what `pay` holds, resolved where it is called
          rec.valueProps.push(pname);
          p.forEachChild((c) => v(c, scope, false));
        } else if (ts.isShorthandPropertyAssignment(p)) {
          rec.valueProps.push(p.name.text);
          p.forEachChild((c) => v(c, scope, false));
        } else if (pname && ts.isPropertyAssignment(p) && isFunctionLike(p.initializer)) {
          addDef(p, `${objId}.${pname}`, 'method', sf2, rel2);
          rec.decls.push([p.initializer, `${objId}.${pname}`]);
          p.initializer.body.forEachChild((c) => v(c, `${objId}.${pname}`, false));
        } else p.forEachChild((c) => v(c, scope, false));
      }
    };
    sf.forEachChild((c) => visit(c, module, true));
  }
}

/**
 * The argument counts a function accepts: [min, max], max -1 for any. JavaScript never requires an
 * argument (a missing one is undefined), and a body reading `arguments` takes any number.
 */
function arityOf(fn: ts.SignatureDeclaration, isJs: boolean, sf: ts.SourceFile): [number, number] {
  const params = fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
  let min = 0;
  let max = params.length;
  for (const p of params) {
    if (p.dotDotDotToken) max = -1;
    else if (!p.initializer && !p.questionToken) min++;
  }
  if (isJs) {
    min = 0;
    const body = (fn as ts.FunctionLikeDeclaration).body;
    if (body && /\barguments\b/.test(sf.text.slice(body.pos, body.end))) max = -1;
  }
  return [min, max];
}

const invokedMemo = new WeakMap<ts.Node, { params: Set<number>; rest: number }>();
/** Parameters (by position) a function's body calls or passes on to a call; `rest`: index of an invoked rest parameter, else -1. */
function invokedParams(fn: ts.SignatureDeclaration & { body?: ts.Node }): { params: Set<number>; rest: number } {
  let known = invokedMemo.get(fn);
  if (known) return known;
  const names = new Map<string, number>();
  fn.parameters.forEach((p, i) => {
    if (ts.isIdentifier(p.name)) names.set(p.name.text, i);
  });
  const params = new Set<number>();
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
      let c: ts.Expression = n.expression;
      while (ts.isNonNullExpression(c) || ts.isParenthesizedExpression(c)) c = c.expression;
      // f(), f.call(), f.apply()
      if (ts.isPropertyAccessExpression(c) && ['call', 'apply', 'bind'].includes(c.name.text)) c = c.expression;
      if (ts.isIdentifier(c) && names.has(c.text)) params.add(names.get(c.text)!);
      for (const a of n.arguments ?? []) if (ts.isIdentifier(a) && names.has(a.text)) params.add(names.get(a.text)!);
    }
    n.forEachChild(visit);
  };
  if (names.size > 0 && fn.body) visit(fn.body);
  const restIdx = fn.parameters.findIndex((p) => p.dotDotDotToken);
  known = { params, rest: restIdx >= 0 && params.has(restIdx) ? restIdx : -1 };
  invokedMemo.set(fn, known);
  return known;
}

function jsxName(tag: ts.JsxTagNameExpression): string {
  if (ts.isIdentifier(tag)) return tag.text;
  if (ts.isPropertyAccessExpression(tag)) return tag.name.text;
  return '';
}

function bindingNames(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  const out: ts.Identifier[] = [];
  for (const el of name.elements) if (!ts.isOmittedExpression(el)) out.push(...bindingNames(el.name));
  return out;
}
