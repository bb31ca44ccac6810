/**
 * Mutation testing of a change: mutants on the changed lines of changed functions, the project's
 * tests run against each inside the OS sandbox, the score, and findings for what survives in
 * code the gate flagged.
 */
import { parseUnifiedDiff } from '../gate/diff.js';
import { GATE_DIFF_ARGS, git, mergeBaseOf, resolveCommits } from '../gate/sources.js';
import type { GateResult } from '../gate/types.js';
import { UsageError } from '../domain/errors.js';
import type { Finding } from '../protocol/findings.js';
import type { MutationConfig } from './config.js';
import { detectTestPlan, type TestPlan } from './detect.js';
import { generateMutants, mutableFiles } from './generate.js';
import { runMutants, type Baseline } from './runner.js';
import type { SandboxSettings } from './sandbox-run.js';
import { countOutcomes, mutationFindings, mutationScore, type FlaggedCode } from './score.js';
import type { MutantOutcome, MutationCounts } from './types.js';

export { mutationConfigSchema, type MutationConfig, type MutationConfigInput } from './config.js';
export type { Mutant, MutantOutcome, MutationCounts, MutantStatus, MutationOperator } from './types.js';

export interface MutationReport {
  base: string;
  head: string;
  testCommand: string;
  runner: TestPlan['runner'];
  baseline: Baseline;
  counts: MutationCounts;
  /** Share of judged mutants the tests detected; null when none was judged. */
  score: number | null;
  minScore: number;
  outcomes: MutantOutcome[];
  findings: Finding[];
  /** Whether the findings block: the score is below min_score with survivors in flagged code, or mutants could not be judged. */
  blocking: boolean;
  workers: number;
  timeoutSeconds: number;
  wallMs: number;
}

export interface MutateOptions {
  repoDir: string;
  base: string;
  head: string;
  config: MutationConfig;
  sandbox: Omit<SandboxSettings, 'toolchainPaths' | 'readPaths'>;
  /** The gate's decision for the same change: survivors in what it flagged become findings. */
  gate?: GateResult;
  /** Stage name the findings carry (a pipeline stage's name, or "mutation"). */
  stage?: string;
  log?: (line: string) => void;
}

/** Head lines of definitions on a gate path, and files in a zone the change touches. */
export function flaggedCode(gate: GateResult | undefined): FlaggedCode {
  const lines = new Map<string, Set<number>>();
  const files = new Set<string>();
  if (!gate?.flagged) return { lines, files };
  const onPath = new Set(gate.paths.map((p) => p.changed));
  for (const r of gate.reasons) if (r.id) onPath.add(r.id);
  for (const cf of gate.changedFunctions) {
    if (cf.revision !== 'head' || !onPath.has(cf.id)) continue;
    const set = lines.get(cf.file) ?? new Set<number>();
    for (const l of cf.lines) set.add(l);
    lines.set(cf.file, set);
  }
  for (const z of gate.zones) for (const f of z.files) files.add(f);
  return { lines, files };
}

export async function mutateChange(o: MutateOptions): Promise<MutationReport> {
  const [headCommit, baseCommit] = resolveCommits(o.repoDir, [o.head, o.base]) as [string, string];
  const mergeBase = await mergeBaseOf(o.repoDir, baseCommit, headCommit, { base: o.base, head: o.head });
  const changes = parseUnifiedDiff(git(o.repoDir, [...GATE_DIFF_ARGS, mergeBase, headCommit]));
  const files = git(o.repoDir, ['ls-tree', '-r', '--name-only', '-z', headCommit]).split('\0').filter(Boolean);

  let npmTestScript: string | undefined;
  if (files.includes('package.json')) {
    try {
      const pkg = JSON.parse(git(o.repoDir, ['show', `${headCommit}:package.json`])) as { scripts?: { test?: unknown } };
      if (typeof pkg.scripts?.test === 'string') npmTestScript = pkg.scripts.test;
    } catch {
      // an unreadable package.json: no npm test script is detected
    }
  }
  // the base revision's configuration decides the command; a PR cannot pick what runs its tests
  const plan = detectTestPlan({ files, ...(npmTestScript !== undefined ? { npmTestScript } : {}) }, o.config.test_command);
  if (!plan) throw new UsageError('mutation: no test command detected (pytest, npm test, go test, Maven, Gradle); set [mutation] test_command in bulwark.toml');

  const sources = mutableFiles(changes).map((f) => ({ ...f, text: git(o.repoDir, ['show', `${headCommit}:${f.path}`]) }));
  const generated = await generateMutants(sources, { maxMutants: o.config.max_mutants, ...(o.config.operators ? { operators: o.config.operators } : {}) });
  o.log?.(`mutation: ${generated.mutants.length} mutant(s) in ${sources.length} changed file(s); test command: ${plan.command}`);

  const ran = await runMutants({
    repoDir: o.repoDir,
    headCommit,
    files,
    mutants: generated.mutants,
    plan,
    ...(o.config.build_command ? { buildCommand: o.config.build_command } : {}),
    sandbox: { ...o.sandbox, toolchainPaths: o.config.toolchain_paths, readPaths: o.config.read_paths },
    ...(o.config.workers ? { workers: o.config.workers } : {}),
    timeoutMarginSeconds: o.config.timeout_margin_seconds,
    ...(o.log ? { log: o.log } : {}),
  });
  const counts = countOutcomes(ran.outcomes, {
    nonCompiling: generated.nonCompiling + ran.nonCompiling,
    equivalent: generated.equivalent,
    overLimit: generated.overLimit,
  });
  const score = mutationScore(counts);
  const flagged = flaggedCode(o.gate);
  const findings = mutationFindings(ran.outcomes, score, flagged, {
    severity: o.config.severity,
    minScore: o.config.min_score,
    ...(o.stage ? { stage: o.stage } : {}),
  });
  const blocking = counts.error > 0 || (score !== null && score < o.config.min_score && findings.some((f) => f.category === 'test-strength'));
  return {
    base: mergeBase,
    head: headCommit,
    testCommand: plan.command,
    runner: plan.runner,
    baseline: ran.baseline,
    counts,
    score,
    minScore: o.config.min_score,
    outcomes: ran.outcomes,
    findings,
    blocking,
    workers: ran.workers,
    timeoutSeconds: ran.timeoutSeconds,
    wallMs: ran.wallMs,
  };
}
