/**
 * Runs the mutants: a baseline of the unmutated tests in the sandbox (its duration sets the
 * per-mutant timeout, and a baseline that fails makes every mutant an error, never a kill), then
 * the mutants on a pool of workers, each with its own scratch copy of the work tree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectedCommand, type TestPlan } from './detect.js';
import { applyMutant } from './generate.js';
import { holdWorkerUid, runCommand, sandboxDenialIn, type CommandRun, type HeldUid, type SandboxSettings } from './sandbox-run.js';
import type { Mutant, MutantOutcome } from './types.js';
import { createScratchRoot, createWorkspace, removeScratchRoot, resetTmp, type Workspace } from './workspace.js';

export interface RunMutantsOptions {
  repoDir: string;
  headCommit: string;
  /** Tracked files of the head revision (test selection). */
  files: string[];
  mutants: Mutant[];
  plan: TestPlan;
  buildCommand?: string;
  sandbox: SandboxSettings;
  workers?: number;
  timeoutMarginSeconds: number;
  /** Progress lines (stderr of the command). */
  log?: (line: string) => void;
}

export interface Baseline {
  ok: boolean;
  durationMs: number;
  /** Why it failed, and the sandbox denial its output shows, if any. */
  detail?: string;
  denied?: string;
}

export interface RunMutantsResult {
  baseline: Baseline;
  outcomes: MutantOutcome[];
  /** Mutants the build step rejected. */
  nonCompiling: number;
  workers: number;
  timeoutSeconds: number;
  wallMs: number;
}

const tail = (s: string, n = 1500) => (s.length > n ? s.slice(-n) : s).trim();
const BUILD_TIMEOUT_FLOOR_SECONDS = 120;

/** One test (and build) of the work tree as it stands. */
interface Step {
  build?: CommandRun;
  test?: CommandRun;
}

async function runSteps(
  ws: Workspace,
  o: RunMutantsOptions,
  s: SandboxSettings,
  mutatedFile: string,
  timeoutSeconds: number,
  buildTimeout: number,
): Promise<Step> {
  resetTmp(ws);
  if (o.plan.goPackages) {
    // go test compiles a binary and executes it: compiled in one sandbox (bin/ writable), run in another (bin/ executable)
    const pkgDir = path.posix.dirname(mutatedFile);
    const bin = path.join(ws.bin, 'pkg.test');
    const build = await runCommand(
      ws,
      { command: `go test -c -vet=off -o '${bin}' ./${pkgDir === '.' ? '' : pkgDir}`, timeoutSeconds: buildTimeout, writeBin: true },
      s,
    );
    if (build.exitCode !== 0) return { build };
    const test = await runCommand(ws, { command: `'${bin}'`, cwd: path.join(ws.repo, pkgDir), timeoutSeconds }, s);
    return { build, test };
  }
  let build: CommandRun | undefined;
  if (o.buildCommand) {
    build = await runCommand(ws, { command: o.buildCommand, timeoutSeconds: buildTimeout }, s);
    if (build.exitCode !== 0) return { build };
  }
  const test = await runCommand(ws, { command: selectedCommand(o.plan, o.files, mutatedFile), timeoutSeconds }, s);
  return { ...(build ? { build } : {}), test };
}

function judgeBaseline(step: Step): Baseline {
  const durationMs = (step.build?.durationMs ?? 0) + (step.test?.durationMs ?? 0);
  const failed = step.test ?? step.build!;
  if (step.test && step.test.exitCode === 0) return { ok: true, durationMs };
  const which = step.test ? 'tests fail' : 'build fails';
  const denied = sandboxDenialIn(failed.output);
  const how = failed.timedOut ? 'timed out' : `exited ${failed.exitCode ?? failed.signal}`;
  return {
    ok: false,
    durationMs,
    detail: `the unmutated ${which} inside the sandbox (${how})${denied ? `; the sandbox refused: ${denied}` : ''}: ${tail(failed.output, 600)}`,
    ...(denied ? { denied } : {}),
  };
}

export async function runMutants(o: RunMutantsOptions): Promise<RunMutantsResult> {
  const started = performance.now();
  const log = o.log ?? (() => undefined);
  const workers = Math.max(1, Math.min(o.workers ?? os.availableParallelism(), Math.max(1, o.mutants.length)));
  const root = createScratchRoot();
  const held: HeldUid[] = [];
  try {
    const spaces = Array.from({ length: workers }, (_, i) => createWorkspace(root, i, o.repoDir, o.headCommit));
    // one uid per work tree for all its runs: what a run leaves in tmp/ and the caches, the next
    // run of that worker can replace (a uid per run could not), and workers stay apart
    for (let i = 0; i < spaces.length; i++) held.push(holdWorkerUid(o.sandbox));
    const settings = new Map(spaces.map((ws, i) => [ws, held[i]!.settings]));
    const texts = new Map<string, string>();
    for (const m of o.mutants) if (!texts.has(m.file)) texts.set(m.file, readFileSync(path.join(spaces[0]!.repo, m.file), 'utf8'));

    // the baseline: every mutated file's tests (their union is what the mutants run)
    const baseFiles = [...texts.keys()];
    let baseline: Baseline = { ok: true, durationMs: 0 };
    let slowest = 0;
    for (const f of baseFiles.length > 0 ? baseFiles : []) {
      const b = judgeBaseline(await runSteps(spaces[0]!, o, settings.get(spaces[0]!)!, f, BUILD_TIMEOUT_FLOOR_SECONDS * 5, BUILD_TIMEOUT_FLOOR_SECONDS * 5));
      slowest = Math.max(slowest, b.durationMs);
      if (!b.ok) {
        baseline = b;
        break;
      }
      baseline = { ok: true, durationMs: Math.max(baseline.durationMs, b.durationMs) };
    }
    const timeoutSeconds = Math.ceil((slowest / 1000) * 3 + o.timeoutMarginSeconds);
    const buildTimeout = Math.max(BUILD_TIMEOUT_FLOOR_SECONDS, timeoutSeconds);
    log(
      `mutation: baseline ${baseline.ok ? 'passed' : 'FAILED'} in ${(slowest / 1000).toFixed(1)} s; per-mutant timeout ${timeoutSeconds} s; ${workers} worker(s)`,
    );
    if (!baseline.ok) {
      const outcomes = o.mutants.map((m): MutantOutcome => ({ mutant: m, status: 'error', durationMs: 0, exitCode: null, detail: baseline.detail! }));
      return { baseline, outcomes, nonCompiling: 0, workers, timeoutSeconds, wallMs: performance.now() - started };
    }

    const outcomes: MutantOutcome[] = new Array<MutantOutcome>(o.mutants.length);
    const compiledAway = new Set<number>();
    let next = 0;
    const work = async (ws: Workspace) => {
      while (next < o.mutants.length) {
        const i = next++;
        const m = o.mutants[i]!;
        const file = path.join(ws.repo, m.file);
        const original = texts.get(m.file)!;
        writeFileSync(file, applyMutant(original, m));
        try {
          const step = await runSteps(ws, o, settings.get(ws)!, m.file, timeoutSeconds, buildTimeout);
          const r = judgeMutant(m, step);
          if (r === 'non-compiling') compiledAway.add(i);
          else outcomes[i] = r;
          log(`mutation: ${m.id} ${m.file}:${m.line} ${m.operator} ${r === 'non-compiling' ? 'non-compiling' : r.status}`);
        } finally {
          writeFileSync(file, original);
        }
      }
    };
    await Promise.all(spaces.map((ws) => work(ws)));
    return {
      baseline,
      outcomes: outcomes.filter((x, i) => x !== undefined && !compiledAway.has(i)),
      nonCompiling: compiledAway.size,
      workers,
      timeoutSeconds,
      wallMs: performance.now() - started,
    };
  } finally {
    removeScratchRoot(root);
    for (const h of held) h.release();
  }
}

function judgeMutant(m: Mutant, step: Step): MutantOutcome | 'non-compiling' {
  const durationMs = (step.build?.durationMs ?? 0) + (step.test?.durationMs ?? 0);
  if (step.build && !step.test) {
    if (step.build.timedOut) return { mutant: m, status: 'timeout', durationMs, exitCode: null, detail: 'the build step timed out' };
    return 'non-compiling';
  }
  const t = step.test!;
  if (t.timedOut) return { mutant: m, status: 'timeout', durationMs, exitCode: t.exitCode, detail: 'killed at the per-mutant timeout' };
  if (t.exitCode === 0) return { mutant: m, status: 'survived', durationMs, exitCode: 0 };
  // the baseline passed, so a denial now is this mutant's doing or the tests' reaction to it:
  // a refusal by the sandbox is not a test failing on wrong code
  const denied = sandboxDenialIn(t.output);
  if (denied) return { mutant: m, status: 'error', durationMs, exitCode: t.exitCode, detail: `the sandbox refused: ${denied}` };
  return { mutant: m, status: 'killed', durationMs, exitCode: t.exitCode, detail: tail(t.output, 400) };
}
