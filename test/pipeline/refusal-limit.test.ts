/**
 * Requests the parent refuses inside a handler count toward the worker's rejected-request limit,
 * like unknown methods do: a worker repeating denied egress requests or model calls while one is
 * running is killed after WORKER_MAX_REJECTED of them, and the log holds one entry per denied
 * egress request up to the limit plus one entry for the kill. Real launcher; the worker is
 * test/pipeline/hostile-stage-worker.ts.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { LlmGateway } from '../../src/llm/gateway.js';
import { abortedCall, LlmError } from '../../src/llm/types.js';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { resolveProviders } from '../../src/llm/select.js';
import { StageWorker, type StageRunDeps } from '../../src/pipeline/stage-runner.js';
import type { StageInput } from '../../src/protocol/stage.js';
import { WORKER_MAX_REJECTED } from '../../src/sandbox/worker-host.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { memoryAudit } from './fixtures.js';

const HOSTILE_WORKER = fileURLToPath(new URL('./hostile-stage-worker.js', import.meta.url));
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function runHostile(prompt: string, d: StageRunDeps): Promise<{ output?: string; error?: Error }> {
  const w = StageWorker.start('attack', d);
  const input: StageInput = { stage: 'attack', prompt, tools: [], maxTurns: 10, repoRoot: null, readRoots: [], revisions: true, context: {} };
  try {
    return { output: (await w.run(input, new AbortController().signal)).markdown };
  } catch (err) {
    return { error: err as Error };
  } finally {
    await w.dispose();
  }
}

/**
 * A gateway to a loopback OpenAI-compatible server that answers every call after `latencyMs`, with
 * an in-memory log whose appends take `appendMs` (a durable log's are not instant).
 */
async function slowOpenAi(latencyMs: number, appendMs = 0) {
  const server = await startFakeOpenAi({ respond: () => ({ type: 'reply', text: 'ok' }), latencyMs });
  cleanups.push(() => server.close());
  const providers = await resolveProviders({
    config: {},
    configDir: process.cwd(),
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    probeOllama: false,
  });
  const memory = memoryAudit();
  const audit = { ...memory, append: (e: EntryInput) => new Promise<unknown>((r) => setTimeout(() => r(memory.append(e)), appendMs)) };
  const gateway = new LlmGateway({
    providers: new Map([...providers.byName].map(([k, v]) => [k, v.provider])),
    audit,
    runId: 'run-refusals',
    maxRetries: 0,
  });
  return { server, audit, gateway };
}

function deps(over: Pick<StageRunDeps, 'gateway' | 'audit'>): StageRunDeps {
  return {
    runId: 'run-refusals',
    provider: 'openai',
    params: { model: 'fake-model', maxTokens: 1000 },
    repo: null,
    readRoots: [],
    timeoutSeconds: 120,
    script: HOSTILE_WORKER,
    ...over,
  };
}

describe('refused requests count toward the rejected-request limit', { timeout: 180_000 }, () => {
  it('1,000 denied egress requests: one egress entry per denial up to the limit, then the kill with one summary entry', async () => {
    const audit = memoryAudit();
    const gateway = new LlmGateway({ providers: new Map(), audit, runId: 'run-refusals' });
    const r = await runHostile('egress-flood 1000', deps({ gateway, audit }));
    assert.ok(r.error, `the stage fails (output: ${r.output})`);
    const egress = audit.entries.filter((e) => e.kind === 'egress');
    assert.equal(egress.length, WORKER_MAX_REJECTED);
    assert.ok(egress.every((e) => e.kind === 'egress' && e.decision === 'deny' && e.host === 'exfil.example.com' && e.stage === 'attack'));
    const denials = audit.entries.filter((e) => e.kind === 'sandbox_denial');
    assert.equal(denials.length, 1, JSON.stringify(denials));
    const d = denials[0]!;
    assert.ok(d.kind === 'sandbox_denial');
    assert.equal(d.operation, 'protocol_violation');
    assert.match(d.detail ?? '', new RegExp(`${WORKER_MAX_REJECTED} rejected requests.*egress\\.fetch`));
  });

  it('1,000 model calls while one is running: the worker is killed at the limit; one call reached the provider', async () => {
    const { server, audit, gateway } = await slowOpenAi(5000, 150);
    const r = await runHostile('llm-busy 1000', deps({ gateway, audit }));
    assert.ok(r.error, `the stage fails (output: ${r.output})`);
    // the call in flight is aborted with its worker, but the stage failed for the violation
    assert.ok(!(r.error instanceof LlmError && r.error.errorClass === 'aborted'), `reported as: ${r.error.message}`);
    assert.ok(server.requests.length <= 1, `${server.requests.length} calls reached the provider`);
    const denials = audit.entries.filter((e) => e.kind === 'sandbox_denial');
    assert.equal(denials.length, 1, JSON.stringify(denials));
    const d = denials[0]!;
    assert.ok(d.kind === 'sandbox_denial');
    assert.equal(d.operation, 'protocol_violation');
    assert.match(d.detail ?? '', new RegExp(`${WORKER_MAX_REJECTED} rejected requests.*llm\\.complete.*one model call at a time`));
  });
});

describe('a model call in flight ends with its stage worker', { timeout: 60_000 }, () => {
  it('is aborted and on record when the worker is disposed, not left running until the provider answers', async () => {
    // an answer a minute away: left running, the call would hold the run (and spend tokens) that long
    const { server, audit, gateway } = await slowOpenAi(60_000);
    const w = StageWorker.start('attack', deps({ gateway, audit }));
    const input: StageInput = { stage: 'attack', prompt: 'llm-wait', tools: [], maxTurns: 10, repoRoot: null, readRoots: [], revisions: true, context: {} };
    const running = w.run(input, new AbortController().signal).then(
      () => undefined,
      (e: Error) => e,
    );
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    await w.dispose();
    assert.ok(performance.now() - t0 < 30_000, 'dispose waited for the provider');
    assert.ok(await running, 'the stage fails');
    const calls = audit.entries.filter((e) => e.kind === 'llm_call');
    assert.equal(calls.length, 1, JSON.stringify(calls));
    const call = calls[0]!;
    assert.ok(call.kind === 'llm_call');
    assert.equal(call.status, 'error');
    assert.equal(call.error_class, 'aborted');
  });

  it('is waited for by dispose until it has ended and its record is written, however long that takes', async () => {
    // a gateway whose aborted call takes half a second to end and hand over its record: longer
    // than the worker takes to exit, so only waiting for the call itself finds the record
    const written: string[] = [];
    let called!: () => void;
    const reached = new Promise<void>((r) => (called = r));
    const gateway = {
      complete: (_ctx: unknown, _req: unknown, signal: AbortSignal, opts: { deferAudit?: (w: Promise<unknown>) => void }) =>
        new Promise((_, reject) => {
          called();
          signal.addEventListener('abort', () =>
            setTimeout(() => {
              opts.deferAudit?.(new Promise((r) => setTimeout(() => r(written.push('aborted call')), 50)));
              reject(abortedCall());
            }, 500),
          );
        }),
    } as unknown as LlmGateway;
    const audit = memoryAudit();
    const w = StageWorker.start('attack', deps({ gateway, audit }));
    const input: StageInput = { stage: 'attack', prompt: 'llm-wait', tools: [], maxTurns: 10, repoRoot: null, readRoots: [], revisions: true, context: {} };
    const running = w.run(input, new AbortController().signal).catch((e: Error) => e);
    await reached;
    await w.dispose();
    assert.deepEqual(written, ['aborted call']);
    assert.ok(await running, 'the stage fails');
  });

  it('is aborted and on record before the stage result is taken when the worker answers without waiting for it', async () => {
    const { server, audit, gateway } = await slowOpenAi(60_000);
    const w = StageWorker.start('attack', deps({ gateway, audit }));
    const input: StageInput = { stage: 'attack', prompt: 'llm-leave', tools: [], maxTurns: 10, repoRoot: null, readRoots: [], revisions: true, context: {} };
    try {
      const out = await w.run(input, new AbortController().signal);
      assert.equal(out.markdown, JSON.stringify({ left: true }));
      assert.equal(server.requests.length, 1, 'the call reached the provider');
      const calls = audit.entries.filter((e) => e.kind === 'llm_call');
      assert.equal(calls.length, 1, JSON.stringify(calls));
      assert.ok(calls[0]!.kind === 'llm_call' && calls[0]!.error_class === 'aborted');
    } finally {
      await w.dispose();
    }
  });
});

describe('an audit write that fails after the stage answered', { timeout: 60_000 }, () => {
  it("fails the worker's disposal, so the run cannot pass with the event unrecorded", async () => {
    const memory = memoryAudit();
    const attempted: string[] = [];
    const audit = {
      ...memory,
      append: (e: EntryInput) => {
        attempted.push(e.kind);
        return e.kind === 'egress' ? Promise.reject(new Error('audit log unavailable')) : memory.append(e);
      },
    };
    const gateway = new LlmGateway({ providers: new Map(), audit, runId: 'run-refusals' });
    const w = StageWorker.start('attack', deps({ gateway, audit }));
    const input: StageInput = { stage: 'attack', prompt: 'egress-late', tools: [], maxTurns: 10, repoRoot: null, readRoots: [], revisions: true, context: {} };
    let disposed = false;
    try {
      const out = await w.run(input, new AbortController().signal);
      assert.equal(out.markdown, JSON.stringify({ answered: true }), 'the stage itself passed: every write so far was recorded');
      // the worker's egress request comes after the answer; its denial's entry is the write that fails
      for (let i = 0; i < 200 && !attempted.includes('egress'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(attempted.includes('egress'), `the late request was refused and its entry attempted (${attempted.join(', ')})`);
      await assert.rejects(w.dispose(), /audit log unavailable/);
      disposed = true;
    } finally {
      if (!disposed) await w.dispose().catch(() => undefined);
    }
  });
});
