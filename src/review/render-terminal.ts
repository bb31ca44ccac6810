import { colorMode } from '../domain/terminal.js';
import { coverageSummary } from './coverage.js';
import { OUTCOME_LABEL, type ReviewReport } from './report.js';
import { usageText } from './usage.js';

/** Whether the terminal format is coloured on this stream: `colorMode` (domain/terminal.ts) decides. */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return colorMode(env, stream.isTTY === true).color;
}

const CODES = { red: 31, yellow: 33, green: 32, blue: 34, magenta: 35, gray: 90, bold: 1 } as const;

/** Removes terminal control sequences from untrusted text so a finding cannot repaint the screen. */
function noControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

export function renderTerminal(r: ReviewReport, opts: { color: boolean }): string {
  const c = (name: keyof typeof CODES, s: string): string => (opts.color ? `\u001b[${CODES[name]}m${s}\u001b[0m` : s);
  const sevColor = { critical: 'magenta', high: 'red', medium: 'yellow', low: 'blue', info: 'gray' } as const;
  const out: string[] = [];
  const outcomeColor = r.decision.outcome === 'pass' ? 'green' : r.decision.outcome === 'approval_required' ? 'yellow' : 'red';
  out.push(`${c('bold', 'bulwark review')}: ${c(outcomeColor, OUTCOME_LABEL[r.decision.outcome].toUpperCase())} (exit ${r.decision.exitCode})`);
  const what = r.change.pr ? `${r.change.pr.repository}#${r.change.pr.number} ${noControls(r.change.pr.title)}` : noControls(r.change.description);
  out.push(`change: ${what}${r.change.headSha ? ` @ ${r.change.headSha.slice(0, 12)}` : ''}`);
  for (const reason of r.decision.reasons) out.push(`  - ${noControls(reason)}`);
  const shown = r.findings.slice(0, r.maxFindings);
  out.push('');
  out.push(
    `findings: ${r.counts.total} (${r.counts.blocking} blocking)${r.counts.belowConfidence ? `, ${r.counts.belowConfidence} below confidence threshold` : ''}${r.counts.optInDropped ? `, ${r.counts.optInDropped} style/nit not enabled` : ''}`,
  );
  for (const f of shown) {
    const loc = f.line > 0 ? `${f.file}:${f.line}${f.endLine && f.endLine !== f.line ? `-${f.endLine}` : ''}` : f.file;
    out.push(
      `  ${c(sevColor[f.severity], f.severity.toUpperCase().padEnd(8))} ${f.blocking ? c('bold', '[blocking] ') : ''}${noControls(loc)} [${f.category}]`,
    );
    out.push(`           ${noControls(f.message).replace(/\n/g, '\n           ')}`);
    out.push(c('gray', `           ${f.stage}${f.ruleId ? ` · ${f.ruleId}` : ''} · confidence ${f.confidence.toFixed(2)} · ${f.fingerprint}`));
  }
  if (r.findings.length > shown.length) out.push(`  … ${r.findings.length - shown.length} more (use --format json for all)`);
  if (r.gate) {
    out.push('');
    out.push(`gate: ${r.gate.flagged ? c('yellow', 'human approval required') : 'not flagged'}`);
    for (const w of r.gate.warnings ?? []) out.push(c('yellow', `  WARNING: ${noControls(w)}`));
    if (r.gate.decidedBy) out.push(`  decided by: ${noControls(r.gate.decidedBy)}`);
    for (const x of r.gate.reasons.filter((x) => x.kind === 'classifier' || x.kind === 'roots')) out.push(`  ${noControls(x.message)}`);
    for (const p of r.gate.paths.slice(0, 5)) out.push(`  path: ${noControls(p)}`);
  }
  out.push('');
  out.push(`coverage: ${coverageSummary(r.coverage)}`);
  if (!r.coverage.complete) out.push(c('yellow', 'PARTIAL REVIEW: some files were not reviewed in full (token budget or deadline)'));
  for (const f of r.coverage.files.filter((e) => e.state !== 'reviewed').slice(0, 20))
    out.push(`  ${f.state.padEnd(8)} ${noControls(f.path)}: ${f.reason ?? ''}`);
  const notReviewed = r.coverage.files.filter((e) => e.state !== 'reviewed').length;
  if (notReviewed > 20) out.push(`  … ${notReviewed - 20} more not fully reviewed (see --format json)`);
  const red = Object.entries(r.redactions);
  if (red.length > 0) out.push(`redacted secrets: ${red.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const u = r.usage;
  if (u && u.total.calls > 0) {
    out.push('');
    out.push(`models and cost: ${usageText(u.total, u.currency)}`);
    for (const s of u.stages.filter((x) => x.calls > 0)) {
      const returned = s.modelsReturned.length > 0 ? ` → ${noControls(s.modelsReturned.join(', '))}` : '';
      out.push(`  ${noControls(s.stage)}: ${noControls(`${s.provider ?? '?'}/${s.model ?? '?'}`)}${returned} · ${usageText(s, u.currency)}`);
    }
    for (const m of u.modelMismatches)
      out.push(
        c(
          u.pinModel === 'fail' ? 'red' : 'yellow',
          `MODEL MISMATCH: stage ${noControls(m.stage)} requested ${noControls(m.requested)}, the provider returned ${noControls(m.returned)} (provider.pin_model = "${u.pinModel}")`,
        ),
      );
  }
  return out.join('\n') + '\n';
}
