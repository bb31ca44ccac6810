/**
 * Scoring and findings: pure. The score is the share of mutants the tests detected (killed or
 * timed out) among those that ran to a verdict; errors are not verdicts and count separately.
 */
import type { Finding, Severity } from '../protocol/findings.js';
import type { MutantOutcome, MutationCounts, SkippedCounts } from './types.js';

export function countOutcomes(outcomes: MutantOutcome[], skipped: SkippedCounts): MutationCounts {
  const c: MutationCounts = {
    generated: outcomes.length + skipped.nonCompiling + skipped.equivalent + skipped.overLimit,
    killed: 0,
    survived: 0,
    timeout: 0,
    error: 0,
    skipped,
  };
  for (const o of outcomes) c[o.status]++;
  return c;
}

/** (killed + timeout) / (killed + survived + timeout); null when no mutant reached a verdict. */
export function mutationScore(c: Pick<MutationCounts, 'killed' | 'survived' | 'timeout'>): number | null {
  const n = c.killed + c.survived + c.timeout;
  return n === 0 ? null : (c.killed + c.timeout) / n;
}

/** Where the gate flagged the change: changed head lines of flagged definitions, and whole files in zones. */
export interface FlaggedCode {
  lines: Map<string, Set<number>>;
  files: Set<string>;
}

export function isFlagged(flagged: FlaggedCode, file: string, line: number): boolean {
  return flagged.files.has(file) || (flagged.lines.get(file)?.has(line) ?? false);
}

export interface FindingOptions {
  severity: Severity;
  minScore: number;
  stage?: string;
}

/**
 * Surviving mutants in gate-flagged code become findings; when the score is below `minScore`
 * they are raised to at least `high`, the severity every verdict policy blocks on. A run whose
 * mutants could not be judged (errors) is a finding too: the tests' strength is unknown.
 */
export function mutationFindings(outcomes: MutantOutcome[], score: number | null, flagged: FlaggedCode, o: FindingOptions): Finding[] {
  const stage = o.stage ?? 'mutation';
  const below = score !== null && score < o.minScore;
  const severity: Severity = below && (o.severity === 'medium' || o.severity === 'low' || o.severity === 'info') ? 'high' : o.severity;
  const out: Finding[] = [];
  for (const r of outcomes) {
    const m = r.mutant;
    if (r.status !== 'survived' || !isFlagged(flagged, m.file, m.line)) continue;
    out.push({
      file: m.file,
      line: m.line,
      severity,
      category: 'test-strength',
      message: `No test fails when \`${m.original}\` becomes \`${m.replacement}\` (${m.operator} mutant${m.function ? ` in ${m.function}` : ''}); the change's tests do not check this behaviour. Mutation score of the changed code: ${score === null ? 'n/a' : `${Math.round(score * 100)}%`} (minimum ${Math.round(o.minScore * 100)}%).`,
      confidence: 1,
      stage,
      ruleId: `mutation/${m.operator}`,
    });
  }
  const errors = outcomes.filter((r) => r.status === 'error');
  if (errors.length > 0) {
    const first = errors[0]!;
    out.push({
      file: first.mutant.file,
      line: first.mutant.line,
      severity: 'high',
      category: 'mutation-error',
      message: `${errors.length} mutant(s) could not be judged: ${first.detail ?? 'error'}`,
      confidence: 1,
      stage,
      ruleId: 'mutation/error',
    });
  }
  return out;
}
