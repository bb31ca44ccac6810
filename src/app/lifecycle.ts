import { randomBytes } from 'node:crypto';
import { auditStoreFiles, type AuditConfig } from '../audit/config.js';
import { openAuditLog, type AuditLog } from '../audit/index.js';
import { BulwarkError, ExitCode } from '../domain/errors.js';
import { runFinishedEntry, runStartedEntry, type RunFinishedFacts, type RunStartedFacts } from '../domain/run-entries.js';

/**
 * The one run lifecycle every recorded command shares: run id, opening the audit log, the
 * never-granted audit files, `run_started`, mapping any failure to a `run_finished` error, the
 * signed checkpoint and closing the log. Commands supply only what happens in between.
 */

export type RunKind = 'review' | 'run' | 'gate' | 'replay';

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
  const runId = opts.runId ?? newRunId(opts.kind);
  let finished = false;
  const run: Run = {
    runId,
    audit,
    auditFiles: auditStoreFiles(audit.location, opts.auditConfig),
    elapsedMs: () => performance.now() - startedAt,
    async start(facts) {
      await audit.append(runStartedEntry(runId, opts.kind, facts));
    },
    async finish(f) {
      finished = true;
      await audit.append(runFinishedEntry(runId, { ...f, durationMs: performance.now() - startedAt }));
      // a run whose log cannot be checkpointed is not evidence: the error fails the command
      await audit.checkpoint();
    },
  };
  try {
    return await body(run);
  } catch (err) {
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
    await audit.close().catch(() => undefined);
  }
}
