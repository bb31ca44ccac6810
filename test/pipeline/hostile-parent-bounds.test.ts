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
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { LlmGateway } from '../../src/llm/gateway.js';
import { resolveProviders } from '../../src/llm/select.js';
import { loadTopology } from '../../src/pipeline/topology.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { StageWorker, type StageRunDeps } from '../../src/pipeline/stage-runner.js';
import type { StageInput } from '../../src/protocol/stage.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import type { FakeServer } from '../helpers/fake-llm-server.js';
import { makeGitRepo } from '../helpers/git-repo.js';
import { paymentsRepo, tempAudit, writeTopology } from './fixtures.js';

const HOSTILE_WORKER = fileURLToPath(new URL('./hostile-stage-worker.js', import.meta.url));
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function memoryAudit(): { entries: EntryInput[]; append(e: EntryInput): Promise<unknown>; putBlob(d: Uint8Array | string): Promise<string> } {
  const entries: EntryInput[] = [];
  return {
    entries,
    append: async (e) => {
      entries.push(e);
    },
    putBlob: async () => 'sha256:' + '0'.repeat(64),
  };
}

function input(prompt: string, maxTurns = 10): StageInput {
  return { stage: 'attack', prompt, tools: [], maxTurns, repoRoot: null, readRoots: [], revisions: true, context: {} };
}

async function openAiGateway(server: FakeServer, audit: ReturnType<typeof memoryAudit>, tokenBudget?: number): Promise<LlmGateway> {
  const providers = await resolveProviders({ config: {}, configDir: process.cwd(), env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url }, probeOllama: false });
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
  it('git.show of a 100 MB blob, four times at once: the parent never buffers the blob; the answer is truncated and says so', async () => {
    const repo = makeGitRepo('bulwark-bigblob-');
    cleanups.push(() => repo.cleanup());
    chmodSync(repo.dir, 0o755);
    const size = 100 * 1024 * 1024;
    // streamed into the object store (zlib makes it ~100 KB on disk), never written as a file
    const sha = execFileSync('sh', ['-c', `yes 'a line of text that repeats' | head -c ${size} | git hash-object -w --stdin`], { cwd: repo.dir, encoding: 'utf8' }).trim();
    repo.git('update-index', '--add', '--cacheinfo', `100644,${sha},big.txt`);
    repo.git('commit', '-q', '-m', 'big blob');
    const head = repo.head();

    const audit = memoryAudit();
    const gateway = new LlmGateway({ providers: new Map(), audit, runId: 'run-attack' });
    const { value: r, growthMb } = await peakRssDuring(() => runHostile('blob big.txt 4', deps({ gateway, audit, repo: { root: repo.dir, base: head, head } })));
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
    const providers = await resolveProviders({ config: {}, configDir: topo.dir, env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url }, probeOllama: false });
    const started = performance.now();
    const { value: result, growthMb } = await peakRssDuring(() => runPipeline({
      topology: loadTopology(topo.file),
      change,
      audit: audit.audit,
      runId: 'run-flood',
      providers,
      providerConfig: { max_retries: 0, timeout_seconds: 30 },
      workerScript: HOSTILE_WORKER,
    }));
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
    console.log(`flood of 20,000 invalid requests: ${entries.length} audit entries, ${Math.round(tookMs)} ms, parent peak RSS growth ${growthMb.toFixed(1)} MB`);
  });
});
