import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { auditStoreFiles, type AuditConfig } from '../audit/config.js';
import { openAuditLog, type AuditLog } from '../audit/index.js';
import { cosignCheckpoint, type CosignOutcome } from '../audit/witness/client.js';
import { BulwarkError, CancelledError, ExitCode } from '../domain/errors.js';
import { runFinishedEntry, runStartedEntry, witnessRefusalEntry, type RunFinishedFacts, type RunStartedFacts } from '../domain/run-entries.js';

/**
 * The one run lifecycle every recorded command shares: run id, opening the audit log, the
 * never-granted audit files, `run_started`, mapping any failure to a `run_finished` error, the
 * signed checkpoint and closing the log. Commands supply only what happens in between.
 */

export type RunKind = 'review' | 'run' | 'gate' | 'mutate' | 'replay';

/** `<kind>-YYYYMMDDTHHMMSS-<8 hex>`: sortable by start time, unique across runners. */
export function newRunId(kind: RunKind, now: Date = new Date()): string {
  return `${kind}-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
}

export interface RunOptions {
  kind: RunKind;
  /** --audit-db (wins over configuration and BULWARK_AUDIT_DB). */
  auditDb?: string;
  /** `[audit]` with paths already resolved against bulwark.toml's folder. */
  auditConfig?: AuditConfig;
  /** A run id chosen by the caller (e.g. `gate --run-id`); default newRunId(kind). */
  runId?: string;
  /** performance.now() when the command began, so durations include loading the change. */
  startedAt?: number;
}

export interface Run {
  readonly runId: string;
  readonly audit: AuditLog;
  /** The audit store's files (database, key, checkpoint file, verifier state): never readable by a stage. */
  readonly auditFiles: string[];
  elapsedMs(): number;
  /** Aborts on the first SIGTERM/SIGINT (review and run): the run stops its workers and ends as cancelled. */
  readonly signal: AbortSignal;
  /** Appends `run_started`. */
  start(facts: RunStartedFacts): Promise<void>;
  /**
   * Appends `run_finished` and signs a checkpoint. May be called again when a later step changes
   * the outcome (publishing failed): the last `run_finished` of a run is its outcome.
   */
  finish(f: Omit<RunFinishedFacts, 'durationMs'>): Promise<void>;
}

export async function withRun<T>(opts: RunOptions, body: (run: Run) => Promise<T>): Promise<T> {
  const startedAt = opts.startedAt ?? performance.now();
  const audit = await openAuditLog({ ...(opts.auditDb ? { location: opts.auditDb } : {}), ...(opts.auditConfig ? { config: opts.auditConfig } : {}) });
  try {
    // A run ends with a signed checkpoint: no signing key (none configured in CI, an unreadable
    // key file) fails before anything is appended. A gate decision is appended without one.
    if (opts.kind !== 'gate') audit.loadSigningKey();
  } catch (e) {
    await audit.close();
    throw e;
  }
  const runId = opts.runId ?? newRunId(opts.kind);
  let finished = false;
  // a gate run records only its decision (no run frame to end): signals keep their default there
  const cancel = opts.kind === 'gate' ? { signal: new AbortController().signal, signalName: () => '', dispose: () => undefined } : cancelOnSignals();
  const run: Run = {
    runId,
    audit,
    auditFiles: auditStoreFiles(audit.location, opts.auditConfig),
    elapsedMs: () => performance.now() - startedAt,
    signal: cancel.signal,
    async start(facts) {
      await audit.append(runStartedEntry(runId, opts.kind, facts));
    },
    async finish(f) {
      finished = true;
      await audit.append(runFinishedEntry(runId, { ...f, durationMs: performance.now() - startedAt }));
      // a run whose log cannot be checkpointed is not evidence: the error fails the command
      const cp = await audit.checkpoint();
      const refused = await witnessCheckpoint(audit, opts.auditConfig, cp.seq);
      if (refused.length === 0) return;
      const required = opts.auditConfig?.witness_required === true;
      await recordRefusals(
        audit,
        runId,
        refused,
        required
          ? runFinishedEntry(runId, { status: 'error', exitCode: ExitCode.Internal, durationMs: performance.now() - startedAt, errorClass: 'WitnessError' })
          : undefined,
      );
      if (required) {
        const n = opts.auditConfig?.witnesses?.length ?? refused.length;
        throw new BulwarkError(
          `witness_required: ${refused.length} of ${n} witness(es) did not cosign checkpoint ${cp.seq}: ${refused.map((f) => f.witness).join(', ')}`,
          ExitCode.Internal,
        );
      }
    },
  };
  try {
    return await body(run);
  } catch (err) {
    if (!finished && cancel.signal.aborted) {
      // The workers are stopped (the pipeline waits for them); the run's end is recorded and signed
      // so the log verifies and nobody mistakes the run for one that is still going.
      await audit.append(runFinishedEntry(runId, { status: 'cancelled', exitCode: ExitCode.Cancelled, durationMs: performance.now() - startedAt }));
      const cp = await audit.checkpoint();
      await recordRefusals(audit, runId, await witnessCheckpoint(audit, opts.auditConfig, cp.seq));
      throw new CancelledError(`run ${runId} cancelled by ${cancel.signalName()}; recorded as cancelled`);
    }
    if (!finished) {
      const exitCode = err instanceof BulwarkError ? err.exitCode : ExitCode.Internal;
      await audit
        .append(
          runFinishedEntry(runId, {
            status: 'error',
            exitCode,
            durationMs: performance.now() - startedAt,
            errorClass: err instanceof Error ? err.name : 'error',
          }),
        )
        .catch(() => undefined);
    }
    throw err;
  } finally {
    cancel.dispose();
    await audit.close().catch(() => undefined);
  }
}

/**
 * Asks the configured witnesses to cosign the run's checkpoint; the witnesses that did not. Each
 * is a warning on stderr (and the checkpoint lacks that cosignature, which `audit verify
 * --witness` then reports); the run records them (see recordRefusals) and, with
 * `witness_required`, fails.
 */
async function witnessCheckpoint(audit: AuditLog, cfg: AuditConfig | undefined, seq: number): Promise<CosignOutcome[]> {
  const witnesses = cfg?.witnesses ?? [];
  if (witnesses.length === 0) return [];
  const outcomes = await cosignCheckpoint(audit, witnesses, { seq, ...(cfg?.witness_timeout_ms !== undefined ? { timeoutMs: cfg.witness_timeout_ms } : {}) });
  const failed = outcomes.filter((o) => !o.ok);
  for (const f of failed) process.stderr.write(`bulwark: witness ${f.witness} did not cosign the checkpoint (size ${f.treeSize}): ${f.error ?? 'refused'}\n`);
  return failed;
}

/**
 * Records in the log each witness that did not cosign (a refusal may be the evidence of a split
 * view), then `last` if given, under a checkpoint of their own. That checkpoint is not sent to the
 * witnesses again: the next run's checkpoint extends it, and is.
 */
async function recordRefusals(audit: AuditLog, runId: string, refused: readonly CosignOutcome[], last?: Parameters<AuditLog['append']>[0]): Promise<void> {
  if (refused.length === 0 && !last) return;
  for (const r of refused) await audit.append(witnessRefusalEntry(runId, r));
  if (last) await audit.append(last);
  await audit.checkpoint();
}

/**
 * SIGTERM/SIGINT while a run is under way: the first one aborts the returned signal (the run winds
 * down and records itself as cancelled); a second one exits at once with 128 + the signal's
 * number, as a shell would report it, leaving the run's end unrecorded. The sandboxes' process
 * groups are killed on the way out (the launcher's exit hook and the reaper).
 */
function cancelOnSignals(): { signal: AbortSignal; signalName(): string; dispose(): void } {
  const ctrl = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (received) {
      process.stderr.write(`bulwark: ${sig} again: exiting now; the run's end is not recorded\n`);
      process.exit(128 + (constants.signals[sig] ?? 0));
    }
    received = sig;
    process.stderr.write(`bulwark: ${sig}: cancelling the run (stopping the workers, recording it); send it again to exit at once\n`);
    ctrl.abort(new CancelledError(`cancelled by ${sig}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signal: ctrl.signal,
    signalName: () => received ?? 'a signal',
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
