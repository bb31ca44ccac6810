import { z } from 'zod';
import { UsageError } from '../domain/errors.js';
import { cacheWritesWaitForAnswer, confirmCacheWrites, defaultCacheDir, discardCacheWrites, flushCacheWrites } from './cache.js';
import { gateConfigSchema, type GateConfig, type GateConfigInput } from './config.js';
import { BlobTexts } from './blob-texts.js';
import type { GitBatch } from './git-batch.js';
import { forgetRetainedTexts } from './retained-texts.js';
import { listThrough } from './tree-listing.js';
import { cachedNameLines, cachedRuleLines, decide, namedRootMatches, nonSourceName, textRules } from './decide.js';
import { parseUnifiedDiff, type FileChange } from './diff.js';
import { buildCallGraph, forgetDecodedGraphs, GraphCaches, isTypeScriptAnalysisLoaded, loadTypeScriptAnalysis, textsToBuild } from './graph.js';
import {
  GATE_DIFF_ARGS,
  gitBytesAsync,
  listingKey,
  listingOf,
  mergeBaseOf,
  knownContentVerdict,
  readListing,
  resolveCommits,
  revisionSources,
  type ExclusionReport,
  type RevisionListing,
  type SourceFilter,
} from './sources.js';
import { classifierContext, type ClassifierContext } from './classifier-context.js';
import { scoreSignals } from './signals.js';
import type { GateResult } from './types.js';

export type { ClassifierContext } from './classifier-context.js';
export type { GateSignals, GateSignal, ClassifierOutcome, GateLayer } from './types.js';
export type { GateResult, GatePath, ChangedFunction, ZoneMatch, GateReason, CallGraph, Definition } from './types.js';
export { gateConfigSchema, parseGateConfig, DEFAULT_ROOTS, type GateConfig, type GateConfigInput, type GateClassifierConfig, type GateZone } from './config.js';
export { buildCallGraph, toPycg, GraphCaches } from './graph.js';
export { keepStateAcrossRuns } from './long-lived.js';
export { readDirectorySources, readRevisionSources } from './sources.js';

export interface EvaluateGateOptions {
  repoDir: string;
  /** Base revision; the diff is `git diff base...head` (from their merge base). */
  base: string;
  head: string;
  /** The two revisions as commit ids when the caller resolved them already (base and head then only name them in messages). */
  commits?: { base: string; head: string };
  /** The `[gate]` table, parsed (GateConfig) or raw (defaults applied). */
  config?: GateConfig | GateConfigInput;
  /** Parse cache directory; default `[gate] cache_dir` or $XDG_CACHE_HOME/bulwark/gate; `null` disables it. */
  cacheDir?: string | null;
  /** Caches to use instead of opening `cacheDir` (lets a caller read the parse statistics). */
  caches?: GraphCaches;
  /** The run's open `git cat-file --batch` in repoDir, for the few blobs a warm run reads (the caller closes it). */
  objects?: GitBatch;
}

/**
 * Decides whether the change base...head needs a human: maps the changed lines to definitions
 * in both revisions, finds call paths between them and the regulated roots, applies the zone,
 * SQL and payment-host rules, and flags changed files it cannot parse (fail closed).
 */
export async function evaluateGate(opts: EvaluateGateOptions): Promise<GateResult> {
  return (await evaluateGateDetailed(opts)).result;
}

/**
 * The deterministic layers (static and signals) with what the classifier is shown (empty when it
 * will not be asked: a flagged change, one the signals do not route, or the classifier off). The
 * result's `layer` is `static` when the call graph or a rule flagged the change, `signals` when
 * the signal score decided (below the threshold, or the classifier disabled: the static pass stands).
 */
export async function evaluateGateDetailed(opts: EvaluateGateOptions): Promise<{ result: GateResult; context: ClassifierContext; config: GateConfig }> {
  const first = await attempt(opts);
  let run = first;
  if (!first.confirmed) {
    // a text a long-lived process kept from an earlier run is not what git gives for its id now
    // (the blob is gone, or replaced): nothing this run derived is kept or written, and it is made
    // again with every text from git, as a process of its own reads them (and answers, or fails)
    first.seen.caches?.abandon();
    discardCacheWrites();
    forgetRetainedTexts();
    forgetDecodedGraphs();
    run = await attempt({ ...opts, caches: new GraphCaches(first.seen.caches?.dir) });
    if (opts.caches && run.seen.caches) Object.assign(opts.caches.stats, run.seen.caches.stats);
  }
  if ('error' in run) {
    // a graph the failed run built waits unwritten (in a long-lived process): it is dropped, and so
    // is every parse it made, none of which the next run may take without its text check
    run.seen.caches?.abandon();
    discardCacheWrites();
    throw run.error;
  }
  const { done } = run;
  // what the run found reaches the cache only now: a run made again left nothing behind
  done.caches.save();
  confirmCacheWrites();
  if (!cacheWritesWaitForAnswer()) flushCacheWrites();
  if (done.failure) throw done.failure;
  return done.detailed;
}

/** What an evaluation had made when it ended, so a failed one can be checked and undone too. */
interface Seen {
  blobs?: BlobTexts;
  caches?: GraphCaches;
}

/**
 * One evaluation, and whether the texts it took from earlier runs (in a long-lived process) are
 * what git gives now: checked whether it succeeded or failed, since a stale text could have made
 * either outcome.
 */
async function attempt(opts: EvaluateGateOptions): Promise<({ done: EvaluatedOnce } | { error: unknown }) & { confirmed: boolean; seen: Seen }> {
  const seen: Seen = {};
  let outcome: { done: EvaluatedOnce } | { error: unknown };
  try {
    outcome = { done: await evaluateOnce(opts, seen) };
  } catch (error) {
    outcome = { error };
  }
  const confirmed = seen.blobs ? await seen.blobs.takenAsGitGivesThem() : true;
  return { ...outcome, confirmed, seen };
}

interface EvaluatedOnce {
  detailed: { result: GateResult; context: ClassifierContext; config: GateConfig };
  blobs: BlobTexts;
  caches: GraphCaches;
  /** A configuration error found once the graph was built (reported after the caches are saved, as always). */
  failure?: UsageError;
}

async function evaluateOnce(opts: EvaluateGateOptions, seen: Seen): Promise<EvaluatedOnce> {
  let config: GateConfig;
  try {
    config = gateConfigSchema.parse(opts.config ?? {});
  } catch (err) {
    if (err instanceof z.ZodError) {
      const issue = err.issues[0]!;
      throw new UsageError(`invalid [gate] config at gate.${issue.path.join('.')}: ${issue.message}`);
    }
    throw err;
  }
  const [headCommit, baseCommit] = opts.commits
    ? [opts.commits.head, opts.commits.base]
    : (resolveCommits(opts.repoDir, [opts.head, opts.base]) as [string, string]);
  const { mergeBase, diffText, baseTree, headTree } = await readChange(
    opts.repoDir,
    baseCommit,
    headCommit,
    { base: opts.base, head: opts.head },
    opts.objects,
  );
  const changes = parseUnifiedDiff(diffText);

  const cacheDir = opts.cacheDir === null ? undefined : (opts.cacheDir ?? config.cache_dir ?? defaultCacheDir());
  const caches = opts.caches ?? new GraphCaches(cacheDir);
  seen.caches = caches;
  const excluded: ExclusionReport = new Map();
  const filter = { languages: config.languages, exclude: config.exclude, includeVendored: config.include_vendored, excluded };
  const baseListing = listingOf(baseTree, filter);
  const headListing = listingOf(headTree, filter);
  const baseKey = listingKey(baseListing, filter);
  const headKey = listingKey(headListing, filter);
  const revisions: [ListedRevision, ListedRevision] = [
    { listing: baseListing, key: baseKey },
    { listing: headListing, key: headKey },
  ];
  const blobs = new BlobTexts(opts.repoDir, undefined, opts.objects);
  seen.blobs = blobs;
  const wanted = textsToRead(revisions, changes, filter, config, caches);
  // a revision without a stored graph that has TypeScript/JavaScript needs the compiler: it loads
  // while git reads the blobs (on the other core), instead of after
  const needsTypeScript = revisions.some((r) => !caches.graphs.has(r.key) && r.listing.entries.some((e) => e.language === 'ts' || e.language === 'js'));
  if (needsTypeScript) {
    // a few through the run's batch only once the compiler is loaded: while it loads, this thread
    // could not drain git's pipe
    const reading = (isTypeScriptAnalysisLoaded() ? blobs.readFew(wanted) : Promise.resolve(false)).then(async (done) => {
      if (!done) await blobs.readInBackground(wanted);
    });
    // observed now, so a failed read is never an unhandled rejection while the compiler loads
    reading.catch(() => undefined);
    await loadTypeScriptAnalysis();
    await reading;
  } else if (!(await blobs.readFew(wanted))) blobs.readNow(wanted);
  const baseSources = revisionSources(baseListing, blobs, filter, caches.contentVerdicts);
  const headSources = revisionSources(headListing, blobs, filter, caches.contentVerdicts);
  const baseGraph = await buildCallGraph(baseSources, caches, baseKey, headKey !== baseKey ? 'another graph' : 'done');
  const headGraph = await buildCallGraph(headSources, caches, headKey);
  const result = decide({
    base: { commit: mergeBase, graph: baseGraph },
    head: { commit: headCommit, graph: headGraph },
    changes,
    config,
    scans: caches.ruleScans,
  });
  result.excluded = [...excluded]
    .map(([pattern, files]) => ({ pattern, files: files.size }))
    .sort((a, b) => b.files - a.files || (a.pattern < b.pattern ? -1 : 1));
  const signals = scoreSignals({ diffText, changes, head: headGraph, changedFunctions: result.changedFunctions, config });
  result.signals = signals;
  result.layer = result.flagged ? 'static' : 'signals';
  const named = namedRootMatches(headGraph, config);
  let failure: UsageError | undefined;
  if (named === 0) {
    result.rootsWarning = `no configured root matches a definition in ${headCommit.slice(0, 12)} (roots: ${config.roots.slice(0, 6).join(', ')}${config.roots.length > 6 ? ', …' : ''}): the gate sees no call paths to regulated code; run \`bulwark gate roots --suggest\``;
    if (config.require_roots) failure = new UsageError(`[gate] require_roots: ${result.rootsWarning}`);
  }
  // only a change the classifier will be asked about needs what it is shown (other files' texts)
  const context =
    !failure && !result.flagged && signals.routed && config.classifier.enabled
      ? classifierContext(headGraph, result.changedFunctions, diffText, signals)
      : { changed: [], callers: [], callees: [], otherChanges: [], signals };
  caches.stats.blobsRead = blobs.read;
  caches.stats.blobsReadAlone = blobs.readAlone;
  caches.stats.blobsRetained = blobs.retained;
  return { detailed: { result, context, config }, blobs, caches, ...(failure ? { failure } : {}) };
}

/**
 * The change as git sees it: the merge base of base and head, the diff from it to head, and both
 * listings. Git runs on the other core while this thread waits, four commands at once: the two
 * listings, the merge base, and the diff from it (`--merge-base`), on the guess that the merge base
 * is the base commit (a branch made from it). When it is not (the base moved on since), the merge
 * base's listing is read then, the base's thrown away. When the diff fails (git cannot diff from
 * the merge base itself when there are several, after criss-cross merges), it is taken again from
 * the one `git merge-base` names, and that diff's failure is the one reported. Every command ends
 * before a failure is reported: the merge base's first, then the diff's, the base's and the head's.
 */
async function readChange(repoDir: string, baseCommit: string, headCommit: string, names: { base: string; head: string }, objects?: GitBatch) {
  // through the run's open batch when there is one: two processes fewer, each 5–10 ms of this
  // thread to start from a large process; ls-tree when it gives anything unexpected
  const list = async (commit: string): Promise<string> => (objects && (await listThrough(objects, commit))) ?? readListing(repoDir, commit);
  const headRun = list(headCommit);
  const baseRun = list(baseCommit);
  const mergeRun = mergeBaseOf(repoDir, baseCommit, headCommit, names);
  const diffRun = gitBytesAsync(repoDir, [...GATE_DIFF_ARGS, '--merge-base', baseCommit, headCommit]);
  await Promise.allSettled([mergeRun, diffRun, baseRun, headRun]);
  const mergeBase = await mergeRun;
  const diffAgain = diffRun.then(
    () => undefined,
    () => gitBytesAsync(repoDir, [...GATE_DIFF_ARGS, mergeBase, headCommit]),
  );
  const listAgain = mergeBase === baseCommit ? undefined : list(mergeBase);
  await Promise.allSettled([diffAgain, listAgain]);
  const diff = (await diffAgain) ?? (await diffRun);
  const baseTree = listAgain ? await listAgain : await baseRun;
  return { mergeBase, diffText: diff.toString('utf8'), baseTree, headTree: await headRun };
}

/**
 * The blobs a run reads from git before it builds and decides (together, in one git process): the
 * changed files of both revisions, the blobs whose content verdict or SQL/host scan is not cached,
 * what building a revision without a stored graph reads, and every file when a changed file is not
 * code (the decision looks for its name in every file). Anything else is read when first used.
 */
function textsToRead(
  revisions: [base: ListedRevision, head: ListedRevision],
  changes: FileChange[],
  filter: SourceFilter,
  config: GateConfig,
  caches: GraphCaches,
): Set<string> {
  const wanted = new Set<string>();
  const rules = textRules(config);
  // a changed file that is not source changes the definitions naming it: every source is searched
  // for its name, unless an earlier run searched that blob for it
  const names = [...new Set(changes.flatMap((ch) => [nonSourceName(ch.oldPath), nonSourceName(ch.newPath)]).filter((n) => n !== undefined))];
  const namesUnknown = (hash: string): boolean => names.some((n) => !cachedNameLines(caches.ruleScans, n, hash));
  const changedPaths = [new Set(changes.flatMap((ch) => ch.oldPath ?? [])), new Set(changes.flatMap((ch) => ch.newPath ?? []))];
  for (const [i, { listing, key }] of revisions.entries()) {
    // a file the content rules drop is in no graph: nothing reads it
    const kept = listing.entries.filter((e) => {
      const verdict = knownContentVerdict(filter, caches.contentVerdicts, e.hash, e.path);
      if (verdict === undefined) wanted.add(e.hash);
      return typeof verdict !== 'string';
    });
    for (const e of kept)
      if (changedPaths[i]!.has(e.path) || (rules && !cachedRuleLines(caches.ruleScans, rules, e.hash)) || namesUnknown(e.hash)) wanted.add(e.hash);
    if (!caches.graphs.has(key)) for (const e of textsToBuild(kept, caches)) wanted.add(e.hash);
  }
  return wanted;
}

/** A revision's listing and the key its stored graph has. */
interface ListedRevision {
  listing: RevisionListing;
  key: string;
}
