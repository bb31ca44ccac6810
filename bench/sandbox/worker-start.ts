/**
 * Start-up cost of the sandbox: a Node worker started through the real launcher (Landlock +
 * seccomp + rlimits + uid drop + setsid) that answers one RPC, versus the same worker started as a
 * plain `node` child with the same fd-3 channel and the same environment. Runs are interleaved with
 * a rotating order so load on a shared machine hits every variant alike.
 *
 *   node dist/bench/sandbox/worker-start.js [rounds=30]
 *
 * Variants:
 *   sandboxed      startSandboxedWorker() with runtimePolicy({}) (the real launcher)
 *   plain          spawn(node) in the parent's session
 *   plain+setsid   spawn(node, { detached: true }): its own session, as the launcher's setsid() gives
 * Why the third: with CONFIG_SCHED_AUTOGROUP (sched_autogroup_enabled=1) every session is its own
 * scheduling group, so on a CPU-contended machine a process in a new session gets a different share
 * than one in the parent's session. That is scheduler accounting, not sandbox work; comparing with
 * plain+setsid isolates what Landlock, seccomp and the launcher cost. Worker CPU time (which does
 * not depend on load) is printed too.
 *
 * Each variant's time is also split in two: "before node" (from the call until the worker's Node
 * process started: parent-side policy checks, spawn, and for the sandbox the launcher's exec and
 * set-up) and "in node" (from Node's start to its answer: where Landlock, seccomp, the uid and the
 * denied /proc act on Node itself).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimePolicy } from '../../src/sandbox/policy.js';
import { startSandboxedWorker, type SandboxSpawner } from '../../src/sandbox/worker-host.js';

const rounds = Math.max(20, Number(process.argv[2] ?? 30));
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'echo-worker.js');
const policy = runtimePolicy({});

/**
 * The environment the launcher gives the sandboxed worker. It matters: an inherited
 * NODE_EXTRA_CA_CERTS, for one, makes Node parse a CA bundle at start (tens of ms).
 */
function sandboxEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of policy.envAllow) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  return { ...env, ...policy.env };
}
const plainSpawner =
  (ownSession: boolean): SandboxSpawner =>
  (_p, command, args, opts) => ({
    child: spawn(command, args, { stdio: opts.stdio, env: sandboxEnvironment(), detached: ownSession }),
    degraded: [],
  });

type Variant = 'sandboxed' | 'plain' | 'plain+setsid';
const spawners: Record<Variant, SandboxSpawner | undefined> = {
  sandboxed: undefined,
  plain: plainSpawner(false),
  'plain+setsid': plainSpawner(true),
};

/** Milliseconds from "start" to the first RPC answer, its split, and the worker's CPU time at that moment. */
async function once(v: Variant): Promise<{ ms: number; cpuMs: number; beforeNodeMs: number; inNodeMs: number }> {
  const spawner = spawners[v];
  const t0 = performance.now();
  const epoch0 = performance.timeOrigin + t0;
  const w = await startSandboxedWorker({ script, policy, ...(spawner ? { spawn: spawner } : {}) });
  const reply = (await w.request('ping', null).catch(async (e: Error) => {
    const ex = await w.exited;
    throw new Error(`${v} worker failed (${e.message}; exit ${ex.code ?? ex.signal}): ${w.stderr().slice(-2000)}`);
  })) as { pong: boolean; cpuMs: number; origin: number; readyMs: number };
  const ms = performance.now() - t0;
  if (reply?.pong !== true) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  if (v === 'sandboxed' && w.degraded.length > 0) throw new Error(`sandbox degraded: ${w.degraded.join('; ')}`);
  w.close();
  const ex = await w.exited;
  if (ex.code !== 0) throw new Error(`worker exited with ${ex.code ?? ex.signal}: ${w.stderr()}`);
  return { ms, cpuMs: reply.cpuMs, beforeNodeMs: reply.origin - epoch0, inNodeMs: reply.readyMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const variants: Variant[] = ['sandboxed', 'plain', 'plain+setsid'];
// Warm the page cache and this process's JIT for every path; not measured.
for (const v of variants) await once(v);

const ms: Record<Variant, number[]> = { sandboxed: [], plain: [], 'plain+setsid': [] };
const cpu: Record<Variant, number[]> = { sandboxed: [], plain: [], 'plain+setsid': [] };
const beforeNode: Record<Variant, number[]> = { sandboxed: [], plain: [], 'plain+setsid': [] };
const inNode: Record<Variant, number[]> = { sandboxed: [], plain: [], 'plain+setsid': [] };
const pairRatio: Record<'plain' | 'plain+setsid', number[]> = { plain: [], 'plain+setsid': [] };
for (let i = 0; i < rounds; i++) {
  const order = variants.map((_, j) => variants[(i + j) % variants.length]!);
  const round = {} as Record<Variant, number>;
  for (const v of order) {
    const r = await once(v);
    ms[v].push(r.ms);
    cpu[v].push(r.cpuMs);
    beforeNode[v].push(r.beforeNodeMs);
    inNode[v].push(r.inNodeMs);
    round[v] = r.ms;
  }
  pairRatio.plain.push(round.sandboxed / round.plain);
  pairRatio['plain+setsid'].push(round.sandboxed / round['plain+setsid']);
}

const f = (x: number) => x.toFixed(1).padStart(6);
console.log(`sandboxed Node worker start -> first RPC answer, ${rounds} interleaved rounds`);
for (const v of variants)
  console.log(
    `  ${v.padEnd(13)} median ${f(median(ms[v]))} ms   worker CPU ${f(median(cpu[v]))} ms   before node ${f(median(beforeNode[v]))} ms   in node ${f(median(inNode[v]))} ms`,
  );
for (const base of ['plain', 'plain+setsid'] as const) {
  console.log(
    `  ratio sandboxed / ${base.padEnd(13)} ${(median(ms.sandboxed) / median(ms[base])).toFixed(3)} (median of per-round ratios ${median(pairRatio[base]).toFixed(3)}; CPU ${(median(cpu.sandboxed) / median(cpu[base])).toFixed(3)})`,
  );
}
console.log('  target: <= 1.05');
