/**
 * Whole-process timing for the start-up benchmarks: wall and CPU time (user + system, the child
 * and every descendant it waited for) of one command, taken by bash's `time` keyword, which reads
 * getrusage(RUSAGE_CHILDREN) around the command with microsecond resolution. bash's own start is
 * not in the figures. Used by bench/cli/startup.ts and bench/sandbox/exec-start.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository checkout (dist/bench/lib/ is three levels down). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The CLI entry point as users run it. */
export const cliEntry = path.join(repoRoot, 'bin', 'bulwark.js');

export interface ChildTime {
  wallMs: number;
  userMs: number;
  sysMs: number;
  /** user + sys */
  cpuMs: number;
  code: number;
  /** The command's standard error (its output goes to /dev/null). */
  stderr: string;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-time-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

// $1: file for the command's stderr; the rest: the command. `time` writes to bash's own stderr.
const TIMED = 'TIMEFORMAT="%3R %3U %3S"; e=$1; shift; time "$@" </dev/null >/dev/null 2>"$e"';

/** Runs argv once under `time`. `env` is the environment of bash and so of the command. */
export function timeChild(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildTime {
  const errFile = path.join(scratch, 'stderr');
  const r = spawnSync('/bin/bash', ['-c', TIMED, 'bench', errFile, ...argv], {
    cwd: opts.cwd ?? repoRoot,
    env: opts.env ?? process.env,
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no timing from bash for ${argv.join(' ')}: ${r.stderr}`);
  const [wallMs, userMs, sysMs] = [m[1], m[2], m[3]].map((s) => Number(s) * 1000) as [number, number, number];
  return { wallMs, userMs, sysMs, cpuMs: userMs + sysMs, code: r.status ?? 128, stderr: readFileSync(errFile, 'utf8') };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The rotation of `names` for round i, so each variant runs first, second, ... equally often. */
export function rotated<T>(names: readonly T[], i: number): T[] {
  return names.map((_, j) => names[(i + j) % names.length]!);
}

/** "1.23 (target ≤ 1.5: met)" */
export function againstTarget(ratio: number, target: number): string {
  return `${ratio.toFixed(2)} (target ≤ ${target}: ${ratio <= target ? 'met' : 'MISSED'})`;
}

/** The 1, 5 and 15 minute load averages: how busy the shared machine was. */
export function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}
