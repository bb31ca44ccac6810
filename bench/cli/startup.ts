/**
 * CLI start-up cost: CPU time (user + sys, from the child's resource usage) and wall time of
 * `bulwark --version` against a bare `node -e 0`, in interleaved rounds with a rotating order so
 * load on a shared machine hits every variant alike. Target: CPU ratio ≤ 1.5. `gate --help` and
 * `review --help` (which load one command module each) are measured alongside, for information.
 *
 *   node dist/bench/cli/startup.js [rounds=20]
 *
 * The pair is measured twice: in the environment the bench was started with, and with the
 * variables that make Node itself do work at start removed (NODE_EXTRA_CA_CERTS: Node parses the
 * CA bundle before running anything, ~35 ms CPU for a distribution bundle; NODE_OPTIONS). Such a
 * fixed cost is paid by both commands and pulls the ratio towards 1, so the "clean" ratio is the
 * one that shows what bulwark adds; both are printed against the target.
 *
 * CPU time is the figure to compare on a shared machine; wall time includes waiting for a CPU.
 * Each variant runs once unmeasured first (page cache).
 */
import { againstTarget, cliEntry, loadAverage, median, rotated, timeChild, type ChildTime } from '../lib/child-time.js';

const rounds = Math.max(1, Number(process.argv[2] ?? 20) || 20);
const TARGET = 1.5;
const node = process.execPath;

const STARTUP_VARS = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];
const present = STARTUP_VARS.filter((n) => process.env[n] !== undefined);
const cleanEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STARTUP_VARS.includes(k)));

interface Spec {
  argv: string[];
  env: NodeJS.ProcessEnv;
}
const variants: Record<string, Spec> = {
  'node -e 0': { argv: [node, '-e', '0'], env: process.env },
  'bulwark --version': { argv: [node, cliEntry, '--version'], env: process.env },
  'bulwark gate --help': { argv: [node, cliEntry, 'gate', '--help'], env: process.env },
  'bulwark review --help': { argv: [node, cliEntry, 'review', '--help'], env: process.env },
};
// Only when the environment differs: otherwise the clean pair would be the same pair again.
if (present.length > 0) {
  variants['clean: node -e 0'] = { argv: [node, '-e', '0'], env: cleanEnv };
  variants['clean: bulwark --version'] = { argv: [node, cliEntry, '--version'], env: cleanEnv };
}
const names = Object.keys(variants);
const baseOf = (v: string) => (v.startsWith('clean: ') ? 'clean: node -e 0' : 'node -e 0');

function run(v: string): ChildTime {
  const t = timeChild(variants[v]!.argv, { env: variants[v]!.env });
  if (t.code !== 0) throw new Error(`${v} exited with ${t.code}: ${t.stderr}`);
  return t;
}

for (const v of names) run(v);
const samples = Object.fromEntries(names.map((v) => [v, [] as ChildTime[]]));
const pairCpu = Object.fromEntries(names.map((v) => [v, [] as number[]]));
for (let i = 0; i < rounds; i++) {
  const round: Record<string, ChildTime> = {};
  for (const v of rotated(names, i)) samples[v]!.push((round[v] = run(v)));
  for (const v of names) pairCpu[v]!.push(round[v]!.cpuMs / round[baseOf(v)]!.cpuMs);
}

const f = (x: number) => x.toFixed(1).padStart(6);
const med = (v: string, k: 'wallMs' | 'cpuMs' | 'userMs' | 'sysMs') => median(samples[v]!.map((s) => s[k]));
console.log(`CLI start-up, ${rounds} interleaved rounds (medians; load average ${loadAverage()})`);
if (present.length > 0) console.log(`  "clean:" = the same command without ${present.join(', ')} (set in this environment)`);
for (const v of names) {
  const b = baseOf(v);
  console.log(
    `  ${v.padEnd(25)} CPU ${f(med(v, 'cpuMs'))} ms (user ${f(med(v, 'userMs'))}, sys ${f(med(v, 'sysMs'))})   wall ${f(med(v, 'wallMs'))} ms` +
      (v === b
        ? ''
        : `   CPU ratio ${(med(v, 'cpuMs') / med(b, 'cpuMs')).toFixed(2)} (paired ${median(pairCpu[v]!).toFixed(2)})   wall ratio ${(med(v, 'wallMs') / med(b, 'wallMs')).toFixed(2)}`),
  );
}
console.log(`  bulwark --version / node -e 0, CPU: ${againstTarget(med('bulwark --version', 'cpuMs') / med('node -e 0', 'cpuMs'), TARGET)}`);
if (present.length > 0)
  console.log(
    `  clean: bulwark --version / node -e 0, CPU: ${againstTarget(med('clean: bulwark --version', 'cpuMs') / med('clean: node -e 0', 'cpuMs'), TARGET)}`,
  );
