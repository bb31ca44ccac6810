import path from 'node:path';
import { z } from 'zod';
import { entriesOfKind } from '../approval/log-facts.js';
import { approvalStatus } from '../approval/status.js';
import { parseApprovalsConfig, type ApprovalsConfig } from '../approval/config.js';
import type { LogStore } from '../audit/store.js';
import type { AuditLog } from '../audit/index.js';
import type { EntryOf } from '../domain/audit-entries.js';
import { findingSchema, type Finding } from '../protocol/findings.js';
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
  if (!finished || finished.entry.status === 'error' || finished.entry.status === 'cancelled') return null;
  if (finished.entry.exit_code === 2) {
    const approvals = parseApprovalsConfig(policy.approvals);
    const signers = approvals.allowed_signers ? path.resolve(policy.configDir, approvals.allowed_signers) : undefined;
    const status = await approvalStatus({ store, runId, gate: policy.gate, approvals, allowedSignersFile: signers });
    if (status.approved) return { runId, exitCode: 0, via: 'approval' };
  }
  return { runId, exitCode: finished.entry.exit_code, via: 'audit-log' };
}

export interface IncrementalQuery {
  pr: { provider: 'github' | 'gitlab'; number: number; repository?: string };
  /** The new head; the earlier head must be an ancestor of it (and not it). */
  head: string;
  base: string;
  /** The review's configuration hash (hex), as recorded in `run_started.config_hash`. */
  configHash: string;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
}

/** The earlier review an incremental one continues from, with the findings it reported. */
export interface IncrementalBase {
  runId: string;
  head: string;
  /** Stage findings of that run and of the runs it was itself incremental against, newest first. */
  findings: { runId: string; head: string; findings: Finding[] }[];
}

export type IncrementalDecision = { kind: 'incremental'; from: IncrementalBase } | { kind: 'full'; reason: string };

/** How far a chain of incremental runs is followed back for their carried findings. */
const MAX_CHAIN = 50;

type Store = Pick<AuditLog, 'store' | 'getBlob'>;

async function finishedOk(log: Store, runId: string): Promise<boolean> {
  const finished = (await entriesOfKind(log.store, 'run_finished', runId)).at(-1);
  return finished !== undefined && finished.entry.status !== 'error' && finished.entry.status !== 'cancelled';
}

/**
 * The findings a run's stages returned, from their output blobs; null when any of them can no
 * longer be read (moved out by retention, or not a stage output): its findings are unknown then.
 */
async function stageFindings(log: Store, runId: string): Promise<Finding[] | null> {
  const out: Finding[] = [];
  for (const s of await entriesOfKind(log.store, 'stage_finished', runId)) {
    if (!s.entry.output_blob) continue;
    const bytes = await log.getBlob(s.entry.output_blob);
    if (!bytes) return null;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      return null;
    }
    const parsed = stageOutputSchema.safeParse(json);
    if (!parsed.success) return null;
    for (const f of parsed.data.findings) {
      // stage output crossed the sandbox boundary once: its shape is checked again on the way back
      const p = findingSchema.safeParse(f);
      if (p.success) out.push(p.data);
    }
  }
  return out;
}

const stageOutputSchema = z.object({ findings: z.array(z.unknown()).default([]) });

/**
 * Whether a new push of a PR can be reviewed incrementally, from Bulwark's own audit log only
 * (a check, status or comment on the forge could be written by anyone with the permission): the
 * newest review of the same PR that finished without an error and whose head is an ancestor of
 * the new head. When that review ran under another configuration or against another base, the
 * review is a full one. The findings returned include those of the runs the earlier review was
 * itself incremental against, so a finding survives a chain of pushes until its line changes.
 */
export async function incrementalBaseInLog(log: Store, q: IncrementalQuery): Promise<IncrementalDecision | null> {
  const starts = (await entriesOfKind(log.store, 'run_started')).filter(
    (s) => s.entry.command === 'review' && samePr(s.entry.pr, q.pr) && s.entry.head && s.entry.head !== q.head,
  );
  const newestFirst = [...starts].reverse();
  let earlier: (typeof starts)[number] | undefined;
  for (const s of newestFirst) {
    if (!(await finishedOk(log, s.entry.run_id))) continue;
    if (await q.isAncestor(s.entry.head!, q.head)) {
      earlier = s;
      break;
    }
  }
  if (!earlier) return null;
  const e = earlier.entry;
  const configHash = `sha256:${q.configHash}`;
  if (e.config_hash !== configHash) return { kind: 'full', reason: `the configuration changed since run ${e.run_id}` };
  if (e.base !== q.base) return { kind: 'full', reason: `the base moved since run ${e.run_id} (${(e.base ?? 'none').slice(0, 12)} → ${q.base.slice(0, 12)})` };
  const findings: IncrementalBase['findings'] = [];
  let cur: typeof e | undefined = e;
  const seen = new Set<string>();
  // Every run of the chain must be read whole: a finding an increment never saw again exists only
  // in the run that reported it, so a gap in the chain would drop it (and could turn a block into a
  // pass). Any gap makes the review a full one.
  while (cur) {
    if (seen.has(cur.run_id)) break;
    if (findings.length >= MAX_CHAIN) return { kind: 'full', reason: `more than ${MAX_CHAIN} incremental reviews in a row` };
    seen.add(cur.run_id);
    const own = await stageFindings(log, cur.run_id);
    if (own === null) return { kind: 'full', reason: `the stage outputs of run ${cur.run_id} are no longer in the audit log` };
    findings.push({ runId: cur.run_id, head: cur.head!, findings: own });
    const from: string | undefined = cur.incremental_from;
    if (!from) break;
    // the run it continued from: the newest finished review of this PR at that head, same configuration and base
    let next: typeof e | undefined;
    for (const s of newestFirst) {
      if (
        s.entry.head === from &&
        s.entry.config_hash === configHash &&
        s.entry.base === q.base &&
        s.entry.run_id !== cur.run_id &&
        (await finishedOk(log, s.entry.run_id))
      ) {
        next = s.entry;
        break;
      }
    }
    if (!next) return { kind: 'full', reason: `run ${cur.run_id} continued a review at ${from.slice(0, 12)} that the audit log does not hold` };
    cur = next;
  }
  return { kind: 'incremental', from: { runId: e.run_id, head: e.head!, findings } };
}

function samePr(a: EntryOf<'run_started'>['pr'], b: IncrementalQuery['pr']): boolean {
  return a !== undefined && a.provider === b.provider && a.number === b.number && (a.repository ?? '') === (b.repository ?? '');
}
