import { within } from '../domain/within.js';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import type { EntryInput } from '../domain/audit-entries.js';
import { SandboxError, UnrecordedWriteError } from '../domain/errors.js';
import type { LlmGateway } from '../llm/gateway.js';
import { completionRequestSchema, LlmError } from '../llm/types.js';
import { distSrc } from '../sandbox/package-paths.js';
import { showFileCapped } from '../review/git.js';
import { applySandboxConfig, type SandboxConfig } from '../sandbox/config.js';
import { runtimePolicy, type SandboxPolicy } from '../sandbox/policy.js';
import { makeTempDir, removeTempDir } from '../sandbox/temp-dirs.js';
import { startSandboxedWorker, workerEventToAuditEntry, type SandboxSpawner, type WorkerEvent, type WorkerHandle } from '../sandbox/worker-host.js';
import { normalizeRepoPath, RepoPathError } from '../protocol/repo-path.js';
import { RpcError, RpcErrorCode, RpcRefusal } from '../protocol/rpc.js';
import {
  GIT_SHOW,
  gitShowParamsSchema,
  LLM_COMPLETE,
  STAGE_RUN,
  stageOutputSchema,
  type GitShowResult,
  type StageInput,
  type StageOutput,
} from '../protocol/stage.js';

export const STAGE_WORKER_SCRIPT = path.join(distSrc, 'worker', 'stage-main.js');
const MAX_GIT_SHOW_BYTES = 512 * 1024;

export interface StagePolicyOptions {
  /** Folders the worker may read besides its own code (repository checkout or zones). */
  readRoots: string[];
  scratchDir: string;
  /** How long the worker must be able to live (the run's deadline); [sandbox] timeout_seconds caps it. */
  timeoutSeconds: number;
  /** Paths that must never be readable (key files, the audit database). */
  denyPaths?: string[];
  /** An explicit choice (a command-line flag); unset = the [sandbox] table's allow_degraded, else false. */
  allowDegraded?: boolean;
  /** The [sandbox] table of bulwark.toml: uid/gid, limits, allow_degraded, timeout, extra read and deny paths. */
  sandbox?: SandboxConfig;
}

/**
 * The sandbox policy of one stage worker: read its code (runtimePolicy adds dist/ and
 * node_modules/) and the review's read roots, write only its scratch dir, no endpoints, an empty
 * environment except HOME/TMPDIR pointing at the scratch dir. Keys are never in it. The [sandbox]
 * table applies on top (`applySandboxConfig`): its uid/gid, limits and allow_degraded, its
 * extra_read_paths and deny_paths added; its timeout_seconds is a ceiling on the worker's wall clock
 * (a stage cannot outlive what the operator allows, even when the topology's deadline is longer).
 * `bulwark sandbox policy` prints what this function returns for the repository's configuration.
 */
/** Where a stage's scratch dir is made (mkdtemp appends six random characters). */
export function stageScratchPrefix(stage: string): string {
  return path.join(tmpdir(), `bulwark-stage-${stage.replace(/[^A-Za-z0-9_-]/g, '_')}-`);
}

export function stagePolicy(o: StagePolicyOptions): SandboxPolicy {
  const ceiling = o.sandbox?.timeout_seconds;
  return runtimePolicy(
    applySandboxConfig(
      {
        readPaths: o.readRoots,
        writePaths: [o.scratchDir],
        envAllow: [],
        env: { HOME: o.scratchDir, TMPDIR: o.scratchDir },
        timeoutSeconds: ceiling !== undefined ? Math.min(ceiling, o.timeoutSeconds) : o.timeoutSeconds,
        endpoints: [],
        ...(o.allowDegraded !== undefined ? { allowDegraded: o.allowDegraded } : {}),
        ...(o.denyPaths && o.denyPaths.length > 0 ? { denyPaths: o.denyPaths } : {}),
      },
      o.sandbox,
    ),
  );
}

export interface StageRunDeps {
  runId: string;
  gateway: LlmGateway;
  /** Records sandbox events (denials, degraded layers) in the audit log. */
  audit: { append(entry: EntryInput): Promise<unknown> };
  provider: string;
  params: { model: string; temperature?: number; maxTokens: number };
  repo: { root: string; base: string | null; head: string | null } | null;
  readRoots: string[];
  denyPaths?: string[];
  /** Explicit --allow-degraded-sandbox; unset = the [sandbox] table decides. */
  allowDegraded?: boolean;
  /** The [sandbox] table of bulwark.toml. */
  sandbox?: SandboxConfig;
  timeoutSeconds: number;
  /** Test hooks: another worker script or spawner. */
  script?: string;
  spawn?: SandboxSpawner;
  /** Called once the worker is up (degraded layers reported by the launcher). */
  onStarted?(info: { agentId: string; degraded: string[] }): void;
}

let agentCounter = 0;

/**
 * Serves `git.show` for the worker: only base/head, only validated repository paths, and only
 * below the stage's read roots (committed files are the same data the roots grant or withhold).
 */
async function serveGitShow(
  repo: NonNullable<StageRunDeps['repo']>,
  readRoots: readonly string[],
  params: z.infer<typeof gitShowParamsSchema>,
): Promise<GitShowResult> {
  const sha = params.rev === 'base' ? repo.base : repo.head;
  if (!sha) return { found: false, content: '', truncated: false };
  let rel: string;
  try {
    rel = normalizeRepoPath(params.path);
  } catch (err) {
    if (err instanceof RepoPathError) throw new Error(err.message);
    throw err;
  }
  const abs = path.join(repo.root, rel);
  if (!readRoots.some((r) => abs === r || abs.startsWith(r.endsWith(path.sep) ? r : r + path.sep)))
    throw new Error(`path "${rel}" is outside the folders this stage may read`);
  // capped while reading: the worker names the blob, so its size must not set the parent's memory
  const blob = await showFileCapped(repo.root, sha, rel, MAX_GIT_SHOW_BYTES);
  if (!blob) return { found: false, content: '', truncated: false };
  if (blob.bytes.includes(0)) return { found: true, content: `(binary file, ${blob.size} bytes)`, truncated: false };
  return { found: true, content: blob.bytes.toString('utf8'), truncated: blob.truncated };
}

/**
 * The audit entries of one worker event: the sandbox's own mapping (egress, channel rejections and
 * protocol violations, degraded layers, seccomp/rlimit/timeout kills), plus an `override` entry when
 * the worker runs with degraded layers: a person or a config chose to run without part of the
 * sandbox, and the log must say so as a decision, not only as a fact about the kernel.
 */
export function auditEntriesForWorkerEvent(e: WorkerEvent, ctx: { runId: string; stage: string; agentId: string }): EntryInput[] {
  const entry = workerEventToAuditEntry(e, { runId: ctx.runId, stage: ctx.stage });
  if (!entry) return [];
  if (e.type !== 'sandbox_degraded') return [entry];
  return [
    entry,
    {
      kind: 'override',
      run_id: ctx.runId,
      actor: overrideActor(),
      what: 'sandbox_degraded',
      reason: `stage ${ctx.stage} (${ctx.agentId}) ran without: ${e.layers.join('; ')} (allow_degraded / --allow-degraded-sandbox)`.slice(0, 4096),
    },
  ];
}

/** Who allowed the degraded run: the OS user running Bulwark (the flag or the config is theirs). */
function overrideActor(): string {
  try {
    return userInfo().username.slice(0, 256) || `uid ${process.getuid?.() ?? '?'}`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * One stage's sandboxed worker. `start` spawns it at once, so a stage whose dependencies are
 * still running has its worker booted by the time it may start (Node's start-up is the largest
 * fixed cost of a stage); `run` sends the stage its input and returns the validated output.
 * Model calls are audited without blocking the worker; the output is accepted only once every
 * audit write of the stage is durable (an audit failure fails the stage).
 */
export class StageWorker {
  readonly agentId: string;
  private readonly scratch: string;
  private readonly ready: Promise<WorkerHandle>;
  private readonly auditWrites: Promise<unknown>[] = [];
  private signal: AbortSignal = new AbortController().signal;
  private providerFailure: LlmError | undefined;
  /** The stage's max_turns, known once run() is called; no model call is served before. */
  private maxTurns: number | undefined;
  /** Model calls served to this worker: the parent's count, not the worker's. */
  private turns = 0;
  /** Why the parent stopped the worker, when it did. */
  private stopped: Error | undefined;
  private disposed: Promise<void> | undefined;
  /** Whether an audit write's failure has been thrown (by run() or dispose()): the stage has failed for it. */
  private writeFailureThrown = false;
  /**
   * Aborted when the worker's stage is over (it answered, failed, exited, or is being disposed): a
   * model call in flight then has nobody to answer to, and left running it would hold the process
   * (and spend tokens) until the provider answered or the per-call timeout passed.
   */
  private readonly stageOver = new AbortController();
  /** What a model call is aborted by: the stage's deadline, or the stage being over (set by run()). */
  private callSignal: AbortSignal = this.stageOver.signal;
  /** The model call being served (one at a time), settled: never rejects. */
  private callInFlight: Promise<unknown> | undefined;

  private constructor(
    private readonly stage: string,
    private readonly deps: StageRunDeps,
  ) {
    this.agentId = `${stage}#${++agentCounter}`;
    this.scratch = makeTempDir(stageScratchPrefix(stage));
    this.ready = this.spawn();
    // a failed start is reported by run(); never as an unhandled rejection
    this.ready.catch(() => undefined);
  }

  /** Resolves once the worker process is up (or failed to start). */
  whenReady(): Promise<void> {
    return this.ready.then(
      () => undefined,
      () => undefined,
    );
  }

  /** The worker's pid once it runs (tests check that disposal leaves nothing behind). */
  async pid(): Promise<number | undefined> {
    return (await this.ready).pid;
  }

  static start(stage: string, deps: StageRunDeps): StageWorker {
    return new StageWorker(stage, deps);
  }

  private spawn(): Promise<WorkerHandle> {
    const deps = this.deps;
    const policy = stagePolicy({
      readRoots: deps.readRoots,
      scratchDir: this.scratch,
      timeoutSeconds: deps.timeoutSeconds + 10,
      ...(deps.denyPaths ? { denyPaths: deps.denyPaths } : {}),
      ...(deps.allowDegraded !== undefined ? { allowDegraded: deps.allowDegraded } : {}),
      ...(deps.sandbox ? { sandbox: deps.sandbox } : {}),
    });
    return startSandboxedWorker({
      script: deps.script ?? STAGE_WORKER_SCRIPT,
      policy,
      ...(deps.spawn ? { spawn: deps.spawn } : {}),
      handlers: {
        [LLM_COMPLETE]: {
          params: completionRequestSchema,
          handle: async (req: z.infer<typeof completionRequestSchema>) => {
            // The worker's own turn count and pacing are not trusted: the parent serves one call
            // at a time (so concurrent calls cannot race past the budget) and counts the turns.
            // refusals count toward the worker's rejected-request limit: they cannot repeat forever
            if (this.maxTurns === undefined) throw new RpcRefusal(RpcErrorCode.HandlerFailed, 'llm.complete before stage.run is refused');
            if (this.stageOver.signal.aborted) throw new RpcRefusal(RpcErrorCode.HandlerFailed, 'llm.complete after the stage is over is refused');
            if (this.callInFlight) {
              throw new RpcRefusal(
                RpcErrorCode.Overloaded,
                'llm.complete: one model call at a time per worker; a concurrent call is refused (wait for the previous answer)',
              );
            }
            if (this.turns >= this.maxTurns) {
              this.stop(`stage worker asked for more model calls than max_turns=${this.maxTurns}; stopped by the parent`);
              throw new RpcError(RpcErrorCode.HandlerFailed, `max_turns=${this.maxTurns} model calls used`);
            }
            this.turns++;
            const call = deps.gateway.complete(
              { stage: this.stage, agentId: this.agentId, provider: deps.provider, params: deps.params },
              req,
              this.callSignal,
              {
                deferAudit: (w) => this.auditWrites.push(w),
              },
            );
            this.callInFlight = call.catch(() => undefined);
            try {
              return await call;
            } catch (err) {
              // the worker only sees a message; keep the classified error for the stage result,
              // unless the call ended because the stage is over: if it failed, it failed for that
              // reason (a crash, a protocol violation), which the abort must not hide
              const over = this.stageOver.signal.aborted && !this.signal.aborted;
              if (err instanceof LlmError && !over) this.providerFailure = err;
              throw err;
            } finally {
              this.callInFlight = undefined;
            }
          },
        },
        [GIT_SHOW]: {
          params: gitShowParamsSchema,
          handle: async (p: z.infer<typeof gitShowParamsSchema>) => {
            if (!deps.repo) return { found: false, content: '', truncated: false };
            return serveGitShow(deps.repo, deps.readRoots, p);
          },
        },
      },
      onEvent: (e) => {
        for (const entry of auditEntriesForWorkerEvent(e, { runId: deps.runId, stage: this.stage, agentId: this.agentId })) {
          const w = deps.audit.append(entry);
          w.catch(() => undefined);
          this.auditWrites.push(w);
        }
      },
    });
  }

  /** The parent ends the stage: recorded, the worker killed, run() fails with `reason`. */
  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = new Error(reason);
    const w = this.deps.audit.append({
      kind: 'sandbox_denial',
      run_id: this.deps.runId,
      stage: this.stage,
      layer: 'channel',
      operation: 'turn_limit',
      detail: reason.slice(0, 4096),
    });
    w.catch(() => undefined);
    this.auditWrites.push(w);
    void this.ready.then(
      (h) => h.kill(),
      () => undefined,
    );
  }

  /** Runs the stage; rejects on any failure (worker crash, invalid output, provider failure, abort). */
  async run(input: StageInput, signal: AbortSignal): Promise<StageOutput> {
    this.signal = signal;
    this.callSignal = AbortSignal.any([signal, this.stageOver.signal]);
    const h = await this.ready;
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = (): void => reject(new Error('stage aborted (deadline)'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    const died = h.exited.then(({ code, signal: sig }) => {
      const tail = h.stderr().trim().split('\n').slice(-1)[0] ?? '';
      throw new Error(`stage worker exited before answering (${sig ?? `code ${code}`})${tail ? `: ${tail.slice(0, 200)}` : ''}`);
    });
    died.catch(() => undefined);
    aborted.catch(() => undefined);
    let raw: unknown;
    try {
      const answer = h.request(STAGE_RUN, input);
      // model calls are served only once the stage's input is on its way
      this.maxTurns = input.maxTurns;
      this.deps.onStarted?.({ agentId: this.agentId, degraded: h.degraded });
      raw = await Promise.race([answer, aborted, died]);
    } catch (err) {
      await this.endCalls();
      h.reportRejections();
      // A model call or sandbox event of this stage that did not reach the log is reported first:
      // the stage fails either way, but an unrecorded call must not pass unnoticed behind it.
      await this.writesRecorded();
      if (this.stopped) throw this.stopped;
      if (this.providerFailure) throw this.providerFailure;
      // a broken channel usually means the worker died: say why, from its last stderr lines
      const exited = await within(h.exited, 1000);
      const tail = h.stderr().trim().split('\n').slice(-3).join(' | ').slice(0, 300);
      const e = unwrapRemote(err);
      if (exited && !signal.aborted) e.message += ` (worker ${exited.signal ?? `exit code ${exited.code}`}${tail ? `: ${tail}` : ''})`;
      throw e;
    }
    const parsed = stageOutputSchema.safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new Error(`stage worker returned invalid output: ${i?.path.join('.') || '(output)'}: ${i?.message}`);
    }
    if (parsed.data.findings.some((f) => f.stage !== input.stage)) throw new Error('stage worker returned findings labelled with another stage');
    if (this.stopped) throw this.stopped;
    // not a result until it is on record, refused requests included, and a model call the worker
    // left in flight (its answer can no longer reach the result)
    await this.endCalls();
    h.reportRejections();
    await this.writesRecorded();
    // the turns the parent served, whatever the worker claims
    return { ...parsed.data, turns: this.turns };
  }

  /**
   * Waits for every audit write of the stage so far, and throws the first that failed: a model
   * call or sandbox event that did not reach the log is never passed over. Thrown once, by run() or
   * by dispose(), whichever waits for it first; after that the stage has failed for an unrecorded
   * write, and further failures of its writes are not thrown again.
   */
  private async writesRecorded(): Promise<void> {
    const failed = (await Promise.allSettled(this.auditWrites)).find((r) => r.status === 'rejected');
    if (failed?.status !== 'rejected' || this.writeFailureThrown) return;
    this.writeFailureThrown = true;
    throw new UnrecordedWriteError(failed.reason);
  }

  /** Ends the stage's model calls: one in flight is aborted, and its record (queued before it settles) is awaited by the caller. */
  private async endCalls(): Promise<void> {
    this.stageOver.abort();
    await this.callInFlight;
  }

  /**
   * Closes the channel, waits briefly for the exit, kills what is left, removes the scratch dir.
   * Rejects when an audit write of the worker failed that run() has not reported (an event after
   * the stage answered, a call aborted here): the run must not pass with it unrecorded. Idempotent.
   */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      const calls = this.endCalls();
      try {
        const h = await this.ready;
        h.close();
        const gone =
          (await within(
            h.exited.then(() => true),
            2000,
          )) ?? false;
        if (!gone) {
          h.kill();
          await h.exited;
        }
      } catch {
        // never started: nothing to stop
      } finally {
        removeTempDir(this.scratch);
      }
      await calls;
      await this.writesRecorded();
    })();
    return this.disposed;
  }
}

/** Starts a worker, runs the stage, disposes the worker. */
export async function runStageInSandbox(input: StageInput, deps: StageRunDeps, signal: AbortSignal): Promise<StageOutput> {
  const w = StageWorker.start(input.stage, deps);
  try {
    return await w.run(input, signal);
  } finally {
    await w.dispose();
  }
}

/** Keeps provider failures' class visible when they come back through the worker as RPC errors. */
function unwrapRemote(err: unknown): Error {
  if (err instanceof SandboxError || err instanceof LlmError) return err;
  return err instanceof Error ? err : new Error(String(err));
}
