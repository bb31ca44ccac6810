/**
 * Shapes of mutation testing: a mutant is one textual edit of one changed line; an outcome is
 * what the project's tests did with it inside the sandbox.
 */

export type MutationLanguage = 'python' | 'ts' | 'js' | 'go' | 'java';

export const OPERATORS = [
  'arithmetic',
  'comparison',
  'boundary',
  'logical',
  'constant',
  'rounding',
  'scale',
  'negation',
  'return-value',
  'remove-call',
  'swap-arguments',
] as const;
export type MutationOperator = (typeof OPERATORS)[number];

export interface Mutant {
  /** Stable within one run: `m<index>`. */
  id: string;
  /** Repository-relative POSIX path. */
  file: string;
  language: MutationLanguage;
  /** 1-based line and column of the edit in the head revision. */
  line: number;
  column: number;
  operator: MutationOperator;
  /** The replaced text and its replacement (offsets are UTF-16 indices into the file text). */
  start: number;
  end: number;
  original: string;
  replacement: string;
  /** The enclosing function's name as the parser saw it, when known. */
  function?: string;
}

export const MUTANT_STATUSES = ['killed', 'survived', 'timeout', 'error'] as const;
export type MutantStatus = (typeof MUTANT_STATUSES)[number];

export interface MutantOutcome {
  mutant: Mutant;
  status: MutantStatus;
  durationMs: number;
  /** Exit code of the test command (null when killed by a signal or never started). */
  exitCode: number | null;
  /** Why: the error, or the last lines of the failing run (clipped). */
  detail?: string;
}

export interface SkippedCounts {
  /** Mutants that do not parse, or that the build step rejected. */
  nonCompiling: number;
  /** Mutants equal to the original or to another mutant by construction. */
  equivalent: number;
  /** Mutants beyond `[mutation] max_mutants`. */
  overLimit: number;
}

export interface MutationCounts {
  generated: number;
  killed: number;
  survived: number;
  timeout: number;
  error: number;
  skipped: SkippedCounts;
}
