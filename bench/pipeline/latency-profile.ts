/**
 * The seed review against realistic provider latency. `bulwark init`'s topology, as init writes
 * it, reviews a 500-line diff through the real CLI (`bin/bulwark.js review …`) against a
 * loopback OpenAI-compatible server that emulates a provider's timing: time to first token, then
 * output tokens at a steady rate (bench/lib/emulated-provider.ts; streamed when the request asks,
 * one body otherwise). Three profiles:
 *
 *   fast      hosted fast model      0.5 s TTFT, 150 tokens/s   target p50 ≤ 10 s
 *   frontier  hosted frontier model  1.5 s TTFT,  60 tokens/s   target p50 ≤ 30 s
 *   cpu       self-hosted CPU server 3.0 s TTFT,  20 tokens/s   target p50 ≤ 60 s
 *
 * Output lengths: each answer has the stage's typical length (TYPICAL_TOKENS below: a review
 * hand-in with a short report and a few findings; an assumption, not a measurement of any model),
 * capped by the max_tokens the stage requests; a stage with read tools first reads the changed file
 * (one short turn of 40 tokens), as a model that uses its tools does. Per profile the benchmark
 * prints the p50 wall time of the whole CLI process, the emulated model time on the critical path
 * (the longest dependency chain of stages, each stage's calls back to back), the overhead (wall −
 * model time) and its share of the wall time, and the bound: the critical path if every call used
 * its stage's whole max_tokens.
 *
 * `--variant single-call` reviews with SINGLE_CALL_TOPOLOGY instead: init's stages and prompts,
 * every stage one model call (no tools) with smaller output budgets — what a CPU server needs.
 *
 *   node dist/bench/pipeline/latency-profile.js [--runs N=3] [--profiles fast,frontier,cpu] [--variant init|single-call] [--phases]
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTopology, type Topology } from '../../src/pipeline/topology.js';
import { makeGitRepo, type GitRepo } from '../../test/helpers/git-repo.js';
import { startEmulatedProvider, type EmulatedServer, type Timing } from '../lib/emulated-provider.js';
import { cliEntry, loadAverage, median, repoRoot } from '../lib/child-time.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const runs = Math.max(1, Number(opt('--runs', '3')) || 3);
// the CLI as users run it (bin/bulwark.js calls dist/src/cli/main.js's main())
const MAIN = cliEntry;

const PROFILES: Record<string, Timing & { targetMs: number; label: string }> = {
  fast: { label: 'fast hosted (0.5 s, 150 tok/s)', ttftMs: 500, tokensPerSecond: 150, targetMs: 10_000 },
  frontier: { label: 'frontier hosted (1.5 s, 60 tok/s)', ttftMs: 1500, tokensPerSecond: 60, targetMs: 30_000 },
  cpu: { label: 'self-hosted CPU (3 s, 20 tok/s)', ttftMs: 3000, tokensPerSecond: 20, targetMs: 60_000 },
};
const chosen = opt('--profiles', 'fast,frontier,cpu')
  .split(',')
  .filter((p) => p in PROFILES);

/** Output tokens of a stage's review hand-in (report + findings); a read turn is READ_TOKENS. */
const TYPICAL_TOKENS: Record<string, number> = { 'static-analysis': 450, 'security-review': 450, summary: 300 };
const READ_TOKENS = 40;
const CHANGED = 'src/ledger/transfer.js';
const variant = opt('--variant', 'init');
/** Print each run's phase timings (`review --verbose`): where the overhead goes. */
const phases = args.includes('--phases');

/** Init's stages and prompts, each stage a single call within a budget a 20 tokens/s server answers in. */
const SINGLE_CALL_TOPOLOGY = `[[pipeline.stages]]
name = "static-analysis"
prompt_file = "prompts/static.md"
tools = []
max_tokens = 600

[[pipeline.stages]]
name = "security-review"
prompt_file = "prompts/security.md"
tools = []
max_tokens = 600

[[pipeline.stages]]
name = "summary"
prompt_file = "prompts/summary.md"
depends_on = ["static-analysis", "security-review"]
tools = []
max_tokens = 400
`;

/** 500 added lines of plausible payment code. */
function fiveHundredLines(): string {
  const out: string[] = ["'use strict';", ''];
  for (let i = 0; out.length < 500; i++) {
    out.push(
      `export function transfer${i}(from, to, amountMinor, currency) {`,
      `  if (!Number.isInteger(amountMinor) || amountMinor <= 0) throw new Error('amount ${i} must be positive integer minor units');`,
      `  if (from.currency !== currency || to.currency !== currency) throw new Error('currency mismatch in transfer ${i}');`,
      `  const fee = Math.round(amountMinor * 0.001);`,
      `  from.debit(amountMinor + fee);`,
      `  to.credit(amountMinor);`,
      `  return { id: 'tx-${i}', amountMinor, fee, currency };`,
      `}`,
      '',
    );
  }
  return out.slice(0, 500).join('\n') + '\n';
}

function run(argv: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (c, s) => resolve({ code: c ?? 128 + (s ? 1 : 0), stdout, stderr }));
  });
}

/** A repository initialised by the real `bulwark init` (base) and a 500-line change (feature). */
async function seedRepo(env: NodeJS.ProcessEnv): Promise<GitRepo> {
  const repo = makeGitRepo('bulwark-bench-latency-');
  chmodSync(repo.dir, 0o755); // the sandboxed workers (uid nobody) read it
  repo.writeAll({ 'README.md': '# ledger\n' });
  const init = await run([MAIN, 'init', '--repo', repo.dir], env);
  if (init.code !== 0) throw new Error(`bulwark init failed: ${init.stderr}`);
  if (variant === 'single-call') repo.write('.bulwark/topology.toml', SINGLE_CALL_TOPOLOGY);
  else if (variant !== 'init') throw new Error(`--variant ${variant}: expected init or single-call`);
  repo.commit('base with bulwark init');
  repo.checkout('feature', true);
  repo.write(CHANGED, fiveHundredLines());
  repo.commit('ledger transfers');
  return repo;
}

/** Longest chain of stages, each stage costing `cost(stage)`. */
function criticalPath(t: Topology, cost: (stage: string) => number): number {
  const memo = new Map<string, number>();
  const at = (name: string): number => {
    if (!memo.has(name)) {
      const s = t.stages.find((x) => x.name === name)!;
      memo.set(name, cost(name) + Math.max(0, ...s.dependsOn.map(at)));
    }
    return memo.get(name)!;
  };
  return Math.max(...t.stages.map((s) => at(s.name)));
}

interface Sample {
  wall: number;
  model: number;
  calls: number;
  streamed: number;
}

async function once(server: EmulatedServer, repo: GitRepo, topology: Topology, env: NodeJS.ProcessEnv, tmp: string, i: number): Promise<Sample> {
  const before = server.calls.length;
  const t0 = performance.now();
  const r = await run(
    [
      MAIN,
      'review',
      '--repo',
      repo.dir,
      '--base',
      'main',
      '--head',
      'feature',
      '--format',
      'json',
      phases ? '--verbose' : '--quiet',
      '--audit-db',
      path.join(tmp, `audit-${i}.db`),
    ],
    { ...env, OPENAI_BASE_URL: server.url },
  );
  const wall = performance.now() - t0;
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) throw new Error(`bulwark review exited ${r.code}:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  const report = JSON.parse(r.stdout) as { errors: string[] };
  if (report.errors.length > 0) throw new Error(`review errors: ${report.errors.join('; ')}`);
  if (phases)
    console.log(
      `    ${r.stderr
        .split('\n')
        .filter((l) => /^timings:|^ {2}stage /.test(l))
        .join('\n    ')}`,
    );
  const calls = server.calls.slice(before);
  const perStage = new Map<string, number>();
  for (const c of calls) perStage.set(c.stage, (perStage.get(c.stage) ?? 0) + c.modelMs);
  return { wall, model: criticalPath(topology, (s) => perStage.get(s) ?? 0), calls: calls.length, streamed: calls.filter((c) => c.streamed).length };
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const tmp = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-latency-'));
const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_API_KEY: 'sk-bench', NO_COLOR: '1' };
delete env.ANTHROPIC_API_KEY;
const repo = await seedRepo(env);
try {
  const topology = loadTopology(path.join(repo.dir, '.bulwark', 'topology.toml'));
  const tools = (name: string): boolean => topology.stages.find((x) => x.name === name)!.tools.includes('read_file');
  const plan = (_body: Record<string, unknown>, stage: string) => {
    const msgs = (_body.messages ?? []) as { role?: string }[];
    const first = !msgs.some((m) => m.role === 'assistant');
    return { tokens: TYPICAL_TOKENS[stage] ?? 300, ...(first && tools(stage) ? { readFile: CHANGED } : {}) };
  };
  console.log(
    `bulwark review, ${variant === 'init' ? "bulwark init's topology" : "single-call variant of init's topology"}, 500-line diff, ${runs} run(s) per profile (load average ${loadAverage()})`,
  );
  console.log(
    `  stages: ${topology.stages.map((x) => `${x.name} (max_tokens ${x.maxTokens}, ${x.tools.length > 0 ? 'tools' : 'no tools'}${x.dependsOn.length ? `, after ${x.dependsOn.join('+')}` : ''})`).join('; ')}`,
  );
  const rows: string[] = [];
  for (const name of chosen) {
    const p = PROFILES[name]!;
    const server = await startEmulatedProvider(p, plan);
    try {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        const x = await once(server, repo, topology, env, tmp, samples.length + 100 * chosen.indexOf(name));
        samples.push(x);
        console.log(
          `  ${name} run ${i + 1}: wall ${s(x.wall)} · model time on the critical path ${s(x.model)} · overhead ${s(x.wall - x.model)} · ${x.calls} calls (${x.streamed} streamed)`,
        );
      }
      const wall = median(samples.map((x) => x.wall));
      const model = median(samples.map((x) => x.model));
      // every call at its stage's whole output budget: one call per stage without tools, a read turn + a full one with tools
      const bound = criticalPath(topology, (st) => {
        const spec = topology.stages.find((x) => x.name === st)!;
        const full = p.ttftMs + (spec.maxTokens / p.tokensPerSecond) * 1000;
        return spec.tools.length > 0 ? full + p.ttftMs + (READ_TOKENS / p.tokensPerSecond) * 1000 : full;
      });
      rows.push(
        `| ${p.label} | ${s(wall)} | ${s(model)} | ${s(wall - model)} (${(((wall - model) / wall) * 100).toFixed(0)} %) | ${s(bound)} | ≤ ${s(p.targetMs)}: ${wall <= p.targetMs ? 'met' : 'MISSED'} (ratio ${(wall / p.targetMs).toFixed(2)}) |`,
      );
    } finally {
      await server.close();
    }
  }
  console.log('');
  console.log('| profile | p50 wall | model time (critical path) | overhead (share) | bound at max_tokens | target |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  repo.cleanup();
  rmSync(tmp, { recursive: true, force: true });
}
