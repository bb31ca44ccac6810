import path from 'node:path';
import { entriesOfKind } from '../approval/log-facts.js';
import { approvalStatus } from '../approval/status.js';
import { parseApprovalsConfig, type ApprovalsConfig } from '../approval/config.js';
import type { LogStore } from '../audit/store.js';
import type { GateConfig } from '../gate/config.js';

export interface PreviousRun {
  runId: string;
  exitCode: number;
  /** `approval`: the run said "approval required" and the log now holds the approvals its zones need. */
  via: 'audit-log' | 'approval';
}

export interface PreviousRunQuery {
  head: string;
  changeHash: string;
  /** The review's configuration hash (hex), as recorded in `run_started.config_hash`. */
  configHash: string;
}

/**
 * The verdict of the newest review of exactly this change (head commit and change hash) under
 * this configuration, as the audit log records it; none when that review ended in an error or
 * has not ended. Only the log is believed: a check run or commit
 * status on GitHub can be written by anyone with `checks`/`statuses` permission, so it never
 * decides an exit code. A run that ended in an error does not count. An "approval required" run
 * becomes 0 only when the approvals recorded since satisfy its zones (signatures re-verified).
 */
export async function previousRunInLog(
  store: LogStore,
  q: PreviousRunQuery,
  policy: { gate: GateConfig | undefined; approvals: ApprovalsConfig | undefined; configDir: string },
): Promise<PreviousRun | null> {
  const configHash = `sha256:${q.configHash}`;
  const starts = (await entriesOfKind(store, 'run_started')).filter(
    (s) => s.entry.command === 'review' && s.entry.head === q.head && s.entry.change_hash === q.changeHash && s.entry.config_hash === configHash,
  );
  // only the newest such run counts: when it ended in an error (or never ended), an older verdict
  // is not a stand-in for it (a blocking run whose publishing failed must not revive an older pass)
  const newest = starts.at(-1);
  if (!newest) return null;
  const runId = newest.entry.run_id;
  const finished = (await entriesOfKind(store, 'run_finished', runId)).at(-1);
  if (!finished || finished.entry.status === 'error') return null;
  if (finished.entry.exit_code === 2) {
    const approvals = parseApprovalsConfig(policy.approvals);
    const signers = approvals.allowed_signers ? path.resolve(policy.configDir, approvals.allowed_signers) : undefined;
    const status = await approvalStatus({ store, runId, gate: policy.gate, approvals, allowedSignersFile: signers });
    if (status.approved) return { runId, exitCode: 0, via: 'approval' };
  }
  return { runId, exitCode: finished.entry.exit_code, via: 'audit-log' };
}
