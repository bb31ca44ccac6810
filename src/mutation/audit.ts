/** The audit record of a mutation run: one `mutation_run` entry with the counts, the details in a blob. */
import { clipName, clipText, type EntryInput } from '../domain/audit-entries.js';
import type { MutationReport } from './index.js';

export function mutationDetails(r: MutationReport): string {
  return JSON.stringify({
    base: r.base,
    head: r.head,
    test_command: r.testCommand,
    baseline: r.baseline,
    timeout_seconds: r.timeoutSeconds,
    workers: r.workers,
    mutants: r.outcomes.map((o) => ({
      id: o.mutant.id,
      file: o.mutant.file,
      line: o.mutant.line,
      column: o.mutant.column,
      operator: o.mutant.operator,
      function: o.mutant.function ?? null,
      original: o.mutant.original,
      replacement: o.mutant.replacement,
      status: o.status,
      duration_ms: Math.round(o.durationMs),
      exit_code: o.exitCode,
      detail: o.detail ?? null,
    })),
    findings: r.findings,
  });
}

export function mutationRunEntry(runId: string, r: MutationReport, detailsBlob: string, stage?: string): Extract<EntryInput, { kind: 'mutation_run' }> {
  return {
    kind: 'mutation_run',
    run_id: runId,
    ...(stage ? { stage: clipName(stage) } : {}),
    base: clipName(r.base),
    head: clipName(r.head),
    test_command: clipText(r.testCommand),
    generated: r.counts.generated,
    killed: r.counts.killed,
    survived: r.counts.survived,
    timeout: r.counts.timeout,
    error: r.counts.error,
    skipped_non_compiling: r.counts.skipped.nonCompiling,
    skipped_equivalent: r.counts.skipped.equivalent,
    skipped_over_limit: r.counts.skipped.overLimit,
    score: r.score,
    min_score: r.minScore,
    findings: r.findings.length,
    blocking: r.blocking,
    wall_ms: Math.round(r.wallMs),
    details_blob: detailsBlob,
  };
}

export async function recordMutation(
  audit: { putBlob(data: string): Promise<string>; append(entry: EntryInput): Promise<unknown> },
  runId: string,
  r: MutationReport,
  stage?: string,
): Promise<void> {
  const blob = await audit.putBlob(mutationDetails(r));
  await audit.append(mutationRunEntry(runId, r, blob, stage));
}
