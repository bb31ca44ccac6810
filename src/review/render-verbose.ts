import { coverageSummary, type CoverageRecord } from './coverage.js';

/** What `--verbose` reports about a run once it is over: where the time and the tokens went. */
export interface RunStats {
  /** Wall-clock phases in order (change, configuration, gate, pipeline, …). */
  phases: { name: string; ms: number }[];
  stages: { name: string; status: string; durationMs?: number; provider?: string; model?: string; tokens?: number; findings: number }[];
  tokensUsed: number;
  llmCalls: number;
  totalMs: number;
}

type StageStats = RunStats['stages'][number];

/** A pipeline's stage results as `RunStats` lists them (`label` names a chunk of a large review). */
export function stageStats(stages: readonly (Omit<StageStats, 'findings'> & { findings: readonly unknown[] })[], label = ''): StageStats[] {
  return stages.map((s) => ({
    name: s.name + label,
    status: s.status,
    findings: s.findings.length,
    ...(s.durationMs !== undefined ? { durationMs: Math.round(s.durationMs) } : {}),
    ...(s.provider ? { provider: s.provider } : {}),
    ...(s.model ? { model: s.model } : {}),
    ...(s.tokens !== undefined ? { tokens: s.tokens } : {}),
  }));
}

const secs = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

/** Removes control characters: file paths and reasons come from the change under review. */
function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** The `--verbose` report (written to standard error, never into the result). */
export function renderVerbose(stats: RunStats, coverage?: CoverageRecord): string {
  const out: string[] = [];
  out.push(`timings: ${stats.phases.map((p) => `${p.name} ${secs(p.ms)}`).join(', ')}; total ${secs(stats.totalMs)}`);
  for (const s of stats.stages) {
    const model = s.provider ? `${s.provider}/${s.model ?? 'default'}` : 'no model';
    out.push(
      `  stage ${plain(s.name)}: ${s.status.replace('_', ' ')} in ${secs(s.durationMs)} · ${model} · ${s.tokens ?? 0} tokens · ${s.findings} finding${s.findings === 1 ? '' : 's'}`,
    );
  }
  out.push(`tokens: ${stats.tokensUsed} in ${stats.llmCalls} model call${stats.llmCalls === 1 ? '' : 's'}`);
  if (coverage) {
    out.push(`coverage: ${plain(coverageSummary(coverage))}`);
    for (const f of coverage.files) {
      const hunks = f.hunksTotal > 0 ? ` ${f.hunksReviewed}/${f.hunksTotal} hunks` : '';
      out.push(`  ${f.state.padEnd(8)} ${f.class.padEnd(9)} ${plain(f.path)}${hunks} ~${f.tokens} tokens${f.reason ? `: ${plain(f.reason)}` : ''}`);
    }
  }
  return out.join('\n') + '\n';
}
