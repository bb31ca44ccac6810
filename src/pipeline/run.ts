import path from 'node:path';
import { clipText, type EntryInput } from '../domain/audit-entries.js';
import { BulwarkError, CancelledError, ExitCode } from '../domain/errors.js';
import type { StageSpec, Topology } from './topology.js';
import { providerSettingsOf, type ProviderConfig } from '../llm/config.js';
import { LlmGateway, type UsageSummary } from '../llm/gateway.js';
import { usageEntryFields } from '../domain/run-entries.js';
import { DEFAULT_TEMPERATURE } from './topology.js';
import { NO_PROVIDER_HELP, type ResolvedProviders } from '../llm/select.js';
import { LlmError } from '../llm/types.js';
import type { Change } from '../domain/change.js';
import { compareFindings, type Finding } from '../protocol/findings.js';
import { redactionEntries, type RedactionCounts } from '../domain/redact.js';
import type { SandboxConfig } from '../sandbox/config.js';
import type { SandboxSpawner } from '../sandbox/worker-host.js';
import type { StageOutput } from '../protocol/stage.js';
import { groupAppendsPerTurn, type BatchingAuditSink } from './audit-batch.js';
import { buildChangeContext, upstreamContext, type UpstreamOutput } from './context.js';
import { runSchedule, type StageOutcome, type StageStatus } from './scheduler.js';
import { StageWorker, type StageRunDeps } from './stage-runner.js';
import { checkReadRoots, readRootsFor } from './read-roots.js';

export { readRootsFor } from './read-roots.js';

export interface StageResult {
  name: string;
  status: StageStatus;
  /** Why the stage failed, timed out or did not run. */
  reason?: string;
  /** Error class when a provider failure caused it (rate_limited, timeout, ...). */
  errorClass?: string;
  durationMs?: number;
  markdown: string;
  findings: Finding[];
  provider?: string;
  model?: string;
  /** Tokens (input + output) of this stage's model calls, when it made any. */
  tokens?: number;
  /** Calls, tokens (input, output, cached), cost and returned models of this stage, when it made any calls. */
  usage?: UsageSummary;
}

export interface PipelineResult {
  /** ok: every stage done. failed: some stage failed, timed out or did not run (fail closed). */
  status: 'ok' | 'failed';
  /** True when no provider was configured at all (the LLM stages did not run). */
  noProvider: boolean;
  stages: StageResult[];
  /** All stages' findings, most severe first. */
  findings: Finding[];
  summaryMarkdown: string;
  tokensUsed: number;
  llmCalls: number;
  /** All calls of the run: tokens, cost, returned models and mismatches. */
  usage: UsageSummary;
  durationMs: number;
  /** Secrets redacted from the change context every stage received, by kind. */
  redactions: RedactionCounts;
}

export interface PipelineProgress {
  stageStarted?(name: string): void;
  stageFinished?(result: StageResult): void;
}

export interface RunPipelineOptions {
  /** Cancels the run (SIGTERM/SIGINT): workers are stopped and runPipeline throws CancelledError. */
  signal?: AbortSignal;
  topology: Topology;
  change: Change;
  /** The compliance gate's result; `readScope` narrows what workers read. */
  gate?: ({ readScope?: string[] } & object) | null;
  /** The audit log; with `appendMany` (as AuditLog has), appends of one event-loop turn share a transaction. */
  audit: BatchingAuditSink;
  runId: string;
  providers: ResolvedProviders;
  /** [provider] settings: timeouts, retries, token budget. */
  providerConfig?: ProviderConfig;
  /** Repository checkout the workers read; default change.repoDir. */
  repoDir?: string | null;
  /** Paths workers must never read besides the built-in ones (the audit database file, key files). */
  denyPaths?: string[];
  /** Explicit --allow-degraded-sandbox; unset = `sandboxConfig.allow_degraded`, else false. */
  allowDegradedSandbox?: boolean;
  /** The [sandbox] table of bulwark.toml, applied to every stage worker (see `stagePolicy`). */
  sandboxConfig?: SandboxConfig;
  progress?: PipelineProgress;
  /** Test hooks. */
  workerScript?: string;
  spawn?: SandboxSpawner;
  /** Retry backoff base (tests shorten it). */
  baseRetryDelayMs?: number;
  /**
   * Runs a `kind = "mutation"` stage (the caller owns configuration, gate and audit record). Without
   * it such a stage fails: mutation testing needs a local checkout of both revisions.
   */
  runMutationStage?: (stage: StageSpec) => Promise<NonModelStageResult>;
}

/** What a stage that is not a model agent hands on: its report, findings and structured result. */
export interface NonModelStageResult {
  markdown: string;
  findings: Finding[];
  data: Record<string, unknown>;
}

function providerHelp(p: string): string {
  switch (p) {
    case 'anthropic':
      return 'set ANTHROPIC_API_KEY or [provider.anthropic] api_key_file';
    case 'openai':
      return 'set OPENAI_API_KEY and/or OPENAI_BASE_URL, or [provider.openai]';
    case 'ollama':
      return 'run Ollama on 127.0.0.1:11434 or set [provider.ollama] base_url';
    case 'bedrock':
      return 'add a [provider.bedrock] table';
    default:
      return 'known providers: anthropic, openai, bedrock, ollama';
  }
}

/** Stage workers booted ahead of time; beyond this, a stage starts its worker when it becomes ready. */
const MAX_PREWARMED_WORKERS = 16;

const toAuditStatus: Record<StageStatus, 'ok' | 'failed' | 'skipped' | 'timeout'> = { done: 'ok', failed: 'failed', timed_out: 'timeout', not_run: 'skipped' };

function renderSummary(topology: Topology, results: StageResult[], noProvider: boolean, pinModel: 'warn' | 'fail' = 'warn'): string {
  const lines: string[] = [`## Bulwark review: ${topology.name}`, ''];
  for (const r of results) {
    const took = r.durationMs !== undefined ? ` in ${(r.durationMs / 1000).toFixed(1)} s` : '';
    lines.push(
      `- **${r.name}**: ${r.status === 'done' ? `done${took}, ${r.findings.length} finding(s)` : `${r.status.replace('_', ' ')}${r.reason ? `: ${r.reason}` : ''}`}`,
    );
  }
  if (noProvider) lines.push('', `LLM stages not run: ${NO_PROVIDER_HELP}.`);
  for (const r of results)
    for (const m of r.usage?.mismatches ?? [])
      lines.push(
        '',
        `**Model mismatch**: stage ${r.name} requested \`${r.model ?? '?'}\`, the provider returned \`${m}\` (provider.pin_model = "${pinModel}").`,
      );
  // The last stage that ran (normally the summary stage) carries the human-readable verdict.
  const last = [...results].reverse().find((r) => r.status === 'done' && r.markdown.trim() !== '');
  if (last) lines.push('', last.markdown.trim());
  return lines.join('\n') + '\n';
}

/**
 * Runs a topology on a change: stages in dependency order (independent ones in parallel), each
 * in its own sandboxed worker, model calls through the audited gateway. Never throws for stage
 * failures: they come back in `stages` and make `status` "failed". Throws only for errors that
 * stop the run as a whole (e.g. the audit log cannot be written).
 */
export async function runPipeline(opts: RunPipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const { topology, change, providers } = opts;
  const pc = opts.providerConfig ?? {};
  const audit = groupAppendsPerTurn(opts.audit);
  const gateway = new LlmGateway({
    providers: new Map([...providers.byName].map(([k, v]) => [k, v.provider])),
    audit,
    runId: opts.runId,
    ...(pc.timeout_seconds !== undefined ? { callTimeoutMs: pc.timeout_seconds * 1000 } : {}),
    ...(pc.idle_timeout_seconds !== undefined ? { idleTimeoutMs: pc.idle_timeout_seconds * 1000 } : {}),
    providerSettings: providerSettingsOf(pc),
    ...(pc.max_retries !== undefined ? { maxRetries: pc.max_retries } : {}),
    ...(pc.max_retry_delay_seconds !== undefined ? { maxRetryDelayMs: pc.max_retry_delay_seconds * 1000 } : {}),
    ...(pc.token_budget !== undefined ? { tokenBudget: pc.token_budget } : {}),
    ...(pc.pin_model !== undefined ? { pinModel: pc.pin_model } : {}),
    ...(pc.pricing !== undefined ? { pricing: pc.pricing } : {}),
    ...(pc.cost_budget !== undefined ? { costBudget: pc.cost_budget } : {}),
    ...(opts.baseRetryDelayMs !== undefined ? { baseRetryDelayMs: opts.baseRetryDelayMs } : {}),
  });
  const repoDir = opts.repoDir !== undefined ? opts.repoDir : change.repoDir;
  // Roots that pass through a symlink (which the change itself may have added) are left out: the
  // stages run with the rest, or with no repository access at all, never with the link's target.
  // Running rather than failing: the refusal grants nothing, the diff (which shows the link) is
  // still reviewed, the refusal is on record, and a repository that links a shared folder on
  // purpose still gets its review instead of a run that can never pass.
  const roots = repoDir ? checkReadRoots(path.resolve(repoDir), readRootsFor(path.resolve(repoDir), opts.gate?.readScope)) : null;
  const repoRoot = roots?.repoReal ?? null;
  const readRoots = roots?.granted ?? [];

  const specs = new Map(topology.stages.map((s) => [s.name, s]));
  const providerOf = (s: StageSpec): string | null => s.provider ?? providers.defaultName;
  const blocked = new Map<string, string>();
  const noProvider = providers.byName.size === 0;
  for (const s of topology.stages) {
    if (s.kind === 'mutation') continue; // no model: runs without a provider
    const p = providerOf(s);
    if (p === null) blocked.set(s.name, NO_PROVIDER_HELP);
    else if (!providers.byName.has(p)) blocked.set(s.name, `provider "${p}" is not configured (${providerHelp(p)})`);
  }

  const errorClasses = new Map<string, string>();
  const auditWrites: Promise<unknown>[] = [];
  // Audit writes start on the next turn of the event loop: the SQLite store writes (and fsyncs)
  // synchronously, and that must not delay handing the next stage its input. Order is kept (FIFO).
  // All are awaited at the end; the no-op catch only keeps an early failure from being "unhandled".
  const track = (write: () => Promise<unknown>): void => {
    const p = new Promise<unknown>((resolve, reject) =>
      setImmediate(() => {
        write().then(resolve, reject);
      }),
    );
    p.catch(() => undefined);
    auditWrites.push(p);
  };
  const append = (e: EntryInput): void => track(() => audit.append(e));
  for (const r of roots?.refused ?? []) {
    append({
      kind: 'sandbox_denial',
      run_id: opts.runId,
      layer: 'other',
      operation: 'read_root_refused',
      target: clipText(r.root),
      detail: clipText(r.reason),
    });
  }
  const depsFor = (s: StageSpec): StageRunDeps => {
    const providerName = providerOf(s)!;
    const resolved = providers.byName.get(providerName)!;
    return {
      runId: opts.runId,
      gateway,
      audit,
      provider: providerName,
      // sampling is always stated: a server's default is not part of the recorded request otherwise
      params: {
        model: s.model ?? resolved.defaultModel,
        temperature: s.temperature ?? DEFAULT_TEMPERATURE,
        ...(s.topP !== undefined ? { topP: s.topP } : {}),
        ...(s.seed !== undefined ? { seed: s.seed } : {}),
        maxTokens: s.maxTokens,
      },
      repo: repoRoot ? { root: repoRoot, base: change.mergeBase ?? change.baseSha, head: change.headSha } : null,
      readRoots,
      denyPaths: [...(opts.denyPaths ?? []), ...providers.keyFiles],
      ...(opts.allowDegradedSandbox !== undefined ? { allowDegraded: opts.allowDegradedSandbox } : {}),
      ...(opts.sandboxConfig ? { sandbox: opts.sandboxConfig } : {}),
      // workers are started ahead of their stage: the launcher's wall clock must cover the run
      timeoutSeconds: topology.timeoutSeconds,
      ...(opts.workerScript ? { script: opts.workerScript } : {}),
      ...(opts.spawn ? { spawn: opts.spawn } : {}),
      onStarted: ({ agentId, degraded }) =>
        append({
          kind: 'stage_started',
          run_id: opts.runId,
          stage: s.name,
          agent_id: agentId,
          ...(degraded.length > 0 ? { sandbox_degraded: degraded.map((d) => d.slice(0, 256)) } : {}),
        }),
    };
  };
  // Workers boot ahead of their stage, so a stage starts as soon as its dependencies are done
  // instead of paying Node's start-up (the largest fixed cost of a stage) on the critical path.
  // The stages that can start at once boot first; the others boot once those are up, while the
  // first model calls are under way, so they never compete with the first stage's own start.
  const workers = new Map<string, StageWorker>();
  const disposals: Promise<void>[] = [];
  /** A worker's disposal, awaited at the end; observed now, so a failure is never an unhandled rejection meanwhile. */
  const disposing = (w: StageWorker): Promise<void> => {
    const p = w.dispose();
    p.catch(() => undefined);
    return p;
  };
  let fatal: BulwarkError | undefined;
  let scheduling = true;
  const startWorker = (s: StageSpec): void => {
    if (scheduling && s.kind !== 'mutation' && !blocked.has(s.name) && !workers.has(s.name) && workers.size < MAX_PREWARMED_WORKERS)
      workers.set(s.name, StageWorker.start(s.name, depsFor(s)));
  };
  topology.stages.filter((s) => s.dependsOn.length === 0).forEach(startWorker);
  const firstWave = [...workers.values()];
  void Promise.all(firstWave.map((w) => w.whenReady())).then(() => topology.stages.forEach(startWorker));
  // Node loads its fetch implementation (undici, which the Anthropic and OpenAI SDKs use) on first
  // use, ~20 ms: let that happen while the workers boot rather than on the first model call.
  if (!noProvider) void globalThis.Headers;
  // while they boot: the structured context every stage receives
  const built = await buildChangeContext(change, opts.gate ?? null);
  for (const e of redactionEntries(opts.runId, undefined, built.redactions)) append(e);

  const results = new Map<string, StageResult>();
  const structured = new Map<string, Record<string, unknown>>();
  const outcomes = await runSchedule<StageOutput>({
    stages: topology.stages.map((s) => ({ name: s.name, dependsOn: s.dependsOn, timeoutMs: s.timeoutSeconds * 1000 })),
    maxParallel: topology.maxParallel,
    runTimeoutMs: topology.timeoutSeconds * 1000,
    blocked,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onStart: (name) => opts.progress?.stageStarted?.(name),
    execute: async (name, upstream, signal) => {
      const s = specs.get(name)!;
      const up = new Map<string, UpstreamOutput>(
        [...upstream].map(([k, v]) => [k, { markdown: v.markdown, findings: v.findings, ...(structured.has(k) ? { data: structured.get(k)! } : {}) }]),
      );
      if (s.kind === 'mutation') {
        if (!opts.runMutationStage) throw new Error('a mutation stage needs a local git checkout of the base and head revisions');
        const r = await opts.runMutationStage(s);
        structured.set(name, r.data);
        return { markdown: r.markdown, findings: r.findings, turns: 0 };
      }
      const w = workers.get(name) ?? StageWorker.start(name, depsFor(s));
      workers.set(name, w);
      try {
        return await w.run(
          {
            stage: s.name,
            prompt: s.prompt,
            tools: repoRoot ? s.tools : [],
            maxTurns: s.maxTurns,
            repoRoot,
            readRoots,
            revisions: Boolean(repoRoot && (change.mergeBase ?? change.baseSha) && change.headSha),
            context: { ...built.context, upstream: upstreamContext(up) },
          },
          signal,
        );
      } catch (err) {
        if (err instanceof LlmError) errorClasses.set(name, err.errorClass);
        // a sandbox that cannot be enforced (exit 4) or a bad policy (exit 3) stops the whole run
        if (err instanceof BulwarkError && err.exitCode !== ExitCode.Internal) fatal ??= err;
        throw err;
      } finally {
        disposals.push(disposing(w));
      }
    },
    onFinish: (o: StageOutcome<StageOutput>) => {
      const s = specs.get(o.name)!;
      const durationMs = o.startedAt !== undefined && o.finishedAt !== undefined ? o.finishedAt - o.startedAt : undefined;
      const r: StageResult = {
        name: o.name,
        status: o.status,
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
        ...(errorClasses.has(o.name) ? { errorClass: errorClasses.get(o.name) } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
        markdown: o.output?.markdown ?? '',
        findings: o.output?.findings ?? [],
        ...(s.kind !== 'mutation' && providerOf(s) ? { provider: providerOf(s)! } : {}),
        ...(s.kind !== 'mutation' && providerOf(s) && providers.byName.get(providerOf(s)!)
          ? { model: s.model ?? providers.byName.get(providerOf(s)!)!.defaultModel }
          : {}),
        ...(gateway.tokensOf(o.name) > 0 ? { tokens: gateway.tokensOf(o.name) } : {}),
        ...(gateway.usageOf(o.name).calls > 0 ? { usage: gateway.usageOf(o.name) } : {}),
      };
      results.set(o.name, r);
      const finishEntry = async (): Promise<void> => {
        const blob = o.output ? await audit.putBlob(JSON.stringify({ stage: o.name, markdown: o.output.markdown, findings: o.output.findings })) : undefined;
        await audit.append({
          kind: 'stage_finished',
          run_id: opts.runId,
          stage: o.name,
          status: toAuditStatus[o.status],
          duration_ms: Math.max(0, Math.round(durationMs ?? 0)),
          ...(o.output ? { findings: o.output.findings.length } : {}),
          ...(r.errorClass ? { error_class: r.errorClass } : o.status !== 'done' ? { error_class: o.status } : {}),
          ...(blob ? { output_blob: blob } : {}),
          ...usageEntryFields(r.usage, pc.currency),
        });
      };
      track(finishEntry);
      opts.progress?.stageFinished?.(r);
    },
  });
  // no worker boots after this point: every one started is disposed of below
  scheduling = false;
  for (const w of workers.values()) disposals.push(disposing(w));
  // every worker stopped and every entry written or failed before anything is reported: the
  // caller records the run's end after this, and nothing of the run may come after it
  const disposed = await Promise.allSettled(disposals);
  const written = await Promise.allSettled(auditWrites);
  // Audit writes failing is a run failure: results that were not recorded are not results (the
  // run's own entries first, then a worker's that failed after its stage had ended).
  const unrecorded = [...written, ...disposed].find((r) => r.status === 'rejected');
  if (unrecorded?.status === 'rejected') throw unrecorded.reason;
  // cancelled: every worker is stopped and every stage's end recorded; the run's end is the caller's
  if (opts.signal?.aborted) throw new CancelledError('run cancelled');
  if (fatal) throw fatal;
  const stages = outcomes.map((o) => results.get(o.name)!);
  const findings = stages.flatMap((s) => s.findings).sort(compareFindings);
  return {
    status: stages.every((s) => s.status === 'done') ? 'ok' : 'failed',
    noProvider,
    stages,
    findings,
    summaryMarkdown: renderSummary(topology, stages, noProvider, pc.pin_model),
    tokensUsed: gateway.tokensUsed,
    llmCalls: gateway.callCount,
    usage: gateway.totalUsage,
    durationMs: Math.round(performance.now() - started),
    redactions: built.redactions,
  };
}
