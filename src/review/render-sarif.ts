import { gzipSync } from 'node:zlib';
import type { Severity } from '../protocol/findings.js';
import type { DecidedFinding } from '../domain/verdict.js';
import { hasFileLocation, type ReviewReport } from './report.js';

/**
 * SARIF 2.1.0 for GitHub code scanning. Stays within GitHub's upload limits: at most 25,000
 * results per run and 10 MB gzip-compressed; what had to be dropped is counted in the run's
 * properties rather than silently lost.
 */
export const SARIF_MAX_RESULTS = 25_000;
export const SARIF_MAX_GZIP_BYTES = 10 * 1024 * 1024;
export const FINGERPRINT_KEY = 'bulwarkFingerprint/v1';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub reads `security-severity` (0-10) on rules to show critical/high/medium/low. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

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

export function buildSarif(r: ReviewReport, limit = SARIF_MAX_RESULTS): Record<string, unknown> {
  const findings = r.findings.slice(0, limit);
  const rules = new Map<string, { f: DecidedFinding; index: number }>();
  for (const f of findings) {
    const id = ruleIdOf(f);
    const prev = rules.get(id);
    if (!prev) rules.set(id, { f, index: rules.size });
    else if (LEVEL[f.severity] === 'error' && LEVEL[prev.f.severity] !== 'error') rules.set(id, { f, index: prev.index });
  }
  const results = findings.map((f) => {
    const res: Record<string, unknown> = {
      ruleId: ruleIdOf(f),
      ruleIndex: rules.get(ruleIdOf(f))!.index,
      level: LEVEL[f.severity],
      message: { text: f.message.length > 10_000 ? f.message.slice(0, 10_000) + '…' : f.message },
      partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
      properties: { severity: f.severity, category: f.category, confidence: f.confidence, stage: f.stage, blocking: f.blocking },
    };
    if (hasFileLocation(f)) {
      const physicalLocation: Record<string, unknown> = { artifactLocation: { uri: toUri(f.file), uriBaseId: '%SRCROOT%' } };
      if (f.line > 0) {
        const region: Record<string, number> = { startLine: f.line };
        if (f.endLine !== undefined && f.endLine >= f.line) region.endLine = f.endLine;
        physicalLocation.region = region;
      }
      res.locations = [{ physicalLocation }];
    }
    return res;
  });
  const sarifRules = [...rules.entries()]
    .sort((a, b) => a[1].index - b[1].index)
    .map(([id, { f }]) => ({
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : '')),
      shortDescription: { text: `Bulwark ${f.category} finding` },
      defaultConfiguration: { level: LEVEL[f.severity] },
      properties: { tags: [f.category], 'security-severity': SECURITY_SEVERITY[f.severity] },
    }));
  const run: Record<string, unknown> = {
    tool: {
      driver: {
        name: 'bulwark',
        semanticVersion: r.tool.version,
        version: r.tool.version,
        rules: sarifRules,
      },
    },
    automationDetails: { id: `bulwark/${r.change.pr ? `pr-${r.change.pr.number}` : 'review'}/` },
    invocations: [
      {
        executionSuccessful: r.decision.outcome !== 'error',
        exitCode: r.decision.exitCode,
        toolExecutionNotifications: r.errors.map((e) => ({ level: 'error', message: { text: e } })),
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
    },
  };
  if (r.change.headSha && r.change.pr?.url) run.versionControlProvenance = [{ repositoryUri: r.change.pr.url.replace(/\/(?:pull|-\/merge_requests)\/\d+$/, ''), revisionId: r.change.headSha }];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
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
