import { assembleGraph } from './assemble.js';
import { planEdges } from './edge-cache.js';
import { FileEdgesCollector } from './file-edges.js';
import { collectFacts } from './file-facts.js';
import { RepositoryHost } from './host.js';
import { PROGRAM_BUDGET_CHARS, type TsAnalysisCache, type TsAnalysisOptions, type TsAnalysisStats, type TsGraphPart } from './model.js';
import { ProgramIndex } from './program-index.js';
import { planProgramGroups } from './program-plan.js';
import { runPrograms } from './programs.js';
import { collectDefinitions } from './repository-definitions.js';
import { RetainedState } from './retained-state.js';
import { memText, PhaseTimes } from './syntax.js';
import { VirtualRepository, type RepositoryFile } from './virtual-repository.js';
import { isWarmedUp, warmUp, warmUpSample } from './warm-up.js';

export { PROGRAM_BUDGET_CHARS } from './model.js';
export type { TsAnalysisCache, TsAnalysisOptions, TsAnalysisStats, TsCacheLike, TsFileEdges, TsFileFacts, TsGraphPart } from './model.js';

export function isTsLike(file: string): boolean {
  return /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/.test(file) && !/\.d\.[mc]?ts$/.test(file);
}

/** Parsed files and module resolutions this process keeps from one analysis for the next. */
const retained = new RetainedState();

/**
 * Drops the parsed files kept for the next program (a long-lived process calls this after a gate
 * run, and keeps what retained-state.ts says unless the run is being made again from nothing kept).
 */
export function releaseParsedFiles(keepForNextRun = true): void {
  retained.release(keepForNextRun);
}

/** The parsed files kept for the next program, by key (what a test can see of the retained state). */
export function retainedSourceFiles(): ReadonlyMap<string, unknown> {
  return retained.sourceFiles;
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
 *
 * A large cold analysis first runs once on a small sample of the repository's files (see
 * warm-up.ts): V8 then compiles the parser and the walk once, not again when a program's objects
 * first appear.
 *
 * Stages: syntax facts of every file (cached by content), the repository's definitions, which
 * files' edges are cached and which need a checker, the programs that walk those (grouped so one
 * program stays within a budget), and the assembly of every file's edges into the graph.
 */
export function analyzeTypeScript(files: RepositoryFile[], cache?: TsAnalysisCache, stats?: TsAnalysisStats, opts: TsAnalysisOptions = {}): TsGraphPart {
  const repo = new VirtualRepository(files);
  const t0 = performance.now();
  if (process.env.BULWARK_GATE_TIMING) process.stderr.write(`ts: start heap/RSS ${memText(process.memoryUsage())}\n`);
  const budget = opts.programBudgetChars ?? PROGRAM_BUDGET_CHARS;
  const sample = opts.warmUp === false || isWarmedUp() ? undefined : warmUpSample(repo, cache, budget);
  if (sample) {
    // no cache and no stats: the sample's results are discarded; of its parses only the
    // library's are kept, for the first program (which reuses them when it holds the same library)
    const ms = warmUp(() => retained.aside(() => analyzeTypeScript(sample, undefined, undefined, opts)));
    if (stats) stats.tsWarmUpFiles = sample.length;
    if (process.env.BULWARK_GATE_TIMING) process.stderr.write(`ts: warmed up on ${sample.length} files, ${Math.round(ms)} ms\n`);
  }
  const timing = process.env.BULWARK_GATE_TIMING ? new PhaseTimes() : undefined;
  const { facts, heldParses } = collectFacts(repo, cache, budget);
  timing?.mark('facts');
  const host = new RepositoryHost(repo, facts, retained, opts.configs, stats);
  const definitions = collectDefinitions(repo.all, facts);
  timing?.mark('definitions');
  const plan = planEdges(repo, facts, host, definitions.byShortName, definitions.knownNames, cache);
  timing?.mark('plan');

  const index = new ProgramIndex();
  const edges = new FileEdgesCollector({ repo, facts, definitions, host, index, plan, cache, stats });
  const groups = planProgramGroups(repo, facts, plan.toWalk, heldParses, retained, budget, opts.programBudgetChars !== undefined);
  runPrograms({ repo, facts, host, index, retained, stats, walkFile: edges.walkFile }, groups);
  timing?.mark('programs');
  if (stats) stats.tsFilesReused += plan.cachedEdges.size;

  const part = assembleGraph({ all: repo.all, facts, definitions, host }, edges.entries());
  timing?.mark('assembly');
  if (timing) process.stderr.write(`ts: ${groups.length} programs, ${Math.round(performance.now() - t0)} ms in all (${timing.text()})\n`);
  return part;
}
