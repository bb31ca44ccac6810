import type { LogStore } from '../audit/store.js';
import type { GateConfig, GateZone } from '../gate/config.js';
import { BulwarkError, UsageError } from '../domain/errors.js';
import { githubPrincipal, type ApprovalsConfig } from './config.js';
import { verifyApprovalSignature, type ApprovalEntry } from './approve.js';
import { entriesOfKind, runFacts, type Located } from './log-facts.js';

/**
 * Whether a flagged run has the approvals its zones require. Pure rules (`evaluateZones`) over
 * facts read from the log (`approvalStatus`): every recorded approval is re-verified, so an
 * approval whose signature or key no longer checks out does not count.
 */

export interface CountedApproval {
  index: number;
  reviewer: string;
  /** Principal the approval counts as (GitHub logins mapped via [approvals] github_users). */
  principal: string;
  decision: ApprovalEntry['decision'];
  method: ApprovalEntry['method'];
  time: string;
}

export interface ZoneStatus {
  zone: string;
  required: number;
  /** Distinct eligible principals whose latest decision is approve. */
  approvedBy: string[];
  /** Required groups with no approving member yet. */
  missingGroups: string[];
  /** Eligible principals whose latest decision is reject (any one blocks the zone). */
  rejectedBy: string[];
  satisfied: boolean;
}

export interface ApprovalStatus {
  runId: string;
  changeHash: string | null;
  /** Head commit the run reviewed, when recorded. */
  head: string | null;
  flagged: boolean;
  approved: boolean;
  zones: ZoneStatus[];
  approvals: CountedApproval[];
  /** Approvals that were not counted and why (bad signature, other change, unknown key...). */
  ignored: { index: number; reviewer: string; reason: string }[];
  reasons: string[];
}

/** The pseudo-zone used when a run is flagged without naming a configured zone. */
export const DEFAULT_ZONE = '(flagged change)';

export function evaluateZones(
  zones: readonly string[],
  approvals: readonly CountedApproval[],
  gate: Pick<GateConfig, 'zones'> | undefined,
  cfg: Pick<ApprovalsConfig, 'required' | 'zone_required' | 'groups'>,
): ZoneStatus[] {
  // The latest decision of each principal wins (a reviewer may reject, then approve a fix).
  const latest = new Map<string, CountedApproval>();
  for (const a of [...approvals].sort((x, y) => x.index - y.index)) latest.set(a.principal, a);
  const names = zones.length > 0 ? zones : [DEFAULT_ZONE];
  return names.map((zone) => {
    const def: GateZone | undefined = gate?.zones.find((z) => z.name === zone);
    const groups = def?.approver_groups ?? [];
    const eligible = new Set<string>(def?.approvers ?? []);
    for (const g of groups) for (const m of cfg.groups[g] ?? []) eligible.add(m);
    const isEligible = (p: string): boolean => eligible.size === 0 || eligible.has(p);
    const approvedBy = [...latest.values()]
      .filter((a) => a.decision === 'approve' && isEligible(a.principal))
      .map((a) => a.principal)
      .sort();
    const rejectedBy = [...latest.values()]
      .filter((a) => a.decision === 'reject' && isEligible(a.principal))
      .map((a) => a.principal)
      .sort();
    const missingGroups = groups.filter((g) => !(cfg.groups[g] ?? []).some((m) => approvedBy.includes(m)));
    const required = cfg.zone_required[zone] ?? cfg.required;
    return {
      zone,
      required,
      approvedBy,
      missingGroups,
      rejectedBy,
      satisfied: approvedBy.length >= required && missingGroups.length === 0 && rejectedBy.length === 0,
    };
  });
}

export interface ApprovalStatusOptions {
  store: LogStore;
  runId: string;
  gate: Pick<GateConfig, 'zones'> | undefined;
  approvals: ApprovalsConfig;
  /** Needed to re-verify CLI approvals; without it they are not counted. */
  allowedSignersFile: string | undefined;
}

export async function approvalStatus(opts: ApprovalStatusOptions): Promise<ApprovalStatus> {
  const facts = await runFacts(opts.store, opts.runId);
  if (!facts) throw new UsageError(`run ${opts.runId} is not in the audit log ${opts.store.location}`);
  const changeHash = facts.changeHash ?? null;
  const head = facts.started?.entry.head ?? null;
  const reasons: string[] = [];
  if (!facts.gate) {
    // Fail closed: without a recorded gate decision nothing says the change may pass.
    return {
      runId: opts.runId,
      changeHash,
      head,
      flagged: true,
      approved: false,
      zones: [],
      approvals: [],
      ignored: [],
      reasons: ['no gate decision recorded for this run'],
    };
  }
  const gate = facts.gate.entry;
  if (!gate.flagged)
    return {
      runId: opts.runId,
      changeHash,
      head,
      flagged: false,
      approved: true,
      zones: [],
      approvals: [],
      ignored: [],
      reasons: ['gate did not flag the change'],
    };

  const counted: CountedApproval[] = [];
  const ignored: ApprovalStatus['ignored'] = [];
  const all: Located<ApprovalEntry>[] = await entriesOfKind(opts.store, 'approval');
  for (const { index, entry } of all) {
    if (entry.run_id !== opts.runId && (changeHash === null || entry.change_hash !== changeHash)) continue;
    if (changeHash === null || entry.change_hash !== changeHash) {
      ignored.push({ index, reviewer: entry.reviewer, reason: `approves change ${entry.change_hash}, the run reviewed ${changeHash ?? 'no recorded change'}` });
      continue;
    }
    let principal = entry.reviewer;
    if (entry.method === 'cli') {
      if (!opts.allowedSignersFile) {
        ignored.push({ index, reviewer: entry.reviewer, reason: 'no [approvals] allowed_signers configured to verify the signature' });
        continue;
      }
      try {
        await verifyApprovalSignature(entry, opts.allowedSignersFile);
      } catch (err) {
        if (!(err instanceof BulwarkError)) throw err;
        ignored.push({ index, reviewer: entry.reviewer, reason: err.message });
        continue;
      }
    } else {
      // an imported GitHub review counts only for a login mapped to a principal: otherwise one
      // person could count twice (SSH-signed as alice@…, and again as github:alice)
      const login = entry.reviewer.replace(/^github:/, '');
      const mapped = githubPrincipal(opts.approvals.github_users, login);
      if (mapped === undefined) {
        ignored.push({ index, reviewer: entry.reviewer, reason: `GitHub login ${login} is not mapped to a principal in [approvals] github_users` });
        continue;
      }
      principal = mapped;
    }
    counted.push({ index, reviewer: entry.reviewer, principal, decision: entry.decision, method: entry.method, time: entry.time });
  }
  const zones = evaluateZones(gate.zones, counted, opts.gate, opts.approvals);
  for (const z of zones) {
    if (z.satisfied) continue;
    const parts = [`zone ${z.zone}: ${z.approvedBy.length}/${z.required} approvals`];
    if (z.missingGroups.length > 0) parts.push(`missing group ${z.missingGroups.join(', ')}`);
    if (z.rejectedBy.length > 0) parts.push(`rejected by ${z.rejectedBy.join(', ')}`);
    reasons.push(parts.join('; '));
  }
  return { runId: opts.runId, changeHash, head, flagged: true, approved: zones.every((z) => z.satisfied), zones, approvals: counted, ignored, reasons };
}
