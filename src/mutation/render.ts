/** The mutation report in the four output formats every Bulwark command offers. */
import type { MutationReport } from './index.js';

export const MUTATION_FORMATS = ['terminal', 'markdown', 'json', 'sarif'] as const;
export type MutationFormat = (typeof MUTATION_FORMATS)[number];

const pct = (s: number | null) => (s === null ? 'n/a' : `${Math.round(s * 100)}%`);
const code = (s: string) => s.replace(/\s+/g, ' ').slice(0, 80);

function summary(r: MutationReport): string {
  const c = r.counts;
  return (
    `mutation score ${pct(r.score)} (minimum ${pct(r.minScore)}): ${c.killed} killed, ${c.survived} survived, ${c.timeout} timeout, ${c.error} error; ` +
    `skipped ${c.skipped.nonCompiling} non-compiling, ${c.skipped.equivalent} equivalent, ${c.skipped.overLimit} over the limit`
  );
}

export function renderMutationTerminal(r: MutationReport): string {
  const lines = [`bulwark mutate ${r.base.slice(0, 12)}..${r.head.slice(0, 12)} — tests: ${r.testCommand}`, summary(r)];
  if (!r.baseline.ok) lines.push(`baseline: ${r.baseline.detail ?? 'failed'}`);
  for (const o of r.outcomes)
    lines.push(`  ${o.status.padEnd(8)} ${o.mutant.file}:${o.mutant.line} ${o.mutant.operator}: ${code(o.mutant.original)} → ${code(o.mutant.replacement)}`);
  for (const f of r.findings) lines.push(`${f.severity.toUpperCase()} ${f.file}:${f.line} ${f.message}`);
  lines.push(
    r.blocking ? 'result: blocking' : 'result: pass',
    `wall ${(r.wallMs / 1000).toFixed(1)} s, ${r.workers} worker(s), per-mutant timeout ${r.timeoutSeconds} s`,
  );
  return lines.join('\n') + '\n';
}

const mdCell = (s: string) => '`' + code(s).replace(/`/g, "'").replace(/\|/g, '\\|') + '`';

export function renderMutationMarkdown(r: MutationReport): string {
  const out = ['## Mutation testing', '', summary(r) + '.', ''];
  if (!r.baseline.ok) out.push(`**The unmutated tests failed in the sandbox:** ${r.baseline.detail ?? ''}`, '');
  if (r.outcomes.length > 0) {
    out.push('| status | where | operator | mutation |', '|---|---|---|---|');
    for (const o of r.outcomes)
      out.push(`| ${o.status} | ${o.mutant.file}:${o.mutant.line} | ${o.mutant.operator} | ${mdCell(o.mutant.original)} → ${mdCell(o.mutant.replacement)} |`);
    out.push('');
  }
  for (const f of r.findings) out.push(`- **${f.severity}** ${f.file}:${f.line} — ${f.message}`);
  out.push('', r.blocking ? '**Result: blocking.**' : 'Result: pass.');
  return out.join('\n') + '\n';
}

export function renderMutationSarif(r: MutationReport): string {
  const level = (s: string) => (s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note');
  const results = [
    ...r.findings.map((f) => ({
      ruleId: f.ruleId ?? 'mutation',
      level: level(f.severity),
      message: { text: f.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: f.file }, region: { startLine: Math.max(1, f.line) } } }],
    })),
    ...r.outcomes
      .filter(
        (o) =>
          o.status === 'survived' &&
          !r.findings.some((f) => f.file === o.mutant.file && f.line === o.mutant.line && f.ruleId === `mutation/${o.mutant.operator}`),
      )
      .map((o) => ({
        ruleId: `mutation/${o.mutant.operator}`,
        level: 'note',
        message: { text: `Surviving mutant: \`${code(o.mutant.original)}\` → \`${code(o.mutant.replacement)}\`` },
        locations: [{ physicalLocation: { artifactLocation: { uri: o.mutant.file }, region: { startLine: o.mutant.line, startColumn: o.mutant.column } } }],
      })),
  ];
  const sarif = {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'bulwark-mutation', rules: [] } },
        results,
        properties: { score: r.score, minScore: r.minScore, counts: r.counts, blocking: r.blocking },
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

export function renderMutation(r: MutationReport, format: MutationFormat): string {
  switch (format) {
    case 'terminal':
      return renderMutationTerminal(r);
    case 'markdown':
      return renderMutationMarkdown(r);
    case 'json':
      return JSON.stringify(r, null, 2) + '\n';
    case 'sarif':
      return renderMutationSarif(r);
  }
}
