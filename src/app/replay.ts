import { entriesOfKind } from '../approval/log-facts.js';
import { resolveAuditConfigPaths } from '../audit/config.js';
import { ExitCode, UsageError } from '../domain/errors.js';
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_STREAM_CALL_TIMEOUT_MS } from '../llm/gateway.js';
import { parseRecordedBlob, replayCall, wasStreamed, type ReplayedCall } from '../llm/replay.js';
import { resolveProviders } from '../llm/select.js';
import { packageVersion } from '../sandbox/package-paths.js';
import { loadBulwarkConfig } from './config.js';
import { withRun } from './lifecycle.js';

export interface ReplayFlags {
  run: string;
  config?: string;
  auditDb?: string;
}

export interface ReplayOutcome {
  /** 0 every call reproduced its output, 1 some output differs, 5 some call could not be re-sent. */
  exitCode: number;
  /** The replay's own run id in the audit log. */
  runId: string;
  replayOf: string;
  calls: ReplayedCall[];
  /** Recorded calls that failed (no output to compare) and were not re-sent. */
  skipped: number;
}

/**
 * `bulwark replay --run ID`: every successful model call of a recorded run, re-sent from its audit
 * blob (the exact request body: model, sampling, messages, tools) to the provider of that name as
 * configured now, one at a time, each compared with its recorded output. The replay is a run of its
 * own (`run_started.replay_of`), with an llm_call entry per re-sent call.
 */
export async function replayRun(flags: ReplayFlags, env: NodeJS.ProcessEnv = process.env): Promise<ReplayOutcome> {
  const cfg = loadBulwarkConfig(flags.config ?? process.cwd());
  const providers = await resolveProviders({ config: cfg.provider, configDir: cfg.dir, env });
  const auditConfig = cfg.audit ? resolveAuditConfigPaths(cfg.audit, cfg.dir) : undefined;
  const configured = cfg.provider.timeout_seconds !== undefined ? cfg.provider.timeout_seconds * 1000 : undefined;
  const idleTimeoutMs = (cfg.provider.idle_timeout_seconds ?? DEFAULT_IDLE_TIMEOUT_MS / 1000) * 1000;
  return withRun({ kind: 'replay', ...(flags.auditDb ? { auditDb: flags.auditDb } : {}), ...(auditConfig ? { auditConfig } : {}) }, async (run) => {
    const recorded = (await entriesOfKind(run.audit.store, 'llm_call', flags.run)).filter((e) => e.entry.run_id === flags.run);
    if (recorded.length === 0) throw new UsageError(`--run ${flags.run}: the audit log (${run.audit.location}) has no model calls of that run`);
    await run.start({ bulwark_version: packageVersion, replay_of: flags.run });
    const calls: ReplayedCall[] = [];
    let skipped = 0;
    for (const { index, entry } of recorded) {
      if (entry.status !== 'ok' || entry.blob === null) {
        skipped++;
        continue;
      }
      const base = { index, stage: entry.stage, provider: entry.provider, model: entry.model_requested, recordedHash: null, replayedHash: null };
      const error = (message: string): ReplayedCall => ({ ...base, status: 'error', identicalBody: false, modelReturned: null, error: message });
      const bytes = await run.audit.getBlob(entry.blob);
      if (!bytes) {
        calls.push(error(`blob ${entry.blob} is not in the log (moved out or purged by retention)`));
        continue;
      }
      let blob;
      try {
        blob = parseRecordedBlob(Buffer.from(bytes).toString('utf8'));
      } catch (err) {
        calls.push(error(`blob ${entry.blob}: ${(err as Error).message}`));
        continue;
      }
      const provider = providers.byName.get(blob.provider)?.provider;
      if (!provider) {
        calls.push(error(`provider "${blob.provider}" is not configured here (the recorded call went to it)`));
        continue;
      }
      calls.push(
        await replayCall(
          provider,
          { index, stage: entry.stage, agentId: entry.agent_id, entry, blob },
          {
            runId: run.runId,
            audit: run.audit,
            // the gateway's deadlines: a streamed call may run long while its tokens keep coming
            timeoutMs: configured ?? (wasStreamed(blob) ? DEFAULT_STREAM_CALL_TIMEOUT_MS : DEFAULT_CALL_TIMEOUT_MS),
            idleTimeoutMs,
          },
        ),
      );
    }
    const exitCode = calls.some((c) => c.status === 'error')
      ? ExitCode.Internal
      : calls.some((c) => c.status === 'mismatch')
        ? ExitCode.BlockingFindings
        : ExitCode.Pass;
    await run.finish({
      status: exitCode === ExitCode.Pass ? 'pass' : exitCode === ExitCode.BlockingFindings ? 'blocking' : 'error',
      exitCode,
      ...(exitCode === ExitCode.Internal ? { errorClass: 'replay_failed' } : exitCode === ExitCode.BlockingFindings ? { errorClass: 'output_differs' } : {}),
    });
    return { exitCode, runId: run.runId, replayOf: flags.run, calls, skipped };
  });
}

/** The text report: one line per call, the diff under each one that differs. */
export function formatReplay(o: ReplayOutcome): string {
  const out: string[] = [`replay of run ${o.replayOf} (recorded as run ${o.runId})`];
  for (const c of o.calls) {
    const label = c.status === 'match' ? 'match' : c.status === 'mismatch' ? 'MISMATCH' : 'ERROR';
    const returned = c.modelReturned ? ` → ${c.modelReturned}` : '';
    out.push(
      `  #${c.index} ${c.stage} ${c.provider}/${c.model}${returned}: ${label}${c.status === 'match' && c.identicalBody ? ' (identical response body)' : ''}${c.error ? `: ${c.error}` : ''}`,
    );
    if (c.diff)
      out.push(
        ...c.diff
          .trimEnd()
          .split('\n')
          .map((l) => `    ${l}`),
      );
  }
  const n = (s: ReplayedCall['status']): number => o.calls.filter((c) => c.status === s).length;
  out.push(
    `${o.calls.length} call(s) re-sent: ${n('match')} match, ${n('mismatch')} differ, ${n('error')} failed${o.skipped ? `; ${o.skipped} recorded failed call(s) not re-sent` : ''}`,
  );
  return out.join('\n') + '\n';
}
