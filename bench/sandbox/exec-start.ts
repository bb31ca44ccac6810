/**
 * `bulwark sandbox exec` start-up: wall and CPU time (user + sys of the whole process tree: the
 * CLI, the launcher and the sandboxed command) of
 *
 *   bulwark sandbox exec -- <node> -e 0
 *
 * against `<node> -e 0` run directly with the environment the sandbox gives it (the launcher clears
 * everything but the policy's variables: PATH=/usr/local/bin:/usr/bin:/bin and LANG=C.UTF-8 from
 * runtimePolicy(), nothing else without --env), reproduced with `env -i`. Interleaved rounds with a
 * rotating order, medians. Target: wall ratio ≤ 1.3.
 *
 *   node dist/bench/sandbox/exec-start.js [rounds=20]
 *
 * For information, also:
 *   direct+setsid      the same direct command in its own session, as the launcher's setsid() puts
 *                      the sandboxed command (with sched_autogroup every session is its own
 *                      scheduling group, which changes wall time on a loaded machine, not CPU)
 *   bulwark --version  the CLI's own start, which `sandbox exec` pays before the launcher runs
 * `sandbox exec` needs the launcher (build/), root (it drops to nobody) and Landlock: if it cannot
 * run here the bench says why and exits 0.
 */
import { runtimePolicy } from '../../src/sandbox/policy.js';
import { againstTarget, cliEntry, loadAverage, median, rotated, timeChild, type ChildTime } from '../lib/child-time.js';

const rounds = Math.max(1, Number(process.argv[2] ?? 20) || 20);
const TARGET = 1.3;
const node = process.execPath;

/** `env -i NAME=VALUE…`: exactly what the launcher leaves the command (policy.env; envAllow is empty for exec without --env). */
const policy = runtimePolicy({});
const sandboxEnv = Object.entries(policy.env ?? {}).map(([k, v]) => `${k}=${v}`);

const variants = {
  sandboxed: [node, cliEntry, 'sandbox', 'exec', '--', node, '-e', '0'],
  direct: ['env', '-i', ...sandboxEnv, node, '-e', '0'],
  'direct+setsid': ['setsid', 'env', '-i', ...sandboxEnv, node, '-e', '0'],
  'bulwark --version': [node, cliEntry, '--version'],
} as const;
type Variant = keyof typeof variants;
const names = Object.keys(variants) as Variant[];

function run(v: Variant): ChildTime {
  const t = timeChild([...variants[v]]);
  if (t.code !== 0) throw new Error(`${v} exited with ${t.code}: ${t.stderr.trim()}`);
  return t;
}

// Can the sandbox run here at all?
const probe = timeChild([...variants.sandboxed]);
if (probe.code !== 0) {
  console.log(
    `sandbox exec start-up: not measured: \`bulwark sandbox exec -- node -e 0\` exited with ${probe.code} (running as uid ${process.getuid?.() ?? '?'}):`,
  );
  console.log(probe.stderr.trim().replace(/^/gm, '  '));
  console.log('  (`bulwark sandbox doctor` says which layer is missing; the launcher needs root and Landlock)');
  process.exit(0);
}
for (const v of names) run(v);

const samples = Object.fromEntries(names.map((v) => [v, [] as ChildTime[]])) as Record<Variant, ChildTime[]>;
const pairWall: number[] = [];
for (let i = 0; i < rounds; i++) {
  const round = {} as Record<Variant, ChildTime>;
  for (const v of rotated(names, i)) samples[v].push((round[v] = run(v)));
  pairWall.push(round.sandboxed.wallMs / round.direct.wallMs);
}

const f = (x: number) => x.toFixed(1).padStart(7);
const med = (v: Variant, k: 'wallMs' | 'cpuMs') => median(samples[v].map((s) => s[k]));
console.log(`sandbox exec start-up, ${rounds} interleaved rounds (medians; load average ${loadAverage()})`);
console.log(`  direct command: env -i ${sandboxEnv.join(' ')} ${node} -e 0`);
for (const v of names)
  console.log(
    `  ${v.padEnd(18)} wall ${f(med(v, 'wallMs'))} ms   CPU ${f(med(v, 'cpuMs'))} ms` +
      (v === 'direct'
        ? ''
        : `   wall ratio ${(med(v, 'wallMs') / med('direct', 'wallMs')).toFixed(2)}   CPU ratio ${(med(v, 'cpuMs') / med('direct', 'cpuMs')).toFixed(2)}`),
  );
const over = med('sandboxed', 'wallMs') - med('direct', 'wallMs');
const overCpu = med('sandboxed', 'cpuMs') - med('direct', 'cpuMs');
console.log(
  `  sandbox exec costs ${over.toFixed(0)} ms wall / ${overCpu.toFixed(0)} ms CPU more than the direct command; ` +
    `the CLI's own start (bulwark --version) is ${med('bulwark --version', 'wallMs').toFixed(0)} ms wall / ${med('bulwark --version', 'cpuMs').toFixed(0)} ms CPU of that`,
);
console.log(
  `  sandboxed / direct, wall: ${againstTarget(med('sandboxed', 'wallMs') / med('direct', 'wallMs'), TARGET)} (median of per-round ratios ${median(pairWall).toFixed(2)})`,
);
