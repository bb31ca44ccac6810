/**
 * Whole-process pipeline overhead: `bulwark run` with the seed topology (static-analysis →
 * security-review → summary, each with its prompt_file) on a small git repository with one change,
 * against a loopback OpenAI-compatible server that answers every call after exactly 1 s with a
 * submit_review tool call (one model call per stage). The wall time is the CLI process's, from
 * spawn to exit: Node start, CLI load, change acquisition, audit log, sandboxed workers, result
 * file and shutdown all count.
 *
 *   overhead = wall − 3 s (three stages in sequence × 1 s on the critical path)
 *   target: median overhead ≤ 300 ms
 *
 *   node dist/bench/pipeline/seed-run.js [--runs N=3] [--latency-ms N=1000]
 *
 * One unmeasured run first (page cache, launcher). Each run prints where the time goes: from spawn
 * to the first model request, each stage's call as the server saw it, from the last answer to the
 * process's exit, and the stages' own durations from the result JSON (--result). The process's
 * CPU time (children's user + sys from /proc/self/stat, 10 ms resolution) is printed too, and
 * when the CLI's stderr said the first stage started and the result was written.
 * (bench/pipeline/seed-overhead.ts measures the pipeline in-process instead, with two calls per stage.)
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeOpenAi, type FakeServer } from '../../test/helpers/fake-openai.js';
import { contextOf, conversationOf, scriptedReviewer } from '../../test/helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../../test/helpers/git-repo.js';
import { BASE_FILES, CHANGED_CHARGE, SEED_TOPOLOGY, writeTopology } from '../../test/pipeline/fixtures.js';
import { cliEntry, loadAverage, median, repoRoot } from '../lib/child-time.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const runs = Math.max(1, opt('--runs', 3) || 3);
const latencyMs = opt('--latency-ms', 1000);
const TARGET_MS = 300;
const STAGES = 3; // all in sequence: static-analysis → security-review → summary
const critical = STAGES * latencyMs;

/** Children's CPU time so far (cutime + cstime of this process), ms. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17; USER_HZ is 100 on Linux
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** The pipeline tests' payments repository: main, and branch "feature" (checked out) with one changed file. */
function paymentsRepoDir(): GitRepo {
  const repo = makeGitRepo('bulwark-bench-run-repo-');
  chmodSync(repo.dir, 0o755); // the sandboxed workers (uid nobody) read it
  repo.writeAll(BASE_FILES);
  repo.commit('base');
  repo.checkout('feature', true);
  repo.write('src/payments/charge.js', CHANGED_CHARGE);
  repo.commit('change');
  return repo;
}

interface Run {
  wall: number;
  cpu: number;
  firstRequest: number;
  lastAnswerToExit: number;
  calls: { stage: string; at: number; answered: number }[];
  stages: { name: string; durationMs?: number; status: string }[];
  pipelineMs: number;
  code: number;
  firstStageStarted: number;
  resultWritten: number;
}

async function once(server: FakeServer): Promise<Run> {
  const repo = paymentsRepoDir();
  const topo = writeTopology(SEED_TOPOLOGY);
  const tmp = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-run-'));
  const resultFile = path.join(tmp, 'result.json');
  const before = server.requests.length;
  try {
    const env = { ...process.env, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url, BULWARK_AUDIT_DB: path.join(tmp, 'audit.db') };
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const child = spawn(process.execPath, [cliEntry, 'run', '--topology', topo.file, '--repo', repo.dir, '--result', resultFile], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // stderr lines with their arrival time: "stage X: running" marks the pipeline's start, "result:" its end
    let stderr = '';
    const lines: { at: number; text: string }[] = [];
    child.stderr.on('data', (c: Buffer) => {
      const at = performance.now() - t0;
      stderr += c.toString('utf8');
      for (const text of c.toString('utf8').split('\n').filter(Boolean)) lines.push({ at, text });
    });
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve(c ?? 128 + (s ? 1 : 0)));
    });
    const wall = performance.now() - t0;
    const cpu = childrenCpuMs() - cpu0;
    // exit 1 = a high/critical finding (the fixture's change has some); anything else is a failure
    if (code !== 0 && code !== 1) throw new Error(`bulwark run exited with ${code}:\n${stderr}`);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as {
      status: string;
      durationMs: number;
      stages: { name: string; status: string; durationMs?: number }[];
    };
    if (result.status !== 'ok') throw new Error(`run not ok: ${JSON.stringify(result.stages.map((s) => [s.name, s.status]))}\n${stderr}`);
    const reqs = server.requests.slice(before);
    if (reqs.length !== STAGES) throw new Error(`expected ${STAGES} model calls, the server saw ${reqs.length}`);
    const calls = reqs.map((r) => ({ stage: contextOf(conversationOf(r.body)).stage ?? '?', at: r.receivedAt - t0, answered: r.answeredAt! - t0 }));
    return {
      wall,
      cpu,
      firstRequest: calls[0]!.at,
      lastAnswerToExit: wall - Math.max(...calls.map((c) => c.answered)),
      calls,
      stages: result.stages.map((s) => ({ name: s.name, status: s.status, ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}) })),
      pipelineMs: result.durationMs,
      code,
      firstStageStarted: lines.find((l) => /: running$/.test(l.text))?.at ?? NaN,
      resultWritten: lines.find((l) => l.text.startsWith('result:'))?.at ?? NaN,
    };
  } finally {
    repo.cleanup();
    topo.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const server = await startFakeOpenAi({ respond: scriptedReviewer({ readFirst: false }), latencyMs, apiKey: 'sk-test' });
const ms = (x: number) => `${x.toFixed(0)} ms`;
try {
  await once(server); // warm-up, not measured
  const results: Run[] = [];
  console.log(`bulwark run, seed topology, ${STAGES} stages × 1 call × ${latencyMs} ms on the critical path (load average ${loadAverage()})`);
  for (let i = 0; i < runs; i++) {
    const r = await once(server);
    results.push(r);
    console.log(
      `  run ${i + 1}: wall ${ms(r.wall)} · overhead ${ms(r.wall - critical)} · CPU ${ms(r.cpu)} · exit ${r.code} · ` +
        `first model request at +${ms(r.firstRequest)} · last answer → exit ${ms(r.lastAnswerToExit)}`,
    );
    console.log(
      `    from stderr: first stage started +${ms(r.firstStageStarted)} · result written +${ms(r.resultWritten)} (then ${ms(r.wall - r.resultWritten)} to exit)`,
    );
    console.log(`    calls: ${r.calls.map((c) => `${c.stage} +${c.at.toFixed(0)}→+${c.answered.toFixed(0)}`).join(' · ')}`);
    const gaps = r.calls.slice(1).map((c, j) => c.at - r.calls[j]!.answered);
    console.log(`    answer → next stage's request: ${gaps.map(ms).join(', ')}`);
    console.log(
      `    result JSON: pipeline ${ms(r.pipelineMs)} · ${r.stages.map((s) => `${s.name} ${s.durationMs !== undefined ? ms(s.durationMs) : '?'}`).join(' · ')}`,
    );
  }
  const o = median(results.map((r) => r.wall - critical));
  console.log(
    `  median of ${runs}: wall ${ms(median(results.map((r) => r.wall)))} · overhead ${ms(o)} (target ≤ ${TARGET_MS} ms: ${o <= TARGET_MS ? 'met' : 'MISSED'}; ratio ${(o / TARGET_MS).toFixed(2)}) · ` +
      `first request +${ms(median(results.map((r) => r.firstRequest)))} · last answer → exit ${ms(median(results.map((r) => r.lastAnswerToExit)))} · CPU ${ms(median(results.map((r) => r.cpu)))}`,
  );
} finally {
  await server.close();
}
