import { ExitCode } from './errors.js';
import type { Change } from './change.js';
import { newLineText } from './change.js';
import { atLeast, compareFindings, fingerprint, type Finding, type Severity } from '../protocol/findings.js';

/** Categories that are noise for most teams; reported only when listed in enable_categories. */
export const OPT_IN_CATEGORIES = ['style', 'nit'] as const;

/** The part of `[review]` that decides the verdict. */
export interface VerdictConfig {
  fail_on: Severity | 'none';
  min_confidence: number;
  block_categories: string[];
  enable_categories: string[];
}

/**
 * The deterministic decision over structured findings. Nothing here reads model prose: only
 * severity, category, confidence and the gate's flag decide the exit code, and an error always
 * wins over a pass.
 */

export interface DecidedFinding extends Finding {
  fingerprint: string;
  blocking: boolean;
}

export type Outcome = 'pass' | 'blocking' | 'approval_required' | 'error';

export interface Decision {
  exitCode: 0 | 1 | 2 | 4 | 5;
  outcome: Outcome;
  reasons: string[];
  /** Findings that passed the filters, most severe first, de-duplicated by fingerprint. */
  findings: DecidedFinding[];
  counts: {
    total: number;
    blocking: number;
    belowConfidence: number;
    optInDropped: number;
    duplicates: number;
  };
}

export interface PolicyInput {
  findings: Finding[];
  config: VerdictConfig;
  /** The compliance gate's verdict; null when no gate ran (no gate config). */
  gate: { flagged: boolean; reasons: { message: string }[] } | null;
  /** Pipeline/provider failures. Any entry makes the run an error (exit 5). */
  errors: string[];
  /** The sandbox could not be enforced for some stage (exit 4, also an error). */
  sandboxErrors?: string[];
  /** Used to fingerprint findings by the content of their line. */
  change?: Change;
  /** Files the models were meant to see but did not see in full; any makes the review incomplete. */
  incomplete?: { files: readonly { path: string; reason?: string }[]; decide: 'approval' | 'fail' };
}

const MAX_LISTED_INCOMPLETE = 20;

/** Findings raised by Bulwark itself (injection, protected-file edits): never filtered away. */
export const BULWARK_STAGE = 'bulwark';

export function lineTextFor(change: Change | undefined, f: Pick<Finding, 'file' | 'line'>): string {
  if (!change || f.line <= 0) return '';
  const file = change.files.find((x) => x.path === f.file);
  return (file && newLineText(file, f.line)) ?? '';
}

export function decide(input: PolicyInput): Decision {
  const { config } = input;
  const enabled = new Set(config.enable_categories);
  const optIn = new Set<string>(OPT_IN_CATEGORIES);
  const blockCats = new Set(config.block_categories);
  let belowConfidence = 0;
  let optInDropped = 0;
  let duplicates = 0;
  const byFp = new Map<string, DecidedFinding>();
  for (const f of input.findings) {
    const own = f.stage === BULWARK_STAGE;
    if (!own && optIn.has(f.category) && !enabled.has(f.category)) {
      optInDropped++;
      continue;
    }
    if (!own && f.confidence < config.min_confidence) {
      belowConfidence++;
      continue;
    }
    const fp = fingerprint(f, lineTextFor(input.change, f));
    const blocking = (config.fail_on !== 'none' && atLeast(f.severity, config.fail_on)) || blockCats.has(f.category);
    const d: DecidedFinding = { ...f, fingerprint: fp, blocking };
    const prev = byFp.get(fp);
    if (prev) {
      duplicates++;
      if (compareFindings(d, prev) < 0) byFp.set(fp, d);
    } else byFp.set(fp, d);
  }
  const findings = [...byFp.values()].sort(compareFindings);
  const blocking = findings.filter((f) => f.blocking).length;
  const reasons: string[] = [];
  let exitCode: Decision['exitCode'];
  let outcome: Outcome;
  const sandboxErrors = input.sandboxErrors ?? [];
  const incomplete = input.incomplete?.files ?? [];
  if (sandboxErrors.length > 0 || input.errors.length > 0) {
    exitCode = sandboxErrors.length > 0 ? ExitCode.Sandbox : ExitCode.Internal;
    outcome = 'error';
    reasons.push(...sandboxErrors.map((e) => `error: sandbox cannot be enforced: ${e}`), ...input.errors.map((e) => `error: ${e}`));
  } else if (blocking > 0 || (incomplete.length > 0 && input.incomplete?.decide === 'fail')) {
    exitCode = ExitCode.BlockingFindings;
    outcome = 'blocking';
  } else if (input.gate?.flagged || incomplete.length > 0) {
    exitCode = ExitCode.ApprovalRequired;
    outcome = 'approval_required';
  } else {
    exitCode = ExitCode.Pass;
    outcome = 'pass';
  }
  if (blocking > 0)
    reasons.push(
      `${blocking} blocking finding${blocking === 1 ? '' : 's'} (fail_on = ${config.fail_on}${blockCats.size ? `, block_categories = ${[...blockCats].join(', ')}` : ''})`,
    );
  if (input.gate?.flagged) reasons.push(...input.gate.reasons.map((r) => `approval required: ${r.message}`));
  if (input.gate?.flagged && input.gate.reasons.length === 0) reasons.push('approval required: the compliance gate flagged this change');
  if (incomplete.length > 0) {
    const listed = incomplete.slice(0, MAX_LISTED_INCOMPLETE).map((f) => `${f.path}${f.reason ? ` (${f.reason})` : ''}`);
    const more = incomplete.length > MAX_LISTED_INCOMPLETE ? ` and ${incomplete.length - MAX_LISTED_INCOMPLETE} more` : '';
    const what = input.incomplete?.decide === 'fail' ? 'blocking' : 'approval required';
    reasons.push(
      `${what}: incomplete review (on_incomplete = ${input.incomplete?.decide}): ${incomplete.length} file${incomplete.length === 1 ? ' was' : 's were'} not reviewed in full: ${listed.join(', ')}${more}`,
    );
  }
  return {
    exitCode,
    outcome,
    reasons,
    findings,
    counts: { total: findings.length, blocking, belowConfidence, optInDropped, duplicates },
  };
}
