import { mutationStageRunner, onceRunner, optionalRunner } from './mutation-stage.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import picomatch from 'picomatch';
import { changeHashFromRepo } from '../approval/change-hash.js';
import { resolveAuditConfigPaths } from '../audit/config.js';
import { clipText } from '../domain/audit-entries.js';
import { ExitCode, InternalError, SandboxError, UsageError } from '../domain/errors.js';
import { gateDecisionEntry, gateUnavailableEntry } from '../domain/run-entries.js';
import { withRun, type Run } from './lifecycle.js';
import { spawnSandboxed } from '../sandbox/launcher.js';
import type { SandboxSpawner } from '../sandbox/worker-host.js';
import { evaluateGateDetailed, type GateConfig, type GateResult } from '../gate/index.js';
import { layerLine } from '../gate/render.js';
import { applyClassifier } from './gate-classifier.js';
import { auditWithRoutes, residencyFor } from './zone-residency.js';
import { packageVersion } from '../sandbox/package-paths.js';
import { MAX_CONTEXT_DIFF_CHARS, renderFileDiff } from '../pipeline/context.js';
import { createProgressReporter, resolveProviders, runPipeline, NO_PROVIDER_HELP, type PipelineResult } from '../pipeline/index.js';
import { providersDigest } from '../llm/select.js';
import { acquireChange, incrementalChange, type AcquireOptions } from '../review/acquire.js';
import { carryOverFindings } from '../review/carry-over.js';
import { loadBaseConfig, type BaseConfig } from './base-config.js';
import type { Change, ChangedFile } from '../domain/change.js';
import { reviewConfigSchema, type ReviewConfig } from '../review/config.js';
import { changeForChunk, markChunksNotReviewed, notFullyReviewed, planCoverage, type CoveragePlan } from '../review/coverage.js';
import { findingSchema, SEVERITIES, type Finding } from '../protocol/findings.js';
import { createOctokit, parseRepository, publishReview, type GithubTarget, type PublishResult } from '../review/github.js';
import { createGitlab, postGitlabStatus, publishGitlabReview, type GitlabClient, type GitlabPublishResult, type GitlabTarget } from '../review/gitlab.js';
import { incrementalBaseInLog, previousRunInLog, type IncrementalBase } from './previous-run.js';
import { publishApprovalCheck } from '../approval/github.js';
import { BULWARK_STAGE, decide } from '../domain/verdict.js';
import { addCounts, redactionEntries, type RedactionCounts } from '../domain/redact.js';
import { buildReport, type ReportGate, type ReviewReport } from '../review/report.js';
import { detectInjection, untrustedTextsOf } from '../domain/untrusted.js';
import { isAncestor, resolveCommit, workTreeTop } from '../review/git.js';
import { headCommitAuthor, runChangeFacts } from '../review/run-facts.js';
import { stageStats, type RunStats } from '../review/render-verbose.js';
import { colorMode } from '../domain/terminal.js';
import { preflight, type PathFlag } from './preflight.js';
import { repositoryWebUrl } from '../review/links.js';
import { addUsage, type UsageSummary } from '../llm/gateway.js';
import { reportUsage } from '../review/usage.js';

/**
 * One `bulwark review` run, as a library call: acquire the change, load configuration from the
 * base revision, run the gate, plan coverage, add Bulwark's own findings, run the pipeline,
 * decide, record everything in the audit log, and optionally publish to GitHub.
 */
export interface ReviewRunOptions extends Omit<AcquireOptions, 'env'> {
  env: NodeJS.ProcessEnv;
  configFile?: string;
  auditDb?: string;
  failOn?: string;
  minConfidence?: string;
  github?: boolean;
  /** Publish to the GitLab merge request (summary note, inline discussions, commit status). */
  gitlab?: boolean;
  force?: boolean;
  /** Review the whole change even when the audit log holds a review of an earlier head of this PR. */
  full?: boolean;
  /** Stage progress lines (stderr by default; null for none). */
  progress?: (NodeJS.WritableStream & { isTTY?: boolean }) | null;
  /** Progress lines name each stage's provider, model and tokens. */
  verbose?: boolean;
  /** Files the caller writes once the run is over (`--output`, `--result`): checked writable before anything runs. */
  outputs?: PathFlag[];
}

export interface ReviewRunResult {
  exitCode: number;
  report: ReviewReport | null;
  /** Set when GitHub already has a review of this head SHA with this configuration. */
  skipped?: { exitCode: number; via: string; message: string };
  change: Change;
  coverage?: CoveragePlan;
  publish?: PublishResult;
  gitlabPublish?: GitlabPublishResult;
  publishError?: string;
  /** Timings, models and tokens of the run (what `--verbose` prints); absent for a skipped run. */
  stats?: RunStats;
  /** Where the run was recorded (the HTML report is rendered from the log). */
  auditLocation?: string;
}

function effectiveReviewConfig(base: ReviewConfig, opts: ReviewRunOptions): ReviewConfig {
  const out = { ...base };
  if (opts.failOn !== undefined) {
    if (![...SEVERITIES, 'none'].includes(opts.failOn))
      throw new UsageError(`--fail-on ${JSON.stringify(opts.failOn)}: expected one of ${[...SEVERITIES, 'none'].join(', ')}`);
    out.fail_on = opts.failOn as ReviewConfig['fail_on'];
  }
  if (opts.minConfidence !== undefined) {
    const x = Number(opts.minConfidence);
    if (opts.minConfidence.trim() === '' || !Number.isFinite(x) || x < 0 || x > 1)
      throw new UsageError(`--min-confidence ${JSON.stringify(opts.minConfidence)}: expected a number from 0 to 1`);
    out.min_confidence = x;
  }
  return reviewConfigSchema.parse(out);
}

/** Findings for edits to the files that configure the review: reviewed with base versions instead. */
export function protectedEditFindings(change: Change, review: ReviewConfig, configPaths: string[], source: BaseConfig['source'] = 'base'): Finding[] {
  // a change that introduces the configuration is flagged for approval as a whole instead
  if (source === 'head') return [];
  const used = source === 'file' ? "the configuration given with --config, not this change's version" : "the base revision's version";
  const match = picomatch(review.protected_paths, { dot: true });
  const known = new Set(configPaths);
  const out: Finding[] = [];
  for (const f of change.files) {
    const hit = [f.path, f.oldPath].find((p): p is string => p !== null && (known.has(p) || match(p)));
    if (!hit) continue;
    out.push({
      file: f.path,
      line: 0,
      severity: 'high',
      category: 'bulwark-config',
      message: `This change edits ${hit}, which configures the Bulwark review (configuration, topology or prompts). This review used ${used}; the edit needs a human reviewer and takes effect only after merge.`,
      confidence: 1,
      stage: BULWARK_STAGE,
      ruleId: 'bulwark/config-edited',
    });
  }
  return out;
}

const CONFIG_INTRODUCED =
  'this change introduces the Bulwark configuration (the base revision has none): it was reviewed with its own configuration, which a human must approve before it is trusted';

function regulatedFilesOf(gate: GateResult): string[] {
  const files = new Set<string>();
  for (const z of gate.zones) for (const f of z.files) files.add(f);
  for (const r of gate.reasons) if (r.file) files.add(r.file);
  const onPath = new Set(gate.paths.map((p) => p.changed));
  for (const c of gate.changedFunctions) if (onPath.has(c.id)) files.add(c.file);
  return [...files];
}

function reportGate(gate: GateResult | null, unavailable: string | null): ReportGate | null {
  if (unavailable) return { flagged: true, reasons: [{ kind: 'unavailable', message: unavailable }], paths: [], zones: [] };
  if (!gate) return null;
  return {
    flagged: gate.flagged,
    reasons: gate.reasons.map((r) => ({ kind: r.kind, message: r.message, ...(r.file ? { file: r.file } : {}) })),
    paths: gate.paths.map((p) => p.text),
    zones: gate.zones.map((z) => z.name),
    ...(gate.layer ? { layer: gate.layer, decidedBy: layerLine(gate) } : {}),
    ...(gate.rootsWarning ? { warnings: [gate.rootsWarning] } : {}),
  };
}

const HUNK_PROBE: ChangedFile = {
  path: 'x',
  oldPath: 'x',
  newPath: 'x',
  status: 'modified',
  operation: 'modified',
  binary: false,
  submodule: false,
  nonUtf8: false,
  additions: 0,
  deletions: 0,
  hunks: [],
};

/** Caps of what the gate result contributes to a stage's context (it is data, not the decision). */
const GATE_CONTEXT_CAPS = { reasons: 100, paths: 100, changedFunctions: 300, unparsable: 100 };

/**
 * The gate result as the pipeline sees it: complete verdict, zones and read scope, with long
 * lists capped (a 10,000-file change would otherwise exceed the model's context on its own).
 */
export function gateForPipeline(g: GateResult): Record<string, unknown> & { readScope: string[] } {
  const capped = <T>(xs: T[], n: number): T[] => xs.slice(0, n);
  return {
    flagged: g.flagged,
    reasons: capped(g.reasons, GATE_CONTEXT_CAPS.reasons),
    paths: capped(g.paths, GATE_CONTEXT_CAPS.paths).map((p) => ({ root: p.root, changed: p.changed, direction: p.direction, text: p.text })),
    zones: g.zones,
    readScope: g.readScope,
    changedFunctions: capped(g.changedFunctions, GATE_CONTEXT_CAPS.changedFunctions).map((f) => ({ id: f.id, file: f.file, revision: f.revision, via: f.via })),
    unparsable: capped(g.unparsable, GATE_CONTEXT_CAPS.unparsable),
    roots: g.roots,
    omitted: {
      reasons: Math.max(0, g.reasons.length - GATE_CONTEXT_CAPS.reasons),
      paths: Math.max(0, g.paths.length - GATE_CONTEXT_CAPS.paths),
      changedFunctions: Math.max(0, g.changedFunctions.length - GATE_CONTEXT_CAPS.changedFunctions),
      unparsable: Math.max(0, g.unparsable.length - GATE_CONTEXT_CAPS.unparsable),
    },
  };
}

export async function runReview(opts: ReviewRunOptions): Promise<ReviewRunResult> {
  const started = performance.now();
  // unreadable inputs and unwritable outputs fail here, before the audit log or a model is touched
  preflight(
    [
      ...(opts.diff !== undefined ? [{ flag: '--diff', file: opts.diff }] : []),
      ...(opts.githubEvent !== undefined ? [{ flag: '--github-event', file: opts.githubEvent }] : []),
      ...(opts.configFile !== undefined ? [{ flag: '--config', file: opts.configFile }] : []),
    ],
    opts.outputs ?? [],
  );
  const phases = phaseTimer();
  // run from anywhere in the work tree: the checkout's top level is what stages read and where the configuration lives
  const repoDir = workTreeTop(opts.repoDir);
  const change = await acquireChange({ ...opts, repoDir });
  phases.mark('change');

  const isGit = (await resolveCommit(repoDir, 'HEAD')) !== null;
  const configRev = change.baseSha ?? (isGit && !opts.configFile ? 'HEAD' : null);
  const base = await loadBaseConfig({
    repoDir,
    rev: opts.configFile ? null : configRev,
    // a base without bulwark.toml: the change introduces Bulwark, reviewed with its own configuration
    ...(change.baseSha && change.headSha && isGit ? { headRev: change.headSha } : {}),
    ...(opts.configFile ? { configFile: opts.configFile } : {}),
    version: packageVersion,
  });
  try {
    phases.mark('configuration');
    const review = effectiveReviewConfig(base.review, opts);
    if (!base.topology) throw new UsageError(`no topology configured: set topology = "<file>" in bulwark.toml (${base.origin})`);
    const topology = base.topology;

    // GitHub: resolve the target first so a missing token fails before any model call.
    let octokit: ReturnType<typeof createOctokit> | null = null;
    let target: GithubTarget | null = null;
    if (opts.github) {
      const token = opts.env.GITHUB_TOKEN || opts.env.GH_TOKEN;
      if (!token) throw new UsageError('--github needs a token in GITHUB_TOKEN (or GH_TOKEN)');
      const repository = change.pr?.provider === 'github' ? change.pr.repository : opts.env.GITHUB_REPOSITORY;
      if (!repository) throw new UsageError('--github needs the repository: a pull_request event (--github-event / GITHUB_EVENT_PATH) or GITHUB_REPOSITORY');
      if (!change.headSha) throw new UsageError('--github needs the head commit SHA (pass --head or a pull_request event)');
      let owner: { owner: string; repo: string };
      try {
        owner = parseRepository(repository);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      target = { ...owner, pullNumber: change.pr?.provider === 'github' ? change.pr.number : null, headSha: change.headSha };
      octokit = createOctokit(token, opts.env.GITHUB_API_URL || review.github.api_url, {
        rateLimitRetries: review.github.rate_limit_retries,
        maxWaitSeconds: review.github.max_rate_limit_wait_seconds,
        serverErrorRetries: review.github.server_error_retries,
        writeIntervalMs: review.github.write_interval_ms,
      });
    }

    const gitlab = opts.gitlab ? gitlabTargetOf(opts, change, review) : null;

    const providers = await resolveProviders({ config: base.config.provider, configDir: repoDir, env: opts.env });
    // "this configuration": the base's config files, the effective review settings, and which
    // providers, endpoints and default models review (a re-run elsewhere is not the same review)
    const configHash = createHash('sha256').update(base.contentHash).update(JSON.stringify(review)).update(providersDigest(providers)).digest('hex');
    // Relative [audit] paths are relative to bulwark.toml's folder: the --config file's (or the
    // working tree's), else the checkout's root — a base-revision config is parsed from a temp copy.
    const configDir = opts.configFile || configRev === null ? base.config.dir : repoDir;
    const auditConfig = base.config.audit ? resolveAuditConfigPaths(base.config.audit, configDir) : undefined;
    const gateConfig = base.config.gate?.cache_dir ? { ...base.config.gate, cache_dir: path.resolve(configDir, base.config.gate.cache_dir) } : base.config.gate;
    return await withRun(
      { kind: 'review', ...(opts.auditDb ? { auditDb: opts.auditDb } : {}), ...(auditConfig ? { auditConfig } : {}), startedAt: started },
      async (run) => {
        const audit = run.audit;
        // base...head hashed once: the skip below, run_started and the gate decision all name it
        const changeHash =
          isGit && change.baseSha && change.headSha ? (await changeHashFromRepo(repoDir, change.baseSha, change.headSha)).changeHash : undefined;
        // A re-run on the same head (e.g. after an approval) repeats the recorded verdict instead of
        // calling the models again; only the audit log is believed, never a GitHub check or status.
        if ((opts.github || opts.gitlab) && !opts.force && changeHash && change.source.kind !== 'patch' && change.headSha) {
          const prev = await previousRunInLog(
            audit.store,
            { head: change.headSha, changeHash, configHash },
            { gate: gateConfig, approvals: base.config.approvals, configDir: base.config.dir },
          );
          if (prev) {
            const head = change.headSha.slice(0, 12);
            // the earlier run's check may predate the approvals (or its publishing may have failed):
            // a passing verdict is published again, so the required `bulwark` check turns green
            if (prev.exitCode === 0 && gitlab) {
              const summary = prev.via === 'approval' ? `run ${prev.runId}: the approvals its zones require are in the audit log` : `run ${prev.runId} passed`;
              await postGitlabStatus(gitlab.api, gitlab.target, 'success', summary, gitlab.detailsUrl).catch((err: unknown) => {
                throw new InternalError(`GitLab publishing failed: ${(err as Error).message.split('\n')[0]}`);
              });
            }
            if (prev.exitCode === 0 && target) {
              const summary = prev.via === 'approval' ? `run ${prev.runId}: the approvals its zones require are in the audit log` : `run ${prev.runId} passed`;
              await publishApprovalCheck({
                repository: `${target.owner}/${target.repo}`,
                headSha: change.headSha,
                approved: true,
                summary,
                token: (opts.env.GITHUB_TOKEN || opts.env.GH_TOKEN)!,
                apiUrl: opts.env.GITHUB_API_URL || review.github.api_url,
              }).catch((err: unknown) => {
                throw new InternalError(`GitHub publishing failed: ${(err as Error).message.split('\n')[0]}`);
              });
            }
            return {
              exitCode: prev.exitCode,
              report: null,
              change,
              skipped: {
                ...prev,
                message:
                  prev.via === 'approval'
                    ? `head ${head} was reviewed with this configuration (run ${prev.runId}) and the audit log holds the approvals it required (exit 0); use --force to review again`
                    : `head ${head} was already reviewed with this configuration (run ${prev.runId} in the audit log, exit ${prev.exitCode}); use --force to review again`,
              },
            };
          }
        }
        // A new push to a PR reviewed before: the models see only the commits since the last
        // reviewed head the audit log records (never a forge's status), unless --full.
        let incremental: Ctx['incremental'] = null;
        if (!opts.full && isGit && change.pr && change.baseSha && change.headSha && change.source.kind !== 'patch') {
          const pr = {
            provider: change.pr.provider,
            number: change.pr.number,
            ...(change.pr.repository ? { repository: clipText(change.pr.repository) } : {}),
          };
          const d = await incrementalBaseInLog(audit, {
            pr,
            head: change.headSha,
            base: change.baseSha,
            configHash,
            isAncestor: (a, b) => isAncestor(repoDir, a, b),
          });
          if (d?.kind === 'incremental') {
            incremental = { from: d.from, change: await incrementalChange(change, d.from.head) };
            if (opts.progress !== null)
              (opts.progress ?? process.stderr).write(
                `bulwark: incremental review: the commits since ${d.from.head.slice(0, 12)} (run ${d.from.runId}); --full reviews everything\n`,
              );
          } else if (d?.kind === 'full' && opts.progress !== null) (opts.progress ?? process.stderr).write(`bulwark: full review: ${d.reason}\n`);
        }
        return await reviewWithAudit({
          opts,
          change,
          changeHash,
          review,
          topology,
          configHash,
          base,
          gateConfig,
          run,
          providers,
          octokit,
          target,
          gitlab,
          repoDir,
          isGit,
          incremental,
          phases,
          started,
        });
      },
    );
  } finally {
    base.cleanup();
  }
}

interface Ctx {
  opts: ReviewRunOptions;
  change: Change;
  review: ReviewConfig;
  topology: NonNullable<Awaited<ReturnType<typeof loadBaseConfig>>['topology']>;
  configHash: string;
  base: Awaited<ReturnType<typeof loadBaseConfig>>;
  /** `[gate]` with `cache_dir` resolved against bulwark.toml's folder. */
  gateConfig: GateConfig | undefined;
  run: Run;
  providers: Awaited<ReturnType<typeof resolveProviders>>;
  octokit: ReturnType<typeof createOctokit> | null;
  target: GithubTarget | null;
  gitlab: GitlabPublishing | null;
  repoDir: string;
  isGit: boolean;
  /** Hash of base...head (the approval binding), when both revisions are in a local repository. */
  changeHash: string | undefined;
  /** An incremental review: the earlier review it continues from and the change since its head. */
  incremental: { from: IncrementalBase; change: Change } | null;
  phases: PhaseTimer;
  started: number;
}

interface PhaseTimer {
  /** Ends the current phase under this name (it began where the previous one ended). */
  mark(name: string): void;
  readonly list: { name: string; ms: number }[];
}

function phaseTimer(): PhaseTimer {
  let last = performance.now();
  const list: { name: string; ms: number }[] = [];
  return {
    list,
    mark(name) {
      const now = performance.now();
      list.push({ name, ms: Math.round(now - last) });
      last = now;
    },
  };
}

async function reviewWithAudit(c: Ctx): Promise<ReviewRunResult> {
  const { change, review, run, opts } = c;
  const { audit, runId } = run;
  const canGate = Boolean(c.isGit && change.baseSha && change.headSha);
  const changeHash = c.changeHash;
  await run.start({
    repo: c.repoDir,
    ...(change.baseSha ? { base: change.baseSha } : {}),
    ...(change.headSha ? { head: change.headSha } : {}),
    // what the models reviewed: for a patch that is the patch, not base..head, so no change hash
    // (a patch run can then never stand in for a review of the revisions)
    ...(changeHash && change.source.kind !== 'patch' ? { change_hash: changeHash } : {}),
    config_hash: `sha256:${c.configHash}`,
    bulwark_version: packageVersion,
    config_source: c.base.source,
    ...(c.incremental ? { incremental_from: c.incremental.from.head } : {}),
    ...runChangeFacts(change, opts.env, c.isGit && change.headSha ? await headCommitAuthor(c.repoDir, change.headSha) : undefined),
  });

  // The gate. Without revisions (a bare patch) it cannot run: that is flagged, never a pass.
  let gate: GateResult | null = null;
  let gateUnavailable: string | null = null;
  let parsedGate: GateConfig | undefined;
  let residency: ReturnType<typeof residencyFor> | undefined;
  if (canGate) {
    const statics = await evaluateGateDetailed({ repoDir: c.repoDir, base: change.baseSha!, head: change.headSha!, config: c.gateConfig ?? {} });
    parsedGate = statics.config;
    // a change that introduces the configuration is flagged by the static layer: never sent to the classifier
    if (c.base.introduced)
      statics.result = {
        ...statics.result,
        flagged: true,
        layer: 'static',
        reasons: [...statics.result.reasons, { kind: 'config-introduced', message: CONFIG_INTRODUCED }],
      };
    gate = await applyClassifier({
      ...statics,
      repoDir: c.repoDir,
      providers: c.providers,
      audit,
      runId,
      env: opts.env,
      denyPaths: run.auditFiles,
      ...(c.base.config.sandbox ? { sandbox: c.base.config.sandbox } : {}),
    });
    try {
      residency = residencyFor(
        gate,
        parsedGate,
        c.topology.stages.map((s) => s.provider ?? c.providers.defaultName),
        c.providers,
        opts.env,
      );
    } finally {
      // the decision is on record whether or not the zones' rules let the review go on
      await audit.append(gateDecisionEntry(runId, gate, changeHash, residency?.routes ?? []));
    }
  } else {
    gateUnavailable =
      'the compliance gate could not run: the change has no base and head revisions in a local repository (pass --base/--head with --diff); treated as requiring approval';
    await audit.append(gateUnavailableEntry(runId, gateUnavailable));
  }

  c.phases.mark('gate');
  // the models review the increment; the gate above, the change hash and the approvals keep the full base...head
  const plan = planCoverage(c.incremental?.change ?? change, {
    config: review,
    regulatedFiles: gate ? regulatedFilesOf(gate) : [],
    // Each chunk is one pipeline run whose context drops diffs past its limit: pack chunks against
    // that limit (per-file fence and metadata overhead counted too) so the record stays true.
    diffCharLimit: {
      scope: 'chunk',
      max: MAX_CONTEXT_DIFF_CHARS,
      hunkChars: (h) => renderFileDiff({ ...HUNK_PROBE, hunks: [h] }).length + 1,
      fileChars: (f) => 500 + 3 * f.path.length + (f.oldPath?.length ?? 0),
    },
  });

  const own = [...detectInjection(untrustedTextsOf(change)), ...protectedEditFindings(change, review, c.base.configPaths, c.base.source)];

  const progressOut = opts.progress === null ? undefined : (opts.progress ?? process.stderr);
  const progress = progressOut
    ? createProgressReporter(
        c.topology.stages.map((s) => s.name),
        progressOut,
        { ...colorMode(opts.env, progressOut.isTTY === true), verbose: Boolean(opts.verbose) },
      )
    : undefined;
  // A stage policy that would grant any of these (e.g. a database kept inside the checkout) is
  // refused by the sandbox: the review fails closed rather than expose the log to an agent.
  const denyPaths = run.auditFiles;
  // Remember sandbox failures: they decide exit 4 rather than the generic stage failure (5).
  const sandboxErrors: string[] = [];
  const spawn: SandboxSpawner = async (...args) => {
    try {
      return await spawnSandboxed(...args);
    } catch (err) {
      if (err instanceof SandboxError) sandboxErrors.push(err.message);
      throw err;
    }
  };
  // One pipeline run per chunk (a small PR is one chunk); stop at the first failing chunk: the
  // run is an error then whatever the rest would say, and further model calls would be wasted.
  // All chunks share the topology's run deadline: a chunk starts only with enough time left (it
  // gets the remainder as its own deadline), and chunks that never start are recorded as not reviewed.
  const parts = plan.chunks.length > 0 ? plan.chunks.map((ch) => changeForChunk(plan.reviewed, ch)) : [plan.reviewed];
  const results: PipelineResult[] = [];
  const errors: string[] = [];
  let coverage = plan.record;
  const deadlineMs = c.topology.timeoutSeconds * 1000;
  const pipelineStart = performance.now();
  // a mutation stage tests the whole change once, whatever the chunking of the model stages
  const mutationStage = onceRunner(mutationStageRunner({ change: plan.reviewed, config: c.base.config, ...(gate ? { gate } : {}), audit, runId, denyPaths }));
  for (const [i, part] of parts.entries()) {
    const remainingMs = deadlineMs - (performance.now() - pipelineStart);
    if (i > 0 && remainingMs < Math.min(60_000, deadlineMs / 4)) {
      coverage = markChunksNotReviewed(coverage, plan.chunks.slice(0, i), plan.chunks.slice(i), 'run deadline reached before its chunk was reviewed');
      break;
    }
    const label = parts.length > 1 ? ` (chunk ${i + 1}/${parts.length})` : '';
    if (parts.length > 1 && progressOut) progressOut.write(`bulwark: reviewing chunk ${i + 1}/${parts.length}: ${part.files.length} file(s)\n`);
    const result = await runPipeline({
      signal: c.run.signal,
      spawn,
      topology: i === 0 ? c.topology : { ...c.topology, timeoutSeconds: Math.max(1, remainingMs / 1000) },
      change: part,
      gate: gate ? gateForPipeline(gate) : null,
      audit: auditWithRoutes(audit, residency?.routes ?? []),
      runId,
      providers: residency?.providers ?? c.providers,
      providerConfig: c.base.config.provider,
      // [sandbox] from the base revision: a PR cannot widen its own reviewers' sandbox
      ...(c.base.config.sandbox ? { sandboxConfig: c.base.config.sandbox } : {}),
      repoDir: c.repoDir,
      denyPaths,
      ...optionalRunner(mutationStage),
      ...(progress ? { progress } : {}),
    });
    results.push(result);
    if (result.noProvider) errors.push(NO_PROVIDER_HELP);
    for (const s of result.stages) {
      if (s.status === 'done' || (result.noProvider && s.reason === NO_PROVIDER_HELP)) continue;
      errors.push(`stage ${s.name}${label} ${s.status.replace('_', ' ')}${s.reason ? `: ${s.reason}` : ''}`);
    }
    if (errors.length > 0) {
      if (i + 1 < parts.length) errors.push(`${parts.length - i - 1} later chunk(s) not reviewed after the failure`);
      break;
    }
  }
  c.phases.mark('pipeline');
  await audit.append({
    kind: 'coverage',
    run_id: runId,
    files: coverage.files.map((f) => ({ path: clipText(f.path), status: f.state, ...(f.reason ? { reason: clipText(f.reason) } : {}) })),
    tokens_budget: coverage.tokenBudget,
    tokens_used: coverage.tokensUsed,
  });
  const result = {
    findings: results.flatMap((r) => r.findings),
    summaryMarkdown:
      results.length === 1 ? results[0]!.summaryMarkdown : results.map((r, i) => `### Chunk ${i + 1} of ${parts.length}\n\n${r.summaryMarkdown}`).join('\n'),
  };
  // Stage findings crossed the sandbox boundary: validate again, never trust their shape.
  const stageFindings: Finding[] = [];
  for (const f of result.findings) {
    const p = findingSchema.safeParse(f);
    if (p.success) stageFindings.push(p.data);
    else errors.push(`a stage returned an invalid finding (${p.error.issues[0]?.path.join('.') ?? ''}: ${p.error.issues[0]?.message ?? ''})`);
  }

  // earlier findings whose lines are unchanged still stand (the models did not see those lines again)
  const carried = c.incremental && change.headSha ? await carryOverFindings(c.repoDir, change.headSha, c.incremental.from.findings) : [];
  const decision = decide({
    findings: [...own, ...carried, ...stageFindings],
    config: review,
    gate: gateUnavailable ? { flagged: true, reasons: [{ message: gateUnavailable }] } : gate,
    errors,
    sandboxErrors: [...new Set(sandboxErrors)],
    change,
    incomplete: { files: notFullyReviewed(coverage.files), decide: review.on_incomplete },
  });
  // what the stages were sent was redacted once, by the pipeline; its counts are the input's
  const total: UsageSummary = { calls: 0, tokens: { input: 0, output: 0, cachedInput: 0 }, unpricedCalls: 0, modelsReturned: [], mismatches: [] };
  for (const r of results) addUsage(total, r.usage);
  const pc = c.base.config.provider;
  const usage = reportUsage(
    results.flatMap((r, i) => r.stages.map((s) => ({ ...s, name: s.name + (results.length > 1 ? ` (chunk ${i + 1})` : '') }))),
    total,
    { ...(pc.currency ? { currency: pc.currency } : {}), priced: (pc.pricing?.length ?? 0) > 0, ...(pc.pin_model ? { pinModel: pc.pin_model } : {}) },
  );
  const inputRedactions: RedactionCounts = results.reduce<RedactionCounts>((acc, r) => addCounts(acc, r.redactions), {});
  const report = await buildReport({
    runId,
    topology: c.topology.name,
    change,
    decision,
    gate: reportGate(gate, gateUnavailable),
    coverage,
    maxFindings: review.max_findings,
    summaryMarkdown: result.summaryMarkdown,
    redactions: inputRedactions,
    repositoryUrl: repositoryWebUrl(change.pr, opts.env),
    usage,
  });
  const outputOnly: RedactionCounts = {};
  for (const [k, v] of Object.entries(report.redactions) as [keyof RedactionCounts, number][]) {
    const d = v - (inputRedactions[k] ?? 0);
    if (d > 0) outputOnly[k] = d;
  }
  // the count of each kind of secret kept out of outputs
  const outputEntries = redactionEntries(runId, 'output', outputOnly);
  if (outputEntries.length > 0) await audit.appendMany(outputEntries);
  await run.finish({
    status: decision.outcome,
    exitCode: decision.exitCode,
    findings: decision.findings.length,
    usage: total,
    ...(usage.currency ? { currency: usage.currency } : {}),
  });

  const stats: RunStats = {
    phases: c.phases.list,
    stages: results.flatMap((r, i) => stageStats(r.stages, results.length > 1 ? ` (chunk ${i + 1})` : '')),
    tokensUsed: results.reduce((n, r) => n + r.tokensUsed, 0),
    llmCalls: results.reduce((n, r) => n + r.llmCalls, 0),
    totalMs: Math.round(performance.now() - c.started),
  };
  const out: ReviewRunResult = {
    exitCode: decision.exitCode,
    report,
    change,
    coverage: { ...plan, record: coverage },
    stats,
    auditLocation: run.audit.location,
  };
  if (c.octokit && c.target) {
    try {
      out.publish = await publishReview(c.octokit, c.target, report, change, {
        config: review.github,
        configHash: c.configHash,
        ...(change.pr?.htmlUrl ? { detailsUrl: change.pr.htmlUrl } : {}),
      });
    } catch (err) {
      out.publishError = `GitHub publishing failed: ${(err as Error).message}`;
      out.exitCode = ExitCode.Internal;
      // the run ends in exit 5, and the log says so: its last run_finished is what counts (a
      // re-run must review and publish again, and an auditor must not read a pass)
      await run.finish({ status: 'error', exitCode: ExitCode.Internal, errorClass: 'GitHubPublishError' });
    }
    c.phases.mark('publish');
    stats.totalMs = Math.round(performance.now() - c.started);
  }
  if (c.gitlab) {
    try {
      out.gitlabPublish = await publishGitlabReview(c.gitlab.api, c.gitlab.target, report, change, {
        config: review.gitlab,
        ...(c.gitlab.detailsUrl ? { detailsUrl: c.gitlab.detailsUrl } : {}),
      });
    } catch (err) {
      out.publishError = `GitLab publishing failed: ${(err as Error).message}`;
      out.exitCode = ExitCode.Internal;
      // as for GitHub: the log ends the run as the exit code does, so a re-run publishes again
      await run.finish({ status: 'error', exitCode: ExitCode.Internal, errorClass: 'GitLabPublishError' });
    }
  }
  return out;
}

interface GitlabPublishing {
  api: GitlabClient;
  target: GitlabTarget;
  detailsUrl?: string;
}

/**
 * Where `--gitlab` publishes, resolved before any model call so a missing token or project fails
 * first. The token must be GITLAB_TOKEN (personal, project or group access token, `api` scope):
 * GET /user, merge-request notes and discussions and POST statuses are not among the endpoints a
 * CI/CD job token may call, so CI_JOB_TOKEN alone is refused here rather than failing at the end.
 */
function gitlabTargetOf(opts: ReviewRunOptions, change: Change, review: ReviewConfig): GitlabPublishing {
  if (opts.github) throw new UsageError('--github and --gitlab cannot be combined: a change is published to one forge');
  const env = opts.env;
  const token = env.GITLAB_TOKEN;
  if (!token) {
    throw new UsageError(
      env.CI_JOB_TOKEN
        ? '--gitlab needs GITLAB_TOKEN (a project, group or personal access token with the api scope): CI_JOB_TOKEN may not call GET /user, merge-request notes and discussions, or POST statuses'
        : '--gitlab needs a token in GITLAB_TOKEN (a project, group or personal access token with the api scope)',
    );
  }
  const mr = change.pr?.provider === 'gitlab' ? change.pr : null;
  const project = env.CI_MERGE_REQUEST_PROJECT_ID || env.CI_PROJECT_ID || mr?.repository || '';
  if (!project) throw new UsageError('--gitlab needs the project: run in GitLab CI (CI_PROJECT_ID) or a merge-request pipeline');
  if (!change.headSha) throw new UsageError('--gitlab needs the head commit SHA (pass --head or run in a merge-request pipeline)');
  const pipeline = Number(env.CI_PIPELINE_ID);
  const ref = mr?.headRef || env.CI_COMMIT_REF_NAME;
  const target: GitlabTarget = {
    project: /^\d+$/.test(project) ? Number(project) : project,
    mrIid: mr?.number ?? null,
    headSha: change.headSha,
    ...(Number.isInteger(pipeline) && pipeline > 0 ? { pipelineId: pipeline } : ref ? { ref } : {}),
  };
  let api: GitlabClient;
  try {
    api = createGitlab(token, env.CI_API_V4_URL || review.gitlab.api_url, review.gitlab.timeout_seconds * 1000);
  } catch (err) {
    throw new UsageError(`--gitlab: ${(err as Error).message}`);
  }
  const detailsUrl = env.CI_JOB_URL || mr?.htmlUrl || '';
  return { api, target, ...(detailsUrl ? { detailsUrl } : {}) };
}
