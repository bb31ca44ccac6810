import { formatCost, usageText } from './usage.js';
import { notFullyReviewed } from './coverage.js';
import { coverageSummary } from './coverage.js';
import { hasFileLocation, OUTCOME_LABEL, type ReviewReport } from './report.js';
import { beyondEnd } from './lines.js';
import { blobUrl } from './links.js';

/** Hidden marker that identifies Bulwark's sticky summary comment (edited in place). */
export const SUMMARY_MARKER = '<!-- bulwark:summary -->';
/** GitHub rejects comment bodies over 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/**
 * Escapes model- or PR-derived text for Markdown: no raw HTML, no @-mentions that would ping
 * people, no links or images the text did not earn, no table breakage.
 */
export function mdEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/@(?=[A-Za-z0-9-])/g, '@\u200b')
    .replace(/\r?\n/g, '<br>');
}

function code(s: string): string {
  const clean = s.replace(/[`\r\n]/g, "'");
  return '`' + clean + '`';
}

/** Skips that are policy (lock, vendored, generated, ignored, binary), not lost coverage. */
const SEV_ICON = { critical: '🟣', high: '🔴', medium: '🟠', low: '🔵', info: '⚪' } as const;
const OUTCOME_ICON = { pass: '✅', blocking: '❌', approval_required: '🛂', error: '⛔' } as const;

/** Where a location links to: the file at the head commit, when the repository's web URL and the head are known. */
function linkOf(r: ReviewReport, file: string, line: number): string | null {
  const provider = r.change.pr?.provider;
  if (!r.change.repositoryUrl || !r.change.headSha || (provider !== 'github' && provider !== 'gitlab')) return null;
  return blobUrl(provider, r.change.repositoryUrl, r.change.headSha, file, line);
}

export function renderMarkdown(r: ReviewReport, opts: { marker?: string } = {}): string {
  const lines: string[] = [];
  if (opts.marker) lines.push(opts.marker);
  lines.push(`## ${OUTCOME_ICON[r.decision.outcome]} Bulwark review: ${OUTCOME_LABEL[r.decision.outcome]}`);
  lines.push('');
  const head = r.change.headSha ? ` at ${code(r.change.headSha.slice(0, 12))}` : '';
  lines.push(
    `Exit code **${r.decision.exitCode}**${head} · ${r.counts.total} finding${r.counts.total === 1 ? '' : 's'} (${r.counts.blocking} blocking) · ${mdEscape(coverageSummary(r.coverage))}`,
  );
  if (r.decision.reasons.length > 0) {
    lines.push('');
    for (const reason of r.decision.reasons) lines.push(`- ${mdEscape(reason)}`);
  }
  const partial = notFullyReviewed(r.coverage.files).length;
  if (!r.coverage.complete) {
    lines.push('');
    lines.push(
      `> **Partial review:** ${partial} file${partial === 1 ? ' was' : 's were'} not reviewed in full (token budget or deadline); see Coverage below.`,
    );
  }
  const shown = r.findings.slice(0, r.maxFindings);
  if (shown.length > 0) {
    lines.push('');
    lines.push('### Findings');
    lines.push('');
    lines.push('| | Severity | Location | Category | Finding | Confidence |');
    lines.push('|---|---|---|---|---|---|');
    for (const f of shown) {
      const loc = f.line > 0 ? `${f.file}:${f.line}` : f.file;
      const url = hasFileLocation(f) ? linkOf(r, f.file, f.line) : null;
      // a line past the end of the file is still shown, with why no inline comment points at it
      const eof = beyondEnd(f, r.change.lineCounts);
      const msg = eof ? `${mdEscape(f.message)} _(${mdEscape(eof)})_` : mdEscape(f.message);
      lines.push(
        `| ${SEV_ICON[f.severity]} | ${f.severity}${f.blocking ? ' (blocking)' : ''} | ${url ? `[${code(loc)}](${url})` : code(loc)} | ${mdEscape(f.category)} | ${msg} | ${f.confidence.toFixed(2)} |`,
      );
    }
    if (r.findings.length > shown.length) lines.push(`\n_${r.findings.length - shown.length} more finding(s) not shown (max_findings = ${r.maxFindings})._`);
  }
  const hiddenNote: string[] = [];
  if (r.counts.belowConfidence) hiddenNote.push(`${r.counts.belowConfidence} below the confidence threshold`);
  if (r.counts.optInDropped) hiddenNote.push(`${r.counts.optInDropped} style/nit findings (not enabled)`);
  if (hiddenNote.length) lines.push(`\n_Not reported: ${hiddenNote.join(', ')}._`);
  if (r.gate) {
    lines.push('');
    lines.push('### Compliance gate');
    lines.push('');
    for (const w of r.gate.warnings ?? []) lines.push(`> **Warning:** ${mdEscape(w)}`);
    lines.push(r.gate.flagged ? '**Human approval required.**' : 'Not flagged.');
    if (r.gate.decidedBy) lines.push(`Decided by: ${mdEscape(r.gate.decidedBy)}`);
    for (const reason of r.gate.reasons.slice(0, 20)) lines.push(`- ${mdEscape(reason.message)}`);
    for (const p of r.gate.paths.slice(0, 10)) lines.push(`- path: ${code(p)}`);
  }
  lines.push('');
  lines.push('<details><summary>Coverage</summary>');
  lines.push('');
  lines.push('| File | Class | State | Reason |');
  lines.push('|---|---|---|---|');
  const order = { skipped: 0, clipped: 1, reviewed: 2 } as const;
  const cov = [...r.coverage.files].sort((a, b) => order[a.state] - order[b.state]);
  const MAX_ROWS = 300;
  for (const f of cov.slice(0, MAX_ROWS)) lines.push(`| ${code(f.path)} | ${f.class} | ${f.state} | ${mdEscape(f.reason ?? '')} |`);
  if (cov.length > MAX_ROWS) lines.push(`| … | | | ${cov.length - MAX_ROWS} more files (see the JSON or SARIF output) |`);
  lines.push('');
  lines.push('</details>');
  const red = Object.entries(r.redactions);
  if (red.length > 0) {
    lines.push('');
    lines.push(`Redacted secrets: ${red.map(([k, v]) => `${k} × ${v}`).join(', ')}.`);
  }
  lines.push(...usageMarkdown(r));
  if (r.summaryMarkdown) {
    lines.push('');
    lines.push('<details><summary>Stage summaries</summary>');
    lines.push('');
    // model output: HTML, mentions and images (tracking beacons) neutralised
    lines.push(
      r.summaryMarkdown
        .replace(/</g, '&lt;')
        .replace(/@(?=[A-Za-z0-9-])/g, '@\u200b')
        .replace(/!\[/g, '!\\['),
    );
    lines.push('');
    lines.push('</details>');
  }
  lines.push('');
  lines.push(`<sub>bulwark ${r.tool.version} · run ${code(r.runId)}</sub>`);
  let text = lines.join('\n') + '\n';
  if (text.length > GITHUB_COMMENT_LIMIT) {
    const note = '\n\n_…truncated to fit GitHub’s comment limit; the JSON/SARIF outputs are complete._\n';
    text = text.slice(0, GITHUB_COMMENT_LIMIT - note.length) + note;
  }
  return text;
}

/** Models, tokens and cost; a returned model that is not the requested one is called out above the table. */
function usageMarkdown(r: ReviewReport): string[] {
  const u = r.usage;
  if (!u || u.total.calls === 0) return [];
  const out: string[] = [''];
  for (const m of u.modelMismatches)
    out.push(
      `> **Model mismatch**: stage ${code(m.stage)} requested ${code(m.requested)}, the provider returned ${code(m.returned)} (\`provider.pin_model = "${u.pinModel}"\`).`,
    );
  if (u.modelMismatches.length > 0) out.push('');
  out.push(`<details><summary>Models and cost: ${mdEscape(usageText(u.total, u.currency))}</summary>`);
  out.push('');
  out.push(
    `| Stage | Model requested | Model returned | Calls | Input tokens | Cached | Output tokens | Cost${u.currency ? ` (${mdEscape(u.currency)})` : ''} |`,
  );
  out.push('|---|---|---|---|---|---|---|---|');
  const cost = (x: { cost?: number }): string => (u.currency && x.cost !== undefined ? formatCost(x.cost, u.currency) : '-');
  for (const s of u.stages)
    out.push(
      `| ${code(s.stage)} | ${code(`${s.provider ?? '?'}/${s.model ?? '?'}`)} | ${s.modelsReturned.map(code).join(', ') || '-'} | ${s.calls} | ${s.inputTokens} | ${s.cachedInputTokens} | ${s.outputTokens} | ${cost(s)} |`,
    );
  const t = u.total;
  out.push(`| **run** | | | ${t.calls} | ${t.inputTokens} | ${t.cachedInputTokens} | ${t.outputTokens} | ${cost(t)} |`);
  out.push('');
  out.push('</details>');
  return out;
}
