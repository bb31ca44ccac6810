import { packageVersion } from '../sandbox/package-paths.js';
import type { Change } from '../domain/change.js';
import type { CoverageRecord } from './coverage.js';
import type { Decision, DecidedFinding, Outcome } from '../domain/verdict.js';
import { addCounts, type RedactionCounts } from '../domain/redact.js';
import { redactTexts } from '../llm/secret-scan.js';
import { stripHidden } from '../domain/untrusted.js';
import { lineCountsRecord } from './lines.js';
import type { ReportUsage } from './usage.js';

/**
 * The review result every renderer consumes (and the JSON format, documented in README). Built
 * once: all text is redacted here (the same rules as for provider input), so no renderer can leak
 * a secret by forgetting to.
 */
export const REPORT_SCHEMA = 'bulwark.review/v1';

export interface ReportGate {
  flagged: boolean;
  reasons: { kind: string; message: string; file?: string }[];
  paths: string[];
  zones: string[];
  /** Which layer decided (static, signals, classifier) and, in words, what it said. */
  layer?: string;
  decidedBy?: string;
  /** Loud warnings: configured roots that match nothing. */
  warnings?: string[];
}

export interface ReviewReport {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'bulwark'; version: string };
  runId: string;
  /** Name of the topology that reviewed (the SARIF category). */
  topology?: string;
  change: {
    source: string;
    description: string;
    baseSha: string | null;
    headSha: string | null;
    mergeBase: string | null;
    files: number;
    /** New-side line counts of files the diff shows whole (added files): used to clamp finding lines. */
    lineCounts?: Record<string, number>;
    pr: { provider: string; number: number; url: string; title: string; repository: string; fromFork: boolean } | null;
    /** Web URL of the base repository, when known (a GitHub or GitLab CI event): findings link into it at `headSha`. */
    repositoryUrl?: string;
  };
  decision: { exitCode: number; outcome: Outcome; reasons: string[] };
  gate: ReportGate | null;
  /** All findings after policy filters, most severe first. Renderers show the first `maxFindings`. */
  findings: DecidedFinding[];
  maxFindings: number;
  counts: Decision['counts'] & { bySeverity: Record<string, number> };
  coverage: CoverageRecord;
  /** Secrets redacted, per kind, across everything sent to providers and everything published. */
  redactions: RedactionCounts;
  /** The pipeline's own Markdown summary, when it produced one (redacted). */
  summaryMarkdown: string | null;
  errors: string[];
  /** Models (requested, returned, mismatches), tokens and cost per stage and for the run; absent when no pipeline ran. */
  usage?: ReportUsage;
}

export interface BuildReportInput {
  runId: string;
  topology?: string;
  change: Change;
  decision: Decision;
  gate: ReportGate | null;
  coverage: CoverageRecord;
  maxFindings: number;
  summaryMarkdown?: string | null;
  /** Redactions already made upstream (prompt inputs); output redactions are added to them. */
  redactions?: RedactionCounts;
  /** Web URL of the base repository (`repositoryWebUrl`). */
  repositoryUrl?: string | null;
  usage?: ReportUsage;
}

export async function buildReport(input: BuildReportInput): Promise<ReviewReport> {
  // every text of the report, redacted in one batch and read back by position
  const texts: string[] = [];
  const add = (s: string): number => texts.push(s) - 1;
  const pr = input.change.pr;
  const refs = {
    findings: input.decision.findings.map((f) => ({ message: add(f.message), suggestion: f.suggestion !== undefined ? add(f.suggestion) : -1 })),
    description: add(input.change.source.description),
    prTitle: pr ? add(stripHidden(pr.title)) : -1,
    reasons: input.decision.reasons.map(add),
    gate: (input.gate?.reasons ?? []).map((r) => add(r.message)),
    gateDecidedBy: input.gate?.decidedBy !== undefined ? add(input.gate.decidedBy) : -1,
    summary: input.summaryMarkdown ? add(input.summaryMarkdown) : -1,
    errors: input.decision.reasons.filter((r) => r.startsWith('error: ')).map((r) => add(r.slice(7))),
  };
  const redacted = await redactTexts(texts);
  const counts: RedactionCounts = { ...(input.redactions ?? {}) };
  for (const r of redacted) addCounts(counts, r.counts);
  const clean = (i: number): string => redacted[i]!.text;

  const findings = input.decision.findings.map((f, i) => {
    const ref = refs.findings[i]!;
    const out: DecidedFinding = { ...f, message: clean(ref.message) };
    if (f.suggestion !== undefined) out.suggestion = clean(ref.suggestion);
    return out;
  });
  const bySeverity: Record<string, number> = {};
  for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'bulwark', version: packageVersion },
    runId: input.runId,
    ...(input.topology !== undefined ? { topology: input.topology } : {}),
    change: {
      source: input.change.source.kind,
      description: clean(refs.description),
      baseSha: input.change.baseSha,
      headSha: input.change.headSha,
      mergeBase: input.change.mergeBase,
      files: input.change.files.length,
      lineCounts: lineCountsRecord(input.change),
      pr: pr
        ? { provider: pr.provider, number: pr.number, url: pr.htmlUrl, title: clean(refs.prTitle), repository: pr.repository, fromFork: pr.fromFork }
        : null,
      ...(input.repositoryUrl ? { repositoryUrl: input.repositoryUrl } : {}),
    },
    decision: { exitCode: input.decision.exitCode, outcome: input.decision.outcome, reasons: refs.reasons.map(clean) },
    gate: input.gate
      ? {
          ...input.gate,
          reasons: input.gate.reasons.map((r, i) => ({ ...r, message: clean(refs.gate[i]!) })),
          ...(refs.gateDecidedBy >= 0 ? { decidedBy: clean(refs.gateDecidedBy) } : {}),
        }
      : null,
    findings,
    maxFindings: input.maxFindings,
    counts: { ...input.decision.counts, bySeverity },
    coverage: input.coverage,
    redactions: counts,
    summaryMarkdown: refs.summary >= 0 ? clean(refs.summary) : null,
    errors: refs.errors.map(clean),
    ...(input.usage ? { usage: input.usage } : {}),
  };
}

export const OUTCOME_LABEL: Record<Outcome, string> = {
  pass: 'pass',
  blocking: 'blocking findings',
  approval_required: 'approval required',
  error: 'error (fails closed)',
};

/** True for findings that point at a real file (not PR metadata such as the description). */
export function hasFileLocation(f: { file: string }): boolean {
  return !f.file.startsWith('(');
}
