import { z } from 'zod';
import { UsageError } from '../domain/errors.js';
import { defaultCacheDir } from './cache.js';
import { gateConfigSchema, type GateConfig, type GateConfigInput } from './config.js';
import { decide, namedRootMatches } from './decide.js';
import { parseUnifiedDiff } from './diff.js';
import { buildCallGraph, GraphCaches, loadTypeScriptAnalysis } from './graph.js';
import {
  gitBytesAsync,
  listingKey,
  listingOf,
  mergeBaseOf,
  readBlobs,
  readBlobsInBackground,
  readListing,
  resolveCommits,
  revisionSources,
  type ExclusionReport,
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
  /** The `[gate]` table, parsed (GateConfig) or raw (defaults applied). */
  config?: GateConfig | GateConfigInput;
  /** Parse cache directory; default `[gate] cache_dir` or $XDG_CACHE_HOME/bulwark/gate; `null` disables it. */
  cacheDir?: string | null;
  /** Caches to use instead of opening `cacheDir` (lets a caller read the parse statistics). */
  caches?: GraphCaches;
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
 * The deterministic layers (static and signals) with what the classifier would be shown. The
 * result's `layer` is `static` when the call graph or a rule flagged the change, `signals` when
 * the signal score decided (below the threshold, or the classifier disabled: the static pass stands).
 */
export async function evaluateGateDetailed(opts: EvaluateGateOptions): Promise<{ result: GateResult; context: ClassifierContext; config: GateConfig }> {
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
  const [headCommit, baseCommit] = resolveCommits(opts.repoDir, [opts.head, opts.base]) as [string, string];
  // git runs on the other core while this thread waits: the head's listing with the merge base,
  // then the diff and the base's listing; every run ends before a failure is reported, the merge
  // base's first, then the diff's, the base's and the head's
  const headRun = readListing(opts.repoDir, headCommit);
  // observed now, so a failed listing is never an unhandled rejection while the merge base runs
  const headDone = headRun.then(
    () => undefined,
    () => undefined,
  );
  const mergeBase = await mergeBaseOf(opts.repoDir, baseCommit, headCommit, { base: opts.base, head: opts.head }).catch(async (err: unknown) => {
    await headDone;
    throw err;
  });
  const diffRun = gitBytesAsync(opts.repoDir, ['diff', '--no-renames', '--no-color', '--no-ext-diff', '-U0', mergeBase, headCommit]);
  const baseRun = readListing(opts.repoDir, mergeBase);
  await Promise.allSettled([diffRun, baseRun, headRun]);
  const diffText = (await diffRun).toString('utf8');
  const baseTree = await baseRun;
  const headTree = await headRun;
  const changes = parseUnifiedDiff(diffText);

  const cacheDir = opts.cacheDir === null ? undefined : (opts.cacheDir ?? config.cache_dir ?? defaultCacheDir());
  const caches = opts.caches ?? new GraphCaches(cacheDir);
  const excluded: ExclusionReport = new Map();
  const filter = { languages: config.languages, exclude: config.exclude, includeVendored: config.include_vendored, excluded };
  const baseListing = listingOf(baseTree, filter);
  const headListing = listingOf(headTree, filter);
  const baseKey = listingKey(baseListing, filter);
  const headKey = listingKey(headListing, filter);
  const blobs = [...new Set([...baseListing.entries, ...headListing.entries].map((e) => e.hash))];
  // a revision without a stored graph that has TypeScript/JavaScript needs the compiler: it loads
  // while git reads the blobs (on the other core), instead of after
  const needsTypeScript = [
    { listing: baseListing, key: baseKey },
    { listing: headListing, key: headKey },
  ].some((r) => !caches.graphs.has(r.key) && r.listing.entries.some((e) => e.language === 'ts' || e.language === 'js'));
  let texts: Map<string, string>;
  if (needsTypeScript) {
    const reading = readBlobsInBackground(opts.repoDir, blobs);
    // observed now, so a failed read is never an unhandled rejection while the compiler loads
    reading.catch(() => undefined);
    await loadTypeScriptAnalysis();
    texts = await reading;
  } else texts = readBlobs(opts.repoDir, blobs);
  const baseSources = revisionSources(baseListing, texts, filter);
  const headSources = revisionSources(headListing, texts, filter);
  const baseGraph = await buildCallGraph(baseSources, caches, baseKey, headKey !== baseKey ? 'another graph' : 'done');
  const headGraph = await buildCallGraph(headSources, caches, headKey);
  caches.save();
  const result = decide({ base: { commit: mergeBase, graph: baseGraph }, head: { commit: headCommit, graph: headGraph }, changes, config });
  result.excluded = [...excluded]
    .map(([pattern, files]) => ({ pattern, files: files.size }))
    .sort((a, b) => b.files - a.files || (a.pattern < b.pattern ? -1 : 1));
  const signals = scoreSignals({ diffText, changes, head: headGraph, changedFunctions: result.changedFunctions, config });
  result.signals = signals;
  result.layer = result.flagged ? 'static' : 'signals';
  const named = namedRootMatches(headGraph, config);
  if (named === 0) {
    result.rootsWarning = `no configured root matches a definition in ${headCommit.slice(0, 12)} (roots: ${config.roots.slice(0, 6).join(', ')}${config.roots.length > 6 ? ', …' : ''}): the gate sees no call paths to regulated code; run \`bulwark gate roots --suggest\``;
    if (config.require_roots) throw new UsageError(`[gate] require_roots: ${result.rootsWarning}`);
  }
  return { result, context: classifierContext(headGraph, result.changedFunctions, diffText, signals), config };
}
