import { createHash } from 'node:crypto';
import { CACHE_FORMAT, GraphStore, ParseCache } from './cache.js';
import { gateCodeVersion } from './code-version.js';
import type { TextRuleScans } from './decide.js';
import { collectAfter } from './collect-garbage.js';
import { noteStoredForm } from './call-index.js';
import type { FileFacts } from './facts.js';
import { GraphBuilder, type ResolutionTarget } from './graph-builder.js';
import { keepsStateAcrossRuns } from './long-lived.js';
import { ParseFailure } from './parse-failure.js';
import { checkStoredResolution, RecordingTarget, replayResolution, resolutionKeys, shapeOf, type StoredResolution } from './resolution-reuse.js';
import { readTextsOf } from './blob-texts.js';
import { isTsConfigFile, type ContentVerdicts, type SourceFile } from './sources.js';
import { codeCacheStatus, persistCompilerCodeCache, preloadCompiler } from './ts/compiler-code-cache.js';
import type * as TsAnalysis from './ts/analyze.js';
import type { TsCacheLike, TsFileEdges, TsFileFacts, TsGraphPart } from './ts/analyze.js';
import { decodeGraph, encodeGraph, type StoredGraph } from './stored-graph.js';
import type { CallGraph, GateLanguage, GraphFile } from './types.js';

/** A file's facts as cached: with their shape (what a resolver reads of them), or why the file cannot be analysed. */
type CachedFacts = (FileFacts & { shape: string }) | { error: string };

/** The TypeScript analysis module once a run has needed it (it is large, so it is loaded on demand). */
let typeScriptAnalysis: typeof TsAnalysis | undefined;

type OtherLanguage = 'python' | 'go' | 'java';

/**
 * Each language's extractor and resolver, loaded the first time a revision has files of it (with
 * the parser they share): a TypeScript repository never loads them.
 */
const languages: Record<
  OtherLanguage,
  () => Promise<{ extract: (file: string, text: string) => Promise<FileFacts>; resolve: (facts: Map<string, FileFacts>, g: ResolutionTarget) => void }>
> = {
  python: async () => {
    const [{ extractPython }, { resolvePython }] = await Promise.all([import('./python/extract.js'), import('./python/resolve.js')]);
    return { extract: extractPython, resolve: resolvePython };
  },
  go: async () => {
    const [{ extractGo }, { resolveGo }] = await Promise.all([import('./go/extract.js'), import('./go/resolve.js')]);
    return { extract: extractGo, resolve: resolveGo };
  },
  java: async () => {
    const [{ extractJava }, { resolveJava }] = await Promise.all([import('./java/extract.js'), import('./java/resolve.js')]);
    return { extract: extractJava, resolve: resolveJava };
  },
};

export interface BuildOptions {
  /** Directory for the parse cache; undefined disables caching. */
  cacheDir?: string;
}

/** Shared caches so a gate run building base and head graphs loads and saves each pack once. */
export class GraphCaches {
  readonly facts: ParseCache<CachedFacts>;
  /** TS/JS parts built in this run by the hash of all TS/JS files (base and head often share them). */
  readonly tsParts = new Map<string, TsGraphPart>();
  private readonly tsEdgePack: ParseCache<TsFileEdges>;
  /**
   * Each TS/JS file's edges, under keys that name the gate's code too: the walk that found them
   * is code (as a stored graph's resolvers are), so a fix to it takes effect on the first run
   * after an upgrade, without a new cache format.
   */
  readonly tsEdges: TsCacheLike<TsFileEdges>;
  readonly tsFacts: ParseCache<TsFileFacts>;
  readonly graphs: GraphStore<StoredGraph>;
  /** What the content rules decided of each blob (generated, minified, or own code). */
  readonly contentVerdicts: ContentVerdicts;
  /** What the SQL and payment-host rules found in each blob, by the rules' digest. */
  readonly ruleScans: TextRuleScans;
  private readonly blobPacks: ParseCache<unknown>[];
  /** Each language's resolved edges by the shapes of the facts it read (see resolution-reuse.ts). */
  private readonly resolutionStore: GraphStore<unknown>;
  /** Resolutions found or read by this run (head's is often base's). */
  private readonly resolutions = new Map<string, StoredResolution>();
  /** What this run did: files parsed vs. taken from the cache (tests and the benchmark read these). */
  readonly stats: {
    graphsReused: number;
    parsed: number;
    reused: number;
    tsAnalyses: number;
    tsReused: number;
    tsFilesWalked: number;
    tsFilesReused: number;
    /** Python/Go/Java resolutions replayed because nothing they read had changed. */
    resolutionsReused: number;
    /** Files in the TypeScript programs built (set once one is built; below the file count when partial). */
    tsProgramFiles?: number;
    tsProgramFilesInAll?: number;
    tsPrograms?: number;
    tsLeanLibraryPrograms?: number;
    tsWarmUpFiles?: number;
    /** Imports resolved with the compiler rather than taken from an earlier analysis of the same files. */
    tsImportsResolved?: number;
    /** Repository files a program held as parsed by an earlier run of this long-lived process. */
    tsParsesKept?: number;
    /** Blobs read from git by the run, and of those, read alone (nothing asked for them beforehand). */
    blobsRead?: number;
    blobsReadAlone?: number;
    /** Texts a long-lived process had kept from an earlier run's reads, so not read from git again. */
    blobsRetained?: number;
    /** Of the stored graphs reused, those a long-lived process had decoded in an earlier run. */
    graphsDecodedBefore?: number;
  } = { graphsReused: 0, parsed: 0, reused: 0, tsAnalyses: 0, tsReused: 0, tsFilesWalked: 0, tsFilesReused: 0, resolutionsReused: 0 };
  constructor(readonly dir: string | undefined) {
    this.facts = new ParseCache<CachedFacts>(dir, 'facts');
    this.tsEdgePack = new ParseCache<TsFileEdges>(dir, 'ts-edges');
    this.tsEdges = byCodeVersion(this.tsEdgePack);
    this.tsFacts = new ParseCache<TsFileFacts>(dir, 'ts-facts');
    this.graphs = new GraphStore<StoredGraph>(dir);
    const verdicts = new ParseCache<{ vendored: string | null }>(dir, 'content');
    const scans = new ParseCache<{ lines: [number, string][] }>(dir, 'rule-scans');
    this.blobPacks = [verdicts, scans];
    this.contentVerdicts = byCodeVersion(verdicts);
    this.ruleScans = byCodeVersion(scans);
    this.resolutionStore = new GraphStore<unknown>(dir, 8, 'resolution');
  }
  /** A resolution stored under `key` by this run or an earlier one (checked), or undefined. */
  resolution(key: string): StoredResolution | undefined {
    let r = this.resolutions.get(key);
    if (!r) {
      r = checkStoredResolution(this.resolutionStore.get(key));
      if (r) this.resolutions.set(key, r);
    }
    return r;
  }
  storeResolution(key: string, r: StoredResolution): void {
    this.resolutions.set(key, r);
    this.resolutionStore.set(key, r);
  }
  /** Graphs decoded in an earlier run that this run gave its sources (they go with the run). */
  private readonly keptGraphsInUse = new Set<CallGraph>();
  /** A graph decoded in an earlier run, given this run's sources. */
  useKeptGraph(graph: CallGraph): void {
    this.keptGraphsInUse.add(graph);
  }
  /** The run is over: a kept graph holds no source (nor, through it, any text) of it. */
  private dropSources(): void {
    for (const g of this.keptGraphsInUse) Object.assign(g, { files: new Map<string, GraphFile>() });
    this.keptGraphsInUse.clear();
  }
  /** Releases in-memory parse state that only this run could reuse, and writes nothing (a run made again). */
  abandon(): void {
    this.dropSources();
    typeScriptAnalysis?.releaseParsedFiles(false);
    this.resolutions.clear();
  }
  /** Writes the packs and releases in-memory parse state that only this run could reuse. */
  save(): void {
    this.dropSources();
    // before the packs are serialised: the parsed files are the largest thing still held
    typeScriptAnalysis?.releaseParsedFiles();
    this.resolutions.clear();
    persistCompilerCodeCache();
    this.facts.save();
    this.tsEdgePack.save();
    this.tsFacts.save();
    for (const p of this.blobPacks) p.save();
  }
}

/**
 * A cache under keys that name the gate's code too: what the gate's rules found in blobs (the
 * generated-code marker, the minified threshold, how a line is scanned are code), a TS/JS file's
 * edges (the walk is code). An entry made by other code is never taken for this code's answer.
 */
function byCodeVersion<T>(pack: ParseCache<T>): { get(key: string): T | undefined; set(key: string, value: T): void } {
  const versioned = (key: string): string => `${gateCodeVersion().slice(0, 16)}:${key}`;
  return { get: (key) => pack.get(versioned(key)), set: (key, value) => pack.set(versioned(key), value) };
}

/**
 * The call graph of one set of sources (a directory or one revision). Caching, outermost first:
 * the whole resolved graph per source tree; per-file facts of Python/Go/Java by content hash (a
 * warm run parses only files it has not seen); the TS/JS part by the hash of all TS/JS files (within one run), and
 * within it each file's syntax facts by content and its edges by its content plus its imports'
 * contents (a warm run builds a program of only the files to re-analyse and their imports).
 */
export async function buildCallGraph(
  sources: SourceFile[],
  caches: GraphCaches = new GraphCaches(undefined),
  treeKey = sourcesKey(sources),
  then: AfterBuild = 'done',
): Promise<CallGraph> {
  const stored = caches.graphs.get(treeKey);
  const decoded = decodeStored(stored, caches.stats);
  if (decoded) {
    caches.stats.graphsReused++;
    // assigned, not spread: spreading would read (and build) every edge map the decoded graph defers
    // the sources themselves: a text is read only if the decision uses it
    const graph: CallGraph = Object.assign(decoded, { files: new Map<string, GraphFile>(sources.map((s) => [s.path, s])) });
    if (keepsStateAcrossRuns()) caches.useKeptGraph(graph);
    noteStoredForm(graph, stored as StoredGraph);
    return graph;
  }
  const graph = await buildFresh(sources, caches, then);
  const encoded = encodeGraph(graph);
  caches.graphs.set(treeKey, encoded);
  noteStoredForm(graph, encoded);
  return graph;
}

/**
 * Graphs a long-lived process decoded from stored graphs it keeps (cache.ts keeps a parsed file,
 * frozen, while it is unchanged on disk: the same object from run to run), so the base's graph a
 * developer's runs all read is decoded, indexed and searched once, not on every run. A stored
 * graph names its sources by path and blob id, so what was derived from them (the call index, the
 * definitions by file, the lines read for the decision) holds for every run that reads it; each
 * run gives the graph its own sources.
 */
let decodedGraphs = new WeakMap<object, Omit<CallGraph, 'files'>>();

function decodeStored(stored: unknown, stats: GraphCaches['stats']): Omit<CallGraph, 'files'> | undefined {
  const keep = keepsStateAcrossRuns() && typeof stored === 'object' && stored !== null && Object.isFrozen(stored);
  let decoded = keep ? decodedGraphs.get(stored) : undefined;
  if (decoded) stats.graphsDecodedBefore = (stats.graphsDecodedBefore ?? 0) + 1;
  else {
    decoded = decodeGraph(stored);
    if (decoded && keep) decodedGraphs.set(stored, decoded);
  }
  return decoded;
}

/** Drops the graphs decoded in earlier runs (a run whose texts turned out stale is made again from nothing kept). */
export function forgetDecodedGraphs(): void {
  decodedGraphs = new WeakMap();
}

/** Identifies the graph of a set of sources by every path and content hash. */
function sourcesKey(sources: SourceFile[]): string {
  const h = createHash('sha256');
  for (const s of [...sources].sort((a, b) => (a.path < b.path ? -1 : 1))) h.update(`${s.path}\0${s.hash}\n`);
  return h.digest('hex');
}

/** Whether this process has loaded the TypeScript analysis already (a long-lived one, after its first run). */
export function isTypeScriptAnalysisLoaded(): boolean {
  return typeScriptAnalysis !== undefined;
}

/**
 * Loads the TypeScript analysis (the compiler with its code cache, then the analysis modules):
 * about 0.1 s, which a caller that knows it will need them can spend while git reads.
 */
export async function loadTypeScriptAnalysis(): Promise<typeof TsAnalysis> {
  if (!typeScriptAnalysis) {
    preloadCompiler();
    if (process.env.BULWARK_GATE_TIMING) process.stderr.write(`ts: compiler code cache ${codeCacheStatus()}\n`);
    typeScriptAnalysis = await import('./ts/analyze.js');
  }
  return typeScriptAnalysis;
}

function wellFormedFacts(f: FileFacts & { shape: string }): boolean {
  const lists = [f.scopes, f.classes, f.imports, f.bindings];
  return (
    typeof f.module === 'string' &&
    typeof f.shape === 'string' &&
    /^[0-9a-f]{64}$/.test(f.shape) &&
    lists.every(Array.isArray) &&
    f.scopes.every((x) => typeof x?.name === 'string' && Array.isArray(x.calls) && Array.isArray(x.refs)) &&
    f.imports.every((x) => typeof x?.module === 'string' && typeof x.local === 'string')
  );
}

type LanguageSupport = Awaited<ReturnType<(typeof languages)[OtherLanguage]>>;
const loadedLanguages = new Map<OtherLanguage, Promise<LanguageSupport>>();

function languageSupport(lang: OtherLanguage): Promise<LanguageSupport> {
  let l = loadedLanguages.get(lang);
  if (!l) loadedLanguages.set(lang, (l = languages[lang]()));
  return l;
}

/**
 * What the process does after a graph is built: `another graph` (base before head) makes the
 * build collect its resolutions' garbage before that one's allocations land on top of it.
 */
export type AfterBuild = 'done' | 'another graph';

/** A file's cached facts when well-formed (a malformed entry is parsed again like a missing one). */
function cachedFactsOf(file: { path: string; hash: string }, caches: GraphCaches): CachedFacts | undefined {
  const facts = caches.facts.get(`${file.hash}:${file.path}`);
  return facts && ('error' in facts ? typeof facts.error === 'string' : wellFormedFacts(facts)) ? facts : undefined;
}

/**
 * The files of a revision whose texts building its graph reads before it starts: the
 * Python/Go/Java files whose facts are not cached, and the TypeScript/JavaScript files. A caller
 * reads them together, before the build asks for them one by one. A process that must still load
 * the compiler reads every TypeScript file: git reads them on the other core while the compiler
 * loads, which costs less than a git process of its own later. A process that runs the gate again
 * and again (the resident gate) has it loaded after its first run: there only the tsconfig files
 * and the TypeScript files whose facts are not cached are read up front, and the analysis reads
 * the texts its programs hold together once it has planned them (reading every file took 60–90 ms
 * of a resident gate's evaluation after an edit at 100 kLOC with loose objects).
 */
export function textsToBuild<T extends { path: string; hash: string; language: GateLanguage }>(files: T[], caches: GraphCaches): T[] {
  const whenPlanned = keepsStateAcrossRuns() && typeScriptAnalysis !== undefined;
  return files.filter((f) =>
    f.language === 'ts' || f.language === 'js'
      ? !whenPlanned || isTsConfigFile(f.path) || caches.tsFacts.get(`${f.hash}:${f.path}`) === undefined
      : !cachedFactsOf(f, caches),
  );
}

async function buildFresh(sources: SourceFile[], caches: GraphCaches, then: AfterBuild): Promise<CallGraph> {
  readTextsOf(textsToBuild(sources, caches));
  const g = new GraphBuilder();
  const byLang = new Map<GateLanguage, Map<string, FileFacts>>();
  const tsSources: SourceFile[] = [];
  const tsConfigs: SourceFile[] = [];
  /** Every analysed Python/Go/Java file's shape, in the order the resolvers see the files. */
  const shapes: [string, string][] = [];
  for (const src of sources) {
    if ((src.language === 'ts' || src.language === 'js') && isTsConfigFile(src.path)) {
      tsConfigs.push(src);
      continue;
    }
    g.addFile(src.path, src);
    if (src.language === 'ts' || src.language === 'js') {
      tsSources.push(src);
      continue;
    }
    const key = `${src.hash}:${src.path}`;
    let facts = cachedFactsOf(src, caches);
    if (facts) caches.stats.reused++;
    else {
      caches.stats.parsed++;
      try {
        const extracted = await (await languageSupport(src.language)).extract(src.path, src.text);
        facts = Object.assign(extracted, { shape: shapeOf(extracted) });
      } catch (err) {
        // pathologically deep nesting (e.g. generated 10 000-term expressions) is reported like a
        // parse failure: the file is listed as unanalysable and flags the change when it changed
        if (err instanceof RangeError) facts = { error: 'nesting too deep to analyse' };
        else if (err instanceof ParseFailure) facts = { error: err.message };
        else throw err;
      }
      caches.facts.set(key, facts);
    }
    if ('error' in facts) {
      g.failed(src.path, facts.error);
      continue;
    }
    let m = byLang.get(src.language);
    if (!m) byLang.set(src.language, (m = new Map<string, FileFacts>()));
    m.set(src.path, facts);
    shapes.push([src.path, facts.shape]);
    registerDefs(g, src.path, facts);
  }
  const resolving = (['python', 'go', 'java'] as const).filter((lang) => byLang.has(lang));
  const keyOf = resolutionKeys(CACHE_FORMAT, shapes);
  for (const [i, lang] of resolving.entries()) {
    const key = keyOf(lang);
    const stored = caches.resolution(key);
    if (stored) {
      replayResolution(stored, g);
      caches.stats.resolutionsReused++;
      continue;
    }
    const facts = byLang.get(lang)!;
    const { resolve } = await languageSupport(lang);
    // the record's own maps are garbage too once it is encoded
    const work = (): StoredResolution => {
      const recording = new RecordingTarget(g);
      resolve(facts, recording);
      return recording.recorded();
    };
    // another language's resolution, the TypeScript analysis or the next graph's build would allocate on top of this one's garbage
    const moreToCome = i < resolving.length - 1 || tsSources.length > 0 || then === 'another graph';
    caches.storeResolution(key, moreToCome ? collectAfter(work, RESOLUTION_GARBAGE_BYTES) : work());
  }
  if (tsSources.length > 0) await addTsPart(g, tsSources, tsConfigs, caches);
  return g.finish();
}

/**
 * Heap growth across one language's resolution past which its working set is collected as soon as
 * it returns, when more work follows in the process. A resolution's flow sets and worklists live
 * long enough to be promoted, and are all garbage once it returns; left to V8, a cold run's two
 * resolutions (base, then head) let the heap grow by both before its next full collection. At
 * 100 kLOC of Python each leaves about 60 MB, and collecting base's lowered the cold run's peak RSS
 * from about 300 to 245 MB at no measurable CPU (V8 would have collected it anyway, later). After
 * the last resolution of a run (a warm run after an edit resolves only head) the collection would
 * be pure cost, about 6 % of that run's CPU: none then. Below the margin (small repositories) none
 * either.
 */
const RESOLUTION_GARBAGE_BYTES = 32 * 1024 * 1024;

function registerDefs(g: GraphBuilder, file: string, facts: FileFacts): void {
  const q = (local: string): string => (local ? (facts.module ? `${facts.module}.${local}` : local) : facts.module);
  for (const s of facts.scopes) g.addDef({ id: q(s.name), kind: s.kind, file, startLine: s.start, endLine: s.end });
  for (const b of facts.bindings) {
    const id = q(b.name);
    if (!g.hasDef(id)) g.addDef({ id, kind: 'binding', file, startLine: b.start, endLine: b.end });
    else if (g.kindOf(id) === 'binding') g.addDef({ id, kind: 'binding', file, startLine: b.start, endLine: b.end });
  }
}

async function addTsPart(g: GraphBuilder, sources: SourceFile[], configs: SourceFile[], caches: GraphCaches): Promise<void> {
  const h = createHash('sha256');
  for (const s of [...sources, ...configs].sort((a, b) => (a.path < b.path ? -1 : 1))) h.update(`${s.path}\0${s.hash}\n`);
  const key = h.digest('hex');
  let part = caches.tsParts.get(key);
  // the graph that analysed a part takes its definitions and maps (in a TypeScript-only
  // repository, a graph's every edge); a later graph of the same part (base and head alike) gets
  // copies, so no two share one
  const fresh = !part;
  if (part) caches.stats.tsReused++;
  else {
    caches.stats.tsAnalyses++;
    // loaded only when needed: the compiler is large and warm runs do not need it
    const analysis = await loadTypeScriptAnalysis();
    part = analysis.analyzeTypeScript(sources, { facts: caches.tsFacts, edges: caches.tsEdges }, caches.stats, { configs });
    caches.tsParts.set(key, part);
  }
  for (const d of part.defs) g.addDef(fresh ? d : { ...d });
  g.addEdges(part, fresh);
  for (const u of part.unparsable) g.failed(u.file, u.reason);
}

/**
 * PyCG's output: every function (and module) → the sorted names it calls. For Python, PyCG's
 * conventions: code in a class body counts for the enclosing function or module, and calling a
 * class is an edge to its `__init__` (when the repository defines one), not to the class (the
 * gate's own graph keeps the class edge so class bodies stay reachable).
 */
export function toPycg(graph: CallGraph): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const isPyClass = (id: string): boolean => {
    const d = graph.defs.get(id);
    return d?.kind === 'class' && d.file.endsWith('.py');
  };
  const owner = (id: string): string | undefined => {
    let cur = id;
    while (isPyClass(cur)) {
      const dot = cur.lastIndexOf('.');
      if (dot < 0) return undefined;
      cur = cur.slice(0, dot);
    }
    return graph.defs.has(cur) ? cur : undefined;
  };
  const ids = [...graph.defs.values()].filter((d) => d.kind !== 'binding' && d.kind !== 'class').map((d) => d.id);
  const isTsLike = (id: string): boolean => {
    const file = graph.defs.get(id)?.file;
    const lang = file === undefined ? undefined : graph.files.get(file)?.language;
    return lang === 'ts' || lang === 'js';
  };
  // A TS/JS method without a body (an interface member, an abstract method) calls nothing; the
  // gate links it to its implementations so a root on it covers them, which is dispatch, not a call
  const bodiless = (id: string): boolean => {
    const d = graph.defs.get(id);
    if (d?.kind !== 'method' || !isTsLike(id)) return false;
    const text =
      graph.files
        .get(d.file)
        ?.text.split('\n')
        .slice(d.startLine - 1, d.endLine)
        .join('\n') ?? '';
    // a field holding an arrow with an expression body (`handle = (x) => double(x);`) has no brace but a body
    const initialized = /^[^:=(]*(?::[^=]*)?=(?![=>])/.test(text.trim());
    return (!text.includes('{') && !initialized) || /^\s*(?:(?:public|protected|private)\s+)?abstract\b/.test(text);
  };
  const edges = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  for (const [from, tos] of graph.calls) {
    const caller = graph.defs.get(from)?.kind === 'class' ? owner(from) : from;
    const set = caller === undefined ? undefined : edges.get(caller);
    if (!set) continue;
    for (const to of tos) {
      const kind = graph.defs.get(to)?.kind;
      // PyCG names a constructor call after the constructor (`__init__`, `constructor`), which the
      // graph also holds when the class declares one; the class node itself is the gate's own
      if (kind === 'binding' || isPyClass(to) || (kind === 'class' && isTsLike(to)) || to === caller) continue;
      set.add(to);
    }
  }
  for (const id of ids.sort()) out[id] = bodiless(id) ? [] : [...edges.get(id)!].sort();
  return out;
}
