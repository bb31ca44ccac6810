import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { auditStoreFiles, type AuditConfig } from '../audit/config.js';
import { openAuditLog, type AuditLog } from '../audit/index.js';
import { cosignCheckpoint, type CosignOutcome } from '../audit/witness/client.js';
import type { EntryInput } from '../domain/audit-entries.js';
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
      await witnessRun(audit, opts.auditConfig, runId, cp.seq, opts.auditConfig?.witness_required === true ? () => performance.now() - startedAt : undefined);
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
      // the run stays a cancelled one (exit 6) whatever the witnesses answer
      await witnessRun(audit, opts.auditConfig, runId, cp.seq);
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
 * Asks the configured witnesses to cosign the run's checkpoint. Each that does not is a warning on
 * stderr, and is recorded in the log as a `witness_refusal` (a refusal may be the evidence of a
 * split view), in one transaction under a checkpoint of their own. That checkpoint is sent to the
 * witnesses that cosigned the first, so the newest checkpoint carries every cosignature the run
 * got (`audit verify --witness` checks the newest); what they answer then is only printed
 * (recording it would take yet another checkpoint).
 * With `witness_required` (`requiredSince` gives the run's duration so far) a refusal fails the
 * run: the `run_finished` of a `WitnessError` is recorded after the refusals, and so is an error
 * recording them. Best effort (and for a cancelled run) a refusal that cannot be recorded is a
 * warning.
 */
async function witnessRun(audit: AuditLog, cfg: AuditConfig | undefined, runId: string, seq: number, requiredSince?: () => number): Promise<void> {
  const witnesses = cfg?.witnesses ?? [];
  if (witnesses.length === 0) return;
  const timeout = cfg?.witness_timeout_ms !== undefined ? { timeoutMs: cfg.witness_timeout_ms } : {};
  const outcomes = await cosignCheckpoint(audit, witnesses, { seq, ...timeout });
  const refused = outcomes.filter((o) => !o.ok);
  for (const f of refused) warnNotCosigned(f, 'the checkpoint');
  if (refused.length === 0) return;
  const failure: EntryInput[] = requiredSince
    ? [runFinishedEntry(runId, { status: 'error', exitCode: ExitCode.Internal, durationMs: requiredSince(), errorClass: 'WitnessError' })]
    : [];
  let recorded: number;
  try {
    await audit.appendMany([...refused.map((r) => witnessRefusalEntry(runId, r)), ...failure]);
    recorded = (await audit.checkpoint()).seq;
  } catch (err) {
    if (requiredSince) throw err;
    process.stderr.write(`bulwark: could not record in the audit log that ${refused.length} witness(es) did not cosign: ${(err as Error).message}\n`);
    return;
  }
  // in the order given: cosignCheckpoint answers one outcome per witness
  const cosigners = witnesses.filter((_, i) => outcomes[i]!.ok);
  if (cosigners.length > 0) {
    try {
      for (const f of (await cosignCheckpoint(audit, cosigners, { seq: recorded, ...timeout })).filter((o) => !o.ok)) {
        warnNotCosigned(f, 'the checkpoint that records the refusals');
      }
    } catch (err) {
      process.stderr.write(`bulwark: could not send the checkpoint that records the refusals to the witnesses that cosigned: ${(err as Error).message}\n`);
    }
  }
  if (requiredSince) {
    throw new BulwarkError(
      `witness_required: ${refused.length} of ${witnesses.length} witness(es) did not cosign checkpoint ${seq}: ${refused.map((f) => f.witness).join(', ')}`,
      ExitCode.Internal,
    );
  }
}

function warnNotCosigned(f: CosignOutcome, what: string): void {
  process.stderr.write(`bulwark: witness ${f.witness} did not cosign ${what} (size ${f.treeSize}): ${f.error ?? 'refused'}\n`);
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
