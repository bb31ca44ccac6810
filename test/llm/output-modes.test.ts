/**
 * Output modes, refusals, error classes and streaming through the real gateway and provider
 * adapters against loopback servers (the servers' documented error bodies), and the worker's
 * reading of text and JSON hand-ins.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { LlmGateway, type AuditSink } from '../../src/llm/gateway.js';
import { refusalIn } from '../../src/llm/output-mode.js';
import { OpenAiProvider } from '../../src/llm/providers/openai.js';
import { LlmError, type CompletionRequest } from '../../src/llm/types.js';
import { parseHandIn } from '../../src/worker/hand-in.js';
import { runAgent, SUBMIT_SPEC } from '../../src/worker/agent-loop.js';
import type { FakeAction, FakeServer } from '../helpers/fake-llm-server.js';
import { ERRORS, startModelServer, type ModelServer } from '../helpers/fake-model-servers.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import type { Tools } from '../../src/worker/tools.js';

class MemoryAudit implements AuditSink {
  entries: EntryInput[] = [];
  blobs = new Map<string, string>();
  async append(e: EntryInput): Promise<unknown> {
    this.entries.push(e);
    return {};
  }
  async putBlob(data: Uint8Array | string): Promise<string> {
    const s = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    const ref = `sha256:${this.blobs.size.toString(16).padStart(64, '0')}`;
    this.blobs.set(ref, s);
    return ref;
  }
  calls(): Extract<EntryInput, { kind: 'llm_call' }>[] {
    return this.entries.filter((e): e is Extract<EntryInput, { kind: 'llm_call' }> => e.kind === 'llm_call');
  }
}

const handInRequest: CompletionRequest = {
  system: 'You review code.',
  messages: [{ role: 'user', content: '{"stage":"s"}' }],
  tools: [SUBMIT_SPEC],
  handIn: SUBMIT_SPEC.name,
};
const submitted = { summary_markdown: '### s\n\nok', findings: [] };
const ctx = (provider: string, model: string, temperature?: number) => ({
  stage: 's',
  agentId: 's#1',
  provider,
  params: { model, maxTokens: 1000, ...(temperature !== undefined ? { temperature } : {}) },
});

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers) await c();
});

async function flavour(...args: Parameters<typeof startModelServer>): Promise<ModelServer> {
  const s = await startModelServer(...args);
  closers.push(() => s.close());
  return s;
}

const replyFromBody: FakeAction = { type: 'reply', text: JSON.stringify(submitted) };

describe('refusals are recognised from the documented bodies', () => {
  it('each server’s body maps to what it refuses; ordinary errors to nothing', () => {
    const m = (e: { status: number; body: unknown }): string => JSON.stringify(e.body);
    // the detail the gateway extracts is the message; the whole body must classify the same
    const msg = (e: { status: number; body: unknown }): string => {
      const b = e.body as { message?: string; error?: { message?: string } };
      return b.error?.message ?? b.message ?? m(e);
    };
    assert.equal(refusalIn(400, msg(ERRORS.vllmAuto)), 'tools');
    assert.equal(refusalIn(400, msg(ERRORS.vllmRequired)), 'tool_choice');
    assert.equal(refusalIn(400, msg(ERRORS.ollamaNoTools('gemma:2b'))), 'tools');
    assert.equal(refusalIn(500, msg(ERRORS.llamaJinja)), 'tools');
    assert.equal(refusalIn(500, msg(ERRORS.llamaToolParse)), 'tools');
    assert.equal(refusalIn(400, msg(ERRORS.openaiMaxTokens)), 'max_tokens');
    assert.equal(refusalIn(400, msg(ERRORS.openaiTemperature(0.2))), 'temperature');
    // LiteLLM passes the upstream's message through inside its own wrapper
    assert.equal(
      refusalIn(
        400,
        `litellm.BadRequestError: OpenAIException - Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.`,
      ),
      'max_tokens',
    );
    assert.equal(
      refusalIn(400, 'litellm.BadRequestError: Hosted_vllmException - "auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'),
      'tools',
    );
    assert.equal(refusalIn(500, 'CUDA out of memory'), undefined);
    assert.equal(refusalIn(503, 'does not support tools'), undefined, 'an unavailable server is not a refusal');
    assert.equal(refusalIn(400, 'messages: field required'), undefined);
  });
});

describe('re-shaping after a refusal (not retried)', () => {
  it('llama.cpp: a 500 "does not match the expected … format" switches to json_schema once, no retries', async () => {
    const server = await flavour('llamacpp', { respond: () => replyFromBody, toolParseFailure: true });
    const audit = new MemoryAudit();
    const gw = new LlmGateway({
      providers: new Map([['openai', new OpenAiProvider({ apiKey: 'x', baseURL: server.url })]]),
      audit,
      runId: 'r1',
      maxRetries: 3,
    });
    const res = await gw.complete(ctx('openai', 'qwen'), handInRequest, new AbortController().signal);
    assert.equal(res.outputMode, 'json_schema');
    assert.deepEqual(
      server.chats().map((r) => r.status),
      [500, 200],
    );
    assert.deepEqual(
      audit.calls().map((c) => [c.status, c.error_class, c.output_mode, c.reshaped?.to ?? null]),
      [
        ['error', 'unsupported', 'tools', 'json_schema'],
        ['ok', null, 'json_schema', null],
      ],
    );
    // the next call of the run goes straight to JSON
    await gw.complete(ctx('openai', 'qwen'), handInRequest, new AbortController().signal);
    assert.deepEqual(
      server.chats().map((r) => r.status),
      [500, 200, 200],
    );
  });

  it('an old llama.cpp without --jinja and without json_schema formats: tools → json_schema → text, each refused once', async () => {
    const server = await startFakeOpenAi({
      respond: (req) => {
        const b = req.body as { tools?: unknown; response_format?: unknown };
        if (b.tools) return { type: 'error', status: 500, body: JSON.stringify(ERRORS.llamaJinja.body) };
        if (b.response_format) return { type: 'error', status: 500, body: JSON.stringify(ERRORS.llamaNoJsonSchema.body) };
        return { type: 'reply', text: '### s\n\nNothing wrong.\n\n```json\n{"findings": []}\n```' };
      },
    });
    closers.push(() => server.close());
    const audit = new MemoryAudit();
    const gw = new LlmGateway({
      providers: new Map([['openai', new OpenAiProvider({ apiKey: 'x', baseURL: server.url })]]),
      audit,
      runId: 'r1',
      maxRetries: 3,
    });
    const res = await gw.complete(ctx('openai', 'm'), handInRequest, new AbortController().signal);
    assert.equal(res.outputMode, 'text');
    assert.deepEqual(
      server.requests.map((r) => r.status),
      [500, 500, 200],
    );
    assert.deepEqual(
      audit.calls().map((c) => c.reshaped?.to ?? null),
      ['json_schema', 'text', null],
    );
    const sent = server.requests[2]!.body as { messages: { role: string; content: string }[] };
    assert.match(sent.messages[0]!.content, /end your answer with one fenced block/, 'text mode asks for the fenced JSON block');
    const handed = parseHandIn(res.text);
    assert.ok('args' in handed && handed.args.summary_markdown === '### s\n\nNothing wrong.');
  });

  it('Ollama without capabilities in /api/show: the 400 "does not support tools" switches the mode', async () => {
    const server = await flavour('ollama', { respond: () => replyFromBody, noCapabilities: true });
    const audit = new MemoryAudit();
    const p = new OpenAiProvider(
      { apiKey: 'ollama', baseURL: `${server.origin}/v1`, ollama: { origin: server.origin, keepAlive: '10m' } },
      'ollama',
      'gemma:2b',
    );
    const gw = new LlmGateway({ providers: new Map([['ollama', p]]), audit, runId: 'r1' });
    const res = await gw.complete(ctx('ollama', 'gemma:2b'), handInRequest, new AbortController().signal);
    assert.equal(res.outputMode, 'json_schema');
    assert.deepEqual(
      server.chats().map((r) => r.status),
      [400, 200],
    );
    const load = server.requests.find((r) => r.path === '/api/generate');
    assert.deepEqual(load?.body, { model: 'gemma:2b', keep_alive: '10m' });
  });

  it('Ollama: one capability check for concurrent calls, which one call leaving does not fail for the others', async () => {
    const server = await flavour('ollama', { respond: () => replyFromBody, showDelayMs: 400 });
    const audit = new MemoryAudit();
    const p = new OpenAiProvider({ apiKey: 'ollama', baseURL: `${server.origin}/v1`, ollama: { origin: server.origin } }, 'ollama', 'gemma:2b');
    const gw = new LlmGateway({ providers: new Map([['ollama', p]]), audit, runId: 'r1' });
    const shows = (): number => server.requests.filter((r) => r.path === '/api/show').length;
    // the first call's stage ends while the check is in flight; a second stage's call waits on it
    const leaving = new AbortController();
    const first = gw.complete(ctx('ollama', 'gemma:2b'), handInRequest, leaving.signal);
    const second = gw.complete(ctx('ollama', 'gemma:2b'), handInRequest, new AbortController().signal);
    setTimeout(() => leaving.abort(), 100);
    await assert.rejects(first, (e: unknown) => e instanceof LlmError && e.errorClass === 'aborted');
    const res = await second;
    assert.equal(res.outputMode, 'json_schema', "the check went on, and its answer (no 'tools' capability) shaped the call");
    assert.equal(shows(), 1, 'one check for both calls');
    // a check every caller has left is aborted, and the next call asks again
    const alone = new AbortController();
    const gw2 = new LlmGateway({ providers: new Map([['ollama', p]]), audit, runId: 'r2' });
    const gone = gw2.complete(ctx('ollama', 'gemma:2b'), handInRequest, alone.signal);
    setTimeout(() => alone.abort(), 100);
    await assert.rejects(gone, (e: unknown) => e instanceof LlmError && e.errorClass === 'aborted');
    const again = await gw2.complete(ctx('ollama', 'gemma:2b'), handInRequest, new AbortController().signal);
    assert.equal(again.outputMode, 'json_schema');
    assert.equal(shows(), 3, 'the abandoned check was not kept');
    assert.equal(server.requests.filter((r) => r.path === '/api/show' && r.status === undefined).length, 1, 'the abandoned check was cut off');
  });

  it('an OpenAI reasoning model behind an unrecognisable name: max_tokens, then temperature, learned from the 400s', async () => {
    const server = await flavour('openai-reasoning', { respond: () => ({ type: 'reply', toolCalls: [{ name: 'submit_review', arguments: submitted }] }) });
    const audit = new MemoryAudit();
    const gw = new LlmGateway({ providers: new Map([['openai', new OpenAiProvider({ apiKey: 'x', baseURL: server.url })]]), audit, runId: 'r1' });
    await gw.complete(ctx('openai', 'corp-reviewer', 0.2), handInRequest, new AbortController().signal);
    assert.deepEqual(
      server.chats().map((r) => r.status),
      [400, 400, 200],
    );
    assert.deepEqual(
      audit.calls().map((c) => c.reshaped?.setting ?? null),
      ['token_parameter', 'temperature', null],
    );
    assert.equal(audit.calls()[2]!.params.temperature, undefined, 'the recorded parameters are the ones sent');
    const last = server.chats()[2]!.body as Record<string, unknown>;
    assert.equal(last.max_completion_tokens, 1000);
    assert.deepEqual(last.tool_choice, { type: 'function', function: { name: 'submit_review' } }, 'a stage without read tools forces the hand-in');
  });

  it('a pinned output_mode is never switched: the refusal fails the call naming the setting', async () => {
    const server = await flavour('vllm', { respond: () => replyFromBody });
    const audit = new MemoryAudit();
    const gw = new LlmGateway({
      providers: new Map([['openai', new OpenAiProvider({ apiKey: 'x', baseURL: server.url })]]),
      audit,
      runId: 'r1',
      providerSettings: new Map([['openai', { outputMode: 'tools' as const }]]),
    });
    // a read tool as well: tool_choice "required", refused, then auto, refused
    const req = { ...handInRequest, tools: [{ name: 'read_file', description: 'read', parameters: { type: 'object' } }, SUBMIT_SPEC] };
    await assert.rejects(gw.complete(ctx('openai', 'm'), req, new AbortController().signal), (e: unknown) => {
      assert.ok(e instanceof LlmError && e.errorClass === 'unsupported', String(e));
      assert.match(e.message, /provider\.openai\.output_mode = "json_schema" or "text"/);
      return true;
    });
    assert.deepEqual(
      server.chats().map((r) => r.status),
      [400, 400],
    );
  });
});

describe('configuration errors are not retried and name the setting', () => {
  for (const [status, re] of [
    [401, /provider\.openai\.api_key_env/],
    [404, /provider\.openai\.model and provider\.openai\.base_url/],
    [422, /provider\.openai\.model/],
  ] as const) {
    it(`HTTP ${status}`, async () => {
      const server: FakeServer = await startFakeOpenAi({ respond: () => ({ type: 'error', status }) });
      closers.push(() => server.close());
      const gw = new LlmGateway({
        providers: new Map([['openai', new OpenAiProvider({ apiKey: 'x', baseURL: server.url })]]),
        audit: new MemoryAudit(),
        runId: 'r',
      });
      await assert.rejects(gw.complete(ctx('openai', 'm'), handInRequest, new AbortController().signal), re);
      assert.equal(server.requests.length, 1);
    });
  }
});

/** A slow but live streamed answer: 15 events 40 ms apart, about 0.6 s in all. */
const slowLiveAnswer: FakeAction = { type: 'reply', toolCalls: [{ name: 'submit_review', arguments: submitted }], text: 'x'.repeat(200), chunkDelayMs: 40 };

/** A gateway to a loopback OpenAI-compatible server that streams what `respond` says, without retries. */
async function streamingGateway(respond: () => FakeAction, timeouts: { idleTimeoutMs: number; callTimeoutMs?: number }) {
  const server = await startFakeOpenAi({ respond });
  closers.push(() => server.close());
  const audit = new MemoryAudit();
  const gw = new LlmGateway({
    providers: new Map([['openai', new OpenAiProvider({ apiKey: 'x', baseURL: server.url })]]),
    audit,
    runId: 'r',
    maxRetries: 0,
    ...timeouts,
  });
  return { gw, audit };
}

describe('streaming', () => {
  it('a slow but live server finishes past the idle timeout; a stalled one is cut off with its partial output recorded', async () => {
    let stall = false;
    // the live answer takes ~0.6 s, with an idle timeout of 0.25 s
    const { gw, audit } = await streamingGateway(
      () => (stall ? { type: 'reply', text: 'partial answer that never ends '.repeat(4), stallAfter: 3 } : slowLiveAnswer),
      { idleTimeoutMs: 250 },
    );
    const started = performance.now();
    const res = await gw.complete(ctx('openai', 'm'), handInRequest, new AbortController().signal);
    assert.ok(performance.now() - started > 250, 'the answer took longer than the idle timeout');
    assert.deepEqual(res.toolCalls[0]!.arguments, submitted);
    stall = true;
    await assert.rejects(gw.complete(ctx('openai', 'm'), handInRequest, new AbortController().signal), /idle timeout/);
    const failed = audit.calls()[1]!;
    assert.equal(failed.error_class, 'timeout');
    assert.equal(failed.partial, true);
    const blob = [...audit.blobs.values()][1]!;
    assert.match(blob, /partial answer/, 'the partial output is in the call’s blob');
  });
});

describe('a live stream cut by a signal is classified by which signal cut it', () => {
  for (const cut of ['the per-call timeout', 'the stage ending'] as const) {
    it(`${cut}: recorded as ${cut === 'the per-call timeout' ? 'timeout' : 'aborted'}, with the partial output`, async () => {
      // the live answer (~0.6 s) is cut at 0.25 s, well inside the idle timeout
      const { gw, audit } = await streamingGateway(() => slowLiveAnswer, {
        idleTimeoutMs: 5_000,
        ...(cut === 'the per-call timeout' ? { callTimeoutMs: 250 } : {}),
      });
      const stage = new AbortController();
      if (cut === 'the stage ending') setTimeout(() => stage.abort(), 250);
      const want = cut === 'the per-call timeout' ? 'timeout' : 'aborted';
      await assert.rejects(gw.complete(ctx('openai', 'm'), handInRequest, stage.signal), (e: unknown) => e instanceof LlmError && e.errorClass === want);
      const failed = audit.calls()[0]!;
      assert.equal(failed.error_class, want);
      assert.equal(failed.partial, true);
    });
  }
});

describe('the worker reads every mode', () => {
  it('parseHandIn: JSON, fenced JSON after Markdown, <think> blocks, trailing commas, nothing', () => {
    assert.deepEqual(parseHandIn(JSON.stringify(submitted)), { args: submitted, markdown: '' });
    const text = parseHandIn('<think>hmm</think>\n### Report\n\nAll fine.\n\n```json\n{"findings": [],}\n```\n');
    assert.ok('args' in text);
    assert.equal(text.args.summary_markdown, '### Report\n\nAll fine.');
    assert.deepEqual(text.args.findings, []);
    assert.ok('problem' in parseHandIn('Looks fine to me.'));
    assert.ok('problem' in parseHandIn('```json\n{"findings": []}\n```'), 'no report at all is not a result');
  });

  it('a stage without tools makes exactly one model call in each mode', async () => {
    const finding = { file: 'a.js', line: 2, severity: 'high', category: 'security', message: 'bad', confidence: 0.9 };
    const input = { stage: 's', prompt: 'Review.', tools: [], maxTurns: 8, repoRoot: null, readRoots: [], revisions: false, context: {} };
    const answers = {
      tools: { text: '', toolCalls: [{ id: 'c1', name: 'submit_review', arguments: { summary_markdown: '# R', findings: [finding] } }] },
      json_schema: { text: JSON.stringify({ summary_markdown: '# R', findings: [finding] }), toolCalls: [] },
      text: { text: `# R\n\n\`\`\`json\n${JSON.stringify({ findings: [finding] })}\n\`\`\``, toolCalls: [] },
    } as const;
    const outputs = [];
    for (const [mode, a] of Object.entries(answers)) {
      let calls = 0;
      const out = await runAgent(input, {
        tools: {} as Tools,
        complete: async (req) => {
          calls++;
          assert.equal(req.handIn, 'submit_review');
          return { ...a, toolCalls: [...a.toolCalls], stopReason: 'end', model: 'm', usage: { inputTokens: 1, outputTokens: 1 }, outputMode: mode as 'tools' };
        },
      });
      assert.equal(calls, 1, mode);
      outputs.push({ markdown: out.markdown, findings: out.findings });
    }
    // what downstream stages receive is the same in every mode
    assert.deepEqual(outputs[1], outputs[0]);
    assert.deepEqual(outputs[2], outputs[0]);
  });
});
