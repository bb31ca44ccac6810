import type { GateResult } from './types.js';

const MAX_LISTED = 50;

/** File names come from the pull request: control characters (terminal escapes, newlines) are shown escaped. */
function safe(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped before reaching a terminal
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** One line naming the layer that decided and, for the classifier, its answer. */
export function layerLine(r: GateResult): string {
  const layer = r.layer ?? 'static';
  const c = r.classifier;
  if (layer === 'classifier' && c) {
    const where = `${c.provider}/${c.model}${c.zone ? `, zone ${c.zone}` : ''}${c.region ? `, region ${c.region}` : ''}`;
    if (c.status === 'error')
      return safe(`classifier failed (${where}): ${c.error ?? 'error'}; ${r.flagged ? 'treated as flagged' : 'passed (on_error = "pass")'}`);
    return safe(`classifier (${where}): ${c.regulated ? 'regulated' : 'not regulated'}, confidence ${c.confidence}`);
  }
  if (layer === 'signals') {
    const sc = r.signals ?? { score: 0, threshold: 0, routed: false };
    return sc.routed
      ? `signals (score ${sc.score} reaches threshold ${sc.threshold}, but [gate.classifier] is not enabled: the static pass stands)`
      : `signals (score ${sc.score} below threshold ${sc.threshold}: not borderline)`;
  }
  return r.flagged ? 'static (call paths and rules)' : 'static';
}

/** Terminal/Markdown-friendly text of a decision: the verdict first, then the evidence. */
export function renderGateText(r: GateResult): string {
  const out: string[] = [];
  const range = `${r.base.slice(0, 12)}...${r.head.slice(0, 12)}`;
  out.push(r.flagged ? `bulwark gate: HUMAN REVIEW REQUIRED (${range})` : `bulwark gate: no human review required (${range})`);
  if (r.rootsWarning) out.push(`WARNING: ${safe(r.rootsWarning)}`);
  out.push(`decided by: ${layerLine(r)}`);
  const byKind = (k: string): string[] => r.reasons.filter((x) => x.kind === k).map((x) => x.message);
  const section = (title: string, lines: string[]): void => {
    if (lines.length === 0) return;
    out.push(`${title}:`);
    for (const l of lines.slice(0, MAX_LISTED)) out.push(`  ${safe(l)}`);
    if (lines.length > MAX_LISTED) out.push(`  … and ${lines.length - MAX_LISTED} more (see --json)`);
  };
  section('regulated roots changed', byKind('root-changed'));
  section('call paths (caller → callee; ⇢ a call resolved by name only)', byKind('call-path'));
  const guessed = r.paths.filter((p) => p.nameOnlyEdges > 0).length;
  if (guessed > 0)
    out.push(
      `  ${guessed} of ${r.paths.length} path(s) depend on calls resolved by name only: the receiver's type was not known, so the call was taken to reach every visible definition of that name`,
    );
  section('zones', byKind('zone'));
  section('SQL writes to regulated tables', byKind('sql'));
  section('payment-processor hosts', byKind('host'));
  section('files that could not be analysed (fail closed)', byKind('unparsable'));
  section('classifier (borderline change)', byKind('classifier'));
  if (r.signals && r.signals.items.length > 0) {
    out.push(`signals: score ${r.signals.score} (threshold ${r.signals.threshold}${r.signals.routed ? ', routed' : ''})`);
    for (const s of r.signals.items.slice(0, 10)) out.push(`  ${s.kind} +${s.weight}: ${safe(s.file)}: ${safe(s.detail)}`);
  }
  const changed = [...new Set(r.changedFunctions.map((c) => c.id))];
  out.push(`changed files: ${r.changedFiles.length}; changed definitions: ${changed.length}; regulated roots in head: ${r.roots.length}`);
  const excluded = r.excluded ?? [];
  if (excluded.length > 0) {
    const total = excluded.reduce((n, e) => n + e.files, 0);
    out.push(
      `not indexed (vendored or generated; [gate] include_vendored = true indexes them): ${total} file(s): ${excluded.map((e) => `${safe(e.pattern)} ${e.files}`).join(', ')}`,
    );
  }
  const scoped = r.zones.filter((z) => !z.requiresReview).map((z) => z.name);
  if (scoped.length > 0) out.push(`zones touched (no obligations): ${safe(scoped.join(', '))}`);
  if (!r.flagged && changed.length > 0) section('changed definitions (none on a regulated path)', changed);
  return out.join('\n') + '\n';
}
