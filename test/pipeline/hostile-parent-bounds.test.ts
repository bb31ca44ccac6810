/**
 * A compromised stage worker attacks the trusted parent through the channel: huge blobs through
 * `git.show`, floods of invalid requests, concurrent model calls, more model calls than the stage
 * allows, terminal escapes on stderr. Real launcher; the worker is test/pipeline/hostile-stage-worker.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { LlmGateway } from '../../src/llm/gateway.js';
import { resolveProviders } from '../../src/llm/select.js';
import { loadTopology } from '../../src/pipeline/topology.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { StageWorker, type StageRunDeps } from '../../src/pipeline/stage-runner.js';
import type { StageInput } from '../../src/protocol/stage.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import type { FakeServer } from '../helpers/fake-llm-server.js';
import { makeGitRepo } from '../helpers/git-repo.js';
import { memoryAudit, paymentsRepo, tempAudit, writeTopology } from './fixtures.js';

const HOSTILE_WORKER = fileURLToPath(new URL('./hostile-stage-worker.js', import.meta.url));
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function input(prompt: string, maxTurns = 10): StageInput {
  return { stage: 'attack', prompt, tools: [], maxTurns, repoRoot: null, readRoots: [], revisions: true, context: {} };
}

async function openAiGateway(server: FakeServer, audit: ReturnType<typeof memoryAudit>, tokenBudget?: number): Promise<LlmGateway> {
  const providers = await resolveProviders({
    config: {},
    configDir: process.cwd(),
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    probeOllama: false,
  });
  return new LlmGateway({
    providers: new Map([...providers.byName].map(([k, v]) => [k, v.provider])),
    audit,
    runId: 'run-attack',
    maxRetries: 0,
    ...(tokenBudget !== undefined ? { tokenBudget } : {}),
  });
}

function deps(over: Partial<StageRunDeps> & Pick<StageRunDeps, 'gateway' | 'audit'>): StageRunDeps {
  return {
    runId: 'run-attack',
    provider: 'openai',
    params: { model: 'fake-model', maxTokens: 1000 },
    repo: null,
    readRoots: [],
    timeoutSeconds: 120,
    script: HOSTILE_WORKER,
    ...over,
  };
}

/** Runs `fn`, sampling this process's RSS every 5 ms: returns its result and the peak growth in MB. */
async function peakRssDuring<T>(fn: () => Promise<T>): Promise<{ value: T; growthMb: number }> {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growthMb: (peak - baseline) / (1024 * 1024) };
  } finally {
    clearInterval(sampler);
  }
}

async function runHostile(prompt: string, d: StageRunDeps, maxTurns?: number): Promise<{ output?: string; error?: Error }> {
  const w = StageWorker.start('attack', d);
  try {
    const out = await w.run(input(prompt, maxTurns), new AbortController().signal);
    return { output: out.markdown };
  } catch (err) {
    return { error: err as Error };
  } finally {
    await w.dispose();
  }
}

describe('a hostile worker cannot exhaust the parent', { timeout: 180_000 }, () => {
  it("git.show serves only files below the stage's read roots: a committed file elsewhere is refused", async () => {
    const repo = makeGitRepo('bulwark-showscope-');
    cleanups.push(() => repo.cleanup());
    chmodSync(repo.dir, 0o755);
    repo.writeAll({ 'zone/a.txt': 'in scope\n', 'secret/b.txt': 'out of scope\n' });
    repo.commit('two folders');
    const head = repo.head();
    const audit = memoryAudit();
    const gateway = new LlmGateway({ providers: new Map(), audit, runId: 'run-attack' });
    const scoped = { gateway, audit, repo: { root: repo.dir, base: head, head }, readRoots: [path.join(repo.dir, 'zone')] };
    const inside = await runHostile('blob zone/a.txt 1', deps(scoped));
    assert.equal(inside.error, undefined, inside.error?.message);
    const outside = await runHostile('blob secret/b.txt 1', deps(scoped));
    assert.match(String(outside.error?.message ?? outside.output), /outside the folders this stage may read/);
  });

  it('git.show of a 100 MB blob, four times at once: the parent never buffers the blob; the answer is truncated and says so', async () => {
    const repo = makeGitRepo('bulwark-bigblob-');
    cleanups.push(() => repo.cleanup());
    chmodSync(repo.dir, 0o755);
    const size = 100 * 1024 * 1024;
    // streamed into the object store (zlib makes it ~100 KB on disk), never written as a file
    const sha = execFileSync('sh', ['-c', `yes 'a line of text that repeats' | head -c ${size} | git hash-object -w --stdin`], {
      cwd: repo.dir,
      encoding: 'utf8',
    }).trim();
    repo.git('update-index', '--add', '--cacheinfo', `100644,${sha},big.txt`);
    repo.git('commit', '-q', '-m', 'big blob');
    const head = repo.head();

    const audit = memoryAudit();
    const gateway = new LlmGateway({ providers: new Map(), audit, runId: 'run-attack' });
    const { value: r, growthMb } = await peakRssDuring(() =>
      runHostile('blob big.txt 4', deps({ gateway, audit, repo: { root: repo.dir, base: head, head }, readRoots: [repo.dir] })),
    );
    assert.equal(r.error, undefined, r.error?.message);
    const answers = JSON.parse(r.output!) as { found: boolean; length: number; truncated: boolean }[];
    assert.equal(answers.length, 4);
    for (const a of answers) {
      assert.deepEqual(a, { found: true, length: 512 * 1024, truncated: true });
    }
    console.log(`git.show 4 x 100 MB: parent peak RSS growth ${growthMb.toFixed(1)} MB`);
    assert.ok(growthMb < 100, `parent RSS grew by ${growthMb.toFixed(1)} MB serving a 100 MB blob four times`);
  });
});

describe('a hostile worker cannot flood the parent or its audit log', { timeout: 180_000 }, () => {
  it('20,000 invalid requests: the worker is killed after the limit, one entry records it, the run fails closed', async () => {
    const { repo, change } = await paymentsRepo();
    cleanups.push(() => repo.cleanup());
    const topo = writeTopology(`[[pipeline.stages]]\nname = "static-analysis"\nprompt_file = "prompts/static.md"\n`);
    cleanups.push(topo.cleanup);
    writeFileSync(path.join(topo.dir, 'prompts', 'static.md'), 'flood 20000\n');
    const server = await startFakeOpenAi({ respond: () => ({ type: 'reply', text: 'unused' }) });
    cleanups.push(() => server.close());
    const audit = await tempAudit();
    cleanups.push(() => audit.cleanup());
    const providers = await resolveProviders({
      config: {},
      configDir: topo.dir,
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
      probeOllama: false,
    });
    const started = performance.now();
    const { value: result, growthMb } = await peakRssDuring(() =>
      runPipeline({
        topology: loadTopology(topo.file),
        change,
        audit: audit.audit,
        runId: 'run-flood',
        providers,
        providerConfig: { max_retries: 0, timeout_seconds: 30 },
        workerScript: HOSTILE_WORKER,
      }),
    );
    const tookMs = performance.now() - started;
    assert.equal(result.status, 'failed');
    assert.equal(result.stages[0]!.status, 'failed');
    const entries = await audit.entries();
    const denials = entries.filter((e) => e.kind === 'sandbox_denial');
    assert.equal(denials.length, 1, JSON.stringify(denials));
    const d = denials[0]!;
    assert.ok(d.kind === 'sandbox_denial');
    assert.equal(d.operation, 'protocol_violation');
    assert.equal(d.stage, 'static-analysis');
    assert.match(d.detail ?? '', /32 rejected requests.*secrets\.read/);
    assert.equal(server.requests.length, 0);
    assert.ok(entries.length < 10, `${entries.length} entries: ${JSON.stringify(entries.map((e) => e.kind))}`);
    console.log(
      `flood of 20,000 invalid requests: ${entries.length} audit entries, ${Math.round(tookMs)} ms, parent peak RSS growth ${growthMb.toFixed(1)} MB`,
    );
  });
});

describe('budgets are enforced in the parent, not trusted to the worker', { timeout: 180_000 }, () => {
  /** The largest number of requests the fake server was answering at the same time. */
  function maxOverlap(server: FakeServer): number {
    const edges = server.requests.flatMap((r) => [
      { t: r.receivedAt, d: 1 },
      { t: r.answeredAt ?? Infinity, d: -1 },
    ]);
    edges.sort((a, b) => a.t - b.t || a.d - b.d);
    let cur = 0;
    let max = 0;
    for (const e of edges) max = Math.max(max, (cur += e.d));
    return max;
  }

  it('64 concurrent llm.complete from one worker: one model call at a time reaches the provider, the budget holds', async () => {
    const server = await startFakeOpenAi({ respond: () => ({ type: 'reply', text: 'ok', usage: { input: 1000, output: 500 } }), latencyMs: 50 });
    cleanups.push(() => server.close());
    const audit = memoryAudit();
    const budget = 20_000;
    const gateway = await openAiGateway(server, audit, budget);
    const r = await runHostile('llm-burst 64', deps({ gateway, audit }), 100);
    if (r.error) {
      // refused calls count toward the rejected-request limit: a burst that reaches it is a kill
      assert.match(r.error.message, /32 rejected requests/);
      assert.ok(server.requests.length <= 2, `${server.requests.length} calls ran`);
    } else {
      const outcomes = JSON.parse(r.output!) as string[];
      assert.equal(outcomes.length, 64);
      const ok = outcomes.filter((o) => o === 'ok').length;
      assert.equal(ok, server.requests.length, 'every call that reached the provider was answered');
      assert.ok(ok >= 1 && ok <= 2, `${ok} calls ran`);
      // refused by the one-call rule, or earlier by the channel's in-flight cap
      const refused = outcomes.filter((o) => o !== 'ok');
      assert.ok(
        refused.every((o) => /one model call at a time|too many concurrent requests/.test(o)),
        refused.join('\n'),
      );
      assert.ok(refused.some((o) => /one model call at a time/.test(o)));
    }
    assert.ok(maxOverlap(server) <= 1, `${maxOverlap(server)} calls at once`);
    assert.ok(gateway.tokensUsed <= budget, `${gateway.tokensUsed} tokens used of ${budget}`);
  });

  it('a worker making more model calls than max_turns is stopped by the parent', async () => {
    const server = await startFakeOpenAi({ respond: () => ({ type: 'reply', text: 'ok' }) });
    cleanups.push(() => server.close());
    const audit = memoryAudit();
    const gateway = await openAiGateway(server, audit);
    const r = await runHostile('llm-loop 10', deps({ gateway, audit }), 3);
    assert.ok(r.error, 'the stage fails');
    assert.match(r.error.message, /more model calls than max_turns=3; stopped by the parent/);
    assert.equal(server.requests.length, 3);
    assert.ok(
      audit.entries.some((e) => e.kind === 'sandbox_denial' && e.operation === 'turn_limit' && e.stage === 'attack'),
      JSON.stringify(audit.entries.map((e) => e.kind)),
    );
  });
});

describe('worker stderr reaches the operator without terminal escapes', { timeout: 60_000 }, () => {
  it('a worker writing OSC/CSI sequences and control characters to stderr: the stage error keeps the words, drops the escapes', async () => {
    const audit = memoryAudit();
    const gateway = new LlmGateway({ providers: new Map(), audit, runId: 'run-attack' });
    const r = await runHostile('stderr', deps({ gateway, audit }));
    assert.ok(r.error, 'the stage fails');
    const msg = r.error.message;
    assert.match(msg, /about to fail/);
    assert.match(msg, /red/);
    assert.match(msg, /done/);
    // eslint-disable-next-line no-control-regex -- looking for control characters
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(msg), `control characters in ${JSON.stringify(msg)}`);
    assert.ok(!msg.includes('pwned'), 'the OSC payload (window title) is dropped with its sequence');
  });
});
