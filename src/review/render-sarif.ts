import { gzipSync } from 'node:zlib';
import type { Log, PhysicalLocation, ReportingDescriptor, Result, Run } from 'sarif';
import { SEVERITIES, type Severity } from '../protocol/findings.js';
import type { DecidedFinding } from '../domain/verdict.js';
import { clampLines } from './lines.js';
import { hasFileLocation, type ReviewReport } from './report.js';

/**
 * SARIF 2.1.0 for GitHub code scanning. Stays within GitHub's upload limits: at most 25,000
 * results per run and 10 MB gzip-compressed; what had to be dropped is counted in the run's
 * properties rather than silently lost.
 */
export const SARIF_MAX_RESULTS = 25_000;
export const SARIF_MAX_GZIP_BYTES = 10 * 1024 * 1024;
export const FINGERPRINT_KEY = 'bulwarkFingerprint/v1';
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub reads `security-severity` (0-10) on rules to show critical/high/medium/low. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };
const RANK = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s);

/** Help shown by code scanning for a rule, by finding category; other categories get a generic text. */
const CATEGORY_HELP: Record<string, string> = {
  security:
    'A change that may weaken security: injection, broken authentication or authorisation, secrets or personal data exposed, unsafe deserialisation, missing validation of untrusted input. Fix the code or explain in the pull request why it is safe.',
  correctness: 'A change that may behave wrongly: logic errors, unhandled cases, wrong results, broken invariants. Check the behaviour with a test.',
  compliance:
    'A change that may break a regulatory or internal control (audit trail, data retention, segregation of duties, logging of regulated data). A human approval may be required.',
  privacy: 'Personal or card data handled in a way that may expose it (logs, errors, third parties). Mask or drop the data.',
  performance: 'A change that may be slow or costly at scale (unbounded loops or queries, N+1 access, large allocations).',
  reliability: 'A change that may fail under load or partial failure (missing timeouts, retries without bounds, unhandled errors).',
  'prompt-injection':
    'Text in the pull request addressed to an automated reviewer (hidden instructions, "approve this PR"). Bulwark ignores such text and reports it; a person should look at why it is there.',
  'bulwark-config':
    "The pull request edits Bulwark's own configuration (bulwark.toml, topology, prompts). The review used the base revision's configuration; the edit needs a human review.",
  style: 'A style remark (opt-in category).',
  nit: 'A minor remark (opt-in category).',
};

function helpText(category: string): string {
  return CATEGORY_HELP[category] ?? `A finding of category "${category}" raised by a Bulwark review stage. Read the result's message for the detail.`;
}

function ruleIdOf(f: DecidedFinding): string {
  return f.ruleId ?? `bulwark/${f.category}`;
}

/** SARIF wants URIs: percent-encode what is not allowed in a relative reference. */
export function toUri(path: string): string {
  return path
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

/**
 * The stable part of `automationDetails.id` (GitHub's "category": everything before the last
 * slash): one per topology, never per pull request, so code scanning compares each upload with the
 * previous one of the same analysis and closes fixed alerts.
 */
export function sarifCategory(r: ReviewReport): string {
  const name = (r.topology ?? 'review').replace(/[^A-Za-z0-9._-]+/g, '-') || 'review';
  return `bulwark/${name}`;
}

export function buildSarif(r: ReviewReport, limit = SARIF_MAX_RESULTS): Log {
  const findings = r.findings.slice(0, limit);
  const counts = r.change.lineCounts ?? {};
  // one rule per id; its severity is the highest of its results
  const rules = new Map<string, { category: string; severity: Severity; index: number }>();
  for (const f of findings) {
    const id = ruleIdOf(f);
    const prev = rules.get(id);
    if (!prev) rules.set(id, { category: f.category, severity: f.severity, index: rules.size });
    else if (RANK(f.severity) > RANK(prev.severity)) prev.severity = f.severity;
  }
  const results: Result[] = findings.map((f) => {
    const rule = rules.get(ruleIdOf(f))!;
    const res: Result = {
      ruleId: ruleIdOf(f),
      ruleIndex: rule.index,
      level: LEVEL[f.severity],
      message: { text: f.message.length > 10_000 ? f.message.slice(0, 10_000) + '…' : f.message },
      partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
      properties: { severity: f.severity, category: f.category, confidence: f.confidence, stage: f.stage, blocking: f.blocking },
    };
    if (hasFileLocation(f)) {
      const physicalLocation: PhysicalLocation = { artifactLocation: { uri: toUri(f.file), uriBaseId: '%SRCROOT%' } };
      if (f.line > 0) {
        const { start, end, note } = clampLines(f, counts[f.file]);
        physicalLocation.region = end > start ? { startLine: start, endLine: end } : { startLine: start };
        if (note) {
          res.message = { text: `${res.message.text} (${note})` };
          res.properties!.reportedLine = f.line;
        }
      }
      res.locations = [{ physicalLocation }];
    }
    return res;
  });
  const sarifRules: ReportingDescriptor[] = [...rules.entries()]
    .sort((a, b) => a[1].index - b[1].index)
    .map(([id, { category, severity }]) => ({
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : '')),
      shortDescription: { text: `Bulwark ${category} finding` },
      fullDescription: { text: helpText(category) },
      help: { text: helpText(category), markdown: `**Bulwark — ${category}**\n\n${helpText(category)}` },
      defaultConfiguration: { level: LEVEL[severity] },
      properties: { tags: [category], 'security-severity': SECURITY_SEVERITY[severity] },
    }));
  const run: Run = {
    tool: {
      driver: {
        name: 'bulwark',
        semanticVersion: r.tool.version,
        version: r.tool.version,
        rules: sarifRules,
      },
    },
    // category (stable) / run (this review)
    automationDetails: { id: `${sarifCategory(r)}/${r.runId}` },
    invocations: [
      {
        executionSuccessful: r.decision.outcome !== 'error',
        exitCode: r.decision.exitCode,
        toolExecutionNotifications: [
          ...r.errors.map((e) => ({ level: 'error' as const, message: { text: e } })),
          ...(r.gate?.warnings ?? []).map((w) => ({ level: 'warning' as const, message: { text: w } })),
        ],
      },
    ],
    results,
    properties: {
      outcome: r.decision.outcome,
      exitCode: r.decision.exitCode,
      coverage: {
        totals: r.coverage.totals,
        complete: r.coverage.complete,
        tokensUsed: r.coverage.tokensUsed,
        tokenBudget: r.coverage.tokenBudget,
        // the per-file record (every file: reviewed | clipped | skipped, with the reason)
        files: r.coverage.files.map((f) => ({ path: f.path, state: f.state, ...(f.reason ? { reason: f.reason } : {}) })),
      },
      resultsOmitted: r.findings.length - findings.length,
      redactions: r.redactions,
      ...(r.gate
        ? {
            gate: {
              flagged: r.gate.flagged,
              ...(r.gate.layer ? { layer: r.gate.layer } : {}),
              ...(r.gate.decidedBy ? { decidedBy: r.gate.decidedBy } : {}),
              reasons: r.gate.reasons.map((x) => x.message),
            },
          }
        : {}),
      ...(r.usage ? { usage: r.usage } : {}),
    },
  };
  if (r.change.headSha && r.change.pr?.url)
    run.versionControlProvenance = [{ repositoryUri: r.change.pr.url.replace(/\/(?:pull|-\/merge_requests)\/\d+$/, ''), revisionId: r.change.headSha }];
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [run],
  };
}

/** Serialises and, if needed, halves the result count until the gzip size fits GitHub's limit. */
export function renderSarif(r: ReviewReport, maxGzipBytes = SARIF_MAX_GZIP_BYTES): string {
  let limit = Math.min(r.findings.length, SARIF_MAX_RESULTS);
  for (;;) {
    const text = JSON.stringify(buildSarif(r, limit), null, 2) + '\n';
    if (limit === 0 || gzipSync(text).length <= maxGzipBytes) return text;
    limit = Math.floor(limit / 2);
  }
}
