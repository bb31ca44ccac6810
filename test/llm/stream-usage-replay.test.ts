/**
 * Streaming (the default) together with pinning, cost and replay: usage with cached tokens and the
 * returned model are read from the streamed events of each provider; the recorded parameters are
 * the ones the body carried; a streamed call is replayed streamed and compared by its assembled
 * output. Real loopback servers speak each wire format (SSE for Chat Completions and Messages, AWS
 * event-stream frames over HTTP/2 for ConverseStream).
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/core/event-streams';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { LlmGateway, sha256Ref } from '../../src/llm/gateway.js';
import { AnthropicProvider } from '../../src/llm/providers/anthropic.js';
import { BedrockProvider } from '../../src/llm/providers/bedrock.js';
import { OpenAiProvider } from '../../src/llm/providers/openai.js';
import { parseRecordedBlob, replayCall } from '../../src/llm/replay.js';
import type { CompletionRequest, Provider } from '../../src/llm/types.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import type { FakeAction } from '../helpers/fake-llm-server.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';

type LlmCall = Extract<EntryInput, { kind: 'llm_call' }>;

/** An audit sink that keeps entries and blobs in memory. */
function memoryAudit(): {
  entries: EntryInput[];
  blobs: Map<string, string>;
  append(e: EntryInput): Promise<void>;
  putBlob(d: string | Uint8Array): Promise<string>;
} {
  const entries: EntryInput[] = [];
  const blobs = new Map<string, string>();
  return {
    entries,
    blobs,
    append: async (e) => {
      entries.push(e);
    },
    putBlob: async (d) => {
      const text = typeof d === 'string' ? d : Buffer.from(d).toString('utf8');
      const ref = sha256Ref(text);
      blobs.set(ref, text);
      return ref;
    },
  };
}

const REQUEST: CompletionRequest = {
  system: 'You review payment code.',
  messages: [{ role: 'user', content: 'Review the change.' }],
  tools: [
    { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } },
    { name: 'submit_review', description: 'Hand in', parameters: { type: 'object', properties: { markdown: { type: 'string' } } } },
  ],
  handIn: 'submit_review',
};

const ANSWER = (markdown: string): FakeAction => ({
  type: 'reply',
  text: 'Looked at charge.js.',
  toolCalls: [{ id: 'call_1', name: 'submit_review', arguments: { markdown } }],
  model: '/srv/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf',
  usage: { input: 5_000, output: 300, cached: 4_096 },
});

/** One call through the gateway, then its replay against the same provider: returns the entries and the replay outcome. */
async function callAndReplay(name: string, provider: Provider, model: string, params: { temperature?: number; topP?: number; seed?: number } = {}) {
  const audit = memoryAudit();
  const gw = new LlmGateway({ providers: new Map([[name, provider]]), audit, runId: 'r-stream', maxRetries: 0 });
  const res = await gw.complete(
    { stage: 'security', agentId: 'security#1', provider: name, params: { model, maxTokens: 1024, temperature: 0, ...params } },
    REQUEST,
    new AbortController().signal,
  );
  const call = audit.entries.find((e) => e.kind === 'llm_call') as LlmCall;
  const blob = parseRecordedBlob(audit.blobs.get(call.blob!)!);
  const replay = async () =>
    replayCall(
      provider,
      { index: 1, stage: call.stage, agentId: call.agent_id, entry: call, blob },
      { runId: 'r-replay', audit, timeoutMs: 10_000, idleTimeoutMs: 5_000 },
    );
  return { res, call, blob, replay, audit };
}

describe('streamed calls: usage, returned model, recorded params and replay', () => {
  it('OpenAI-compatible SSE: cached tokens from the include_usage chunk, the model file name, replay streamed and compared', async () => {
    let markdown = 'Card number is logged.';
    const server = await startFakeOpenAi({ apiKey: 'sk-s', respond: () => ANSWER(markdown) });
    try {
      const provider = new OpenAiProvider({ apiKey: 'sk-s', baseURL: server.url });
      const { res, call, blob, replay } = await callAndReplay('openai', provider, 'qwen2.5-coder', { seed: 7 });
      const sent = server.requests[0]!.body as Record<string, unknown>;
      assert.equal(sent.stream, true);
      assert.deepEqual(sent.stream_options, { include_usage: true });
      assert.deepEqual(res.usage, { inputTokens: 5_000, outputTokens: 300, cachedInputTokens: 4_096 });
      assert.equal(call.tokens_cached, 4_096);
      assert.equal(call.model_returned, 'qwen2.5-coder-7b-instruct-q4_k_m.gguf');
      assert.equal(call.model_mismatch, true);
      assert.deepEqual(call.params, { temperature: 0, max_tokens: 1024, seed: 7 });
      assert.equal(blob.stream, true);
      assert.match(blob.response.body!, /^data: /);

      const same = await replay();
      assert.equal(same.status, 'match', same.error);
      assert.equal((server.requests[1]!.body as Record<string, unknown>).stream, true, 'replayed streamed');
      assert.deepEqual(server.requests[1]!.body, sent, 'the recorded body is sent unchanged');
      markdown = 'Nothing to see.';
      const diff = await replay();
      assert.equal(diff.status, 'mismatch');
      assert.match(diff.diff!, /^-.*Card number is logged\./m);
      assert.match(diff.diff!, /^\+.*Nothing to see\./m);
    } finally {
      await server.close();
    }
  });

  it('OpenAI reasoning model: the default temperature and a configured top_p are not sent, nor recorded; the seed is', async () => {
    const server = await startFakeOpenAi({ apiKey: 'sk-s', respond: () => ({ ...ANSWER('ok'), model: 'o3-mini-2025-01-31' }) });
    try {
      const provider = new OpenAiProvider({ apiKey: 'sk-s', baseURL: server.url });
      const { call } = await callAndReplay('openai', provider, 'o3-mini', { topP: 0.9, seed: 7 });
      const sent = server.requests[0]!.body as Record<string, unknown>;
      assert.equal(sent.temperature, undefined);
      assert.equal(sent.top_p, undefined);
      assert.equal(sent.max_completion_tokens, 1024);
      assert.deepEqual(call.params, { max_tokens: 1024, seed: 7 });
      assert.equal(call.model_mismatch, false, 'a dated snapshot of the requested alias');
    } finally {
      await server.close();
    }
  });

  it('Anthropic Messages events: usage from message_start (cache reads) and message_delta, the returned model, replay streamed', async () => {
    let markdown = 'PAN in the log.';
    const server = await startFakeAnthropic({ apiKey: 'sk-ant-s', respond: () => ({ ...ANSWER(markdown), model: 'claude-haiku-4-5-20251001' }) });
    try {
      const provider = new AnthropicProvider({ apiKey: 'sk-ant-s', baseURL: server.url });
      const { res, call, blob, replay } = await callAndReplay('anthropic', provider, 'claude-sonnet-4-5', { topP: 0.5, seed: 7 });
      const sent = server.requests[0]!.body as Record<string, unknown>;
      assert.equal(sent.stream, true);
      assert.deepEqual(res.usage, { inputTokens: 5_000, outputTokens: 300, cachedInputTokens: 4_096 });
      assert.equal(call.tokens_in, 5_000);
      assert.equal(call.tokens_cached, 4_096);
      assert.equal(call.model_returned, 'claude-haiku-4-5-20251001');
      assert.equal(call.model_mismatch, true);
      // the Messages API has no seed: it is not sent, so not recorded
      assert.equal(sent.seed, undefined);
      assert.deepEqual(call.params, { temperature: 0, max_tokens: 1024, top_p: 0.5 });
      assert.match(blob.response.body!, /event: message_start/);

      const same = await replay();
      assert.equal(same.status, 'match', same.error);
      assert.equal((server.requests[1]!.body as Record<string, unknown>).stream, true, 'replayed streamed');
      markdown = 'All fine.';
      const diff = await replay();
      assert.equal(diff.status, 'mismatch');
      assert.match(diff.diff!, /^\+.*All fine\./m);
    } finally {
      await server.close();
    }
  });

  describe('Bedrock ConverseStream', () => {
    let server: http2.Http2Server;
    let url: string;
    let text = 'first answer';
    const paths: string[] = [];
    const codec = new EventStreamCodec(
      (b) => Buffer.from(b).toString('utf8'),
      (t) => Buffer.from(t, 'utf8'),
    );
    before(async () => {
      server = http2.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          paths.push(decodeURIComponent(req.url ?? ''));
          const frame = (type: string, body: unknown): Uint8Array =>
            codec.encode({
              headers: {
                ':event-type': { type: 'string', value: type },
                ':message-type': { type: 'string', value: 'event' },
                ':content-type': { type: 'string', value: 'application/json' },
              },
              body: Buffer.from(JSON.stringify(body)),
            });
          res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
          res.write(frame('messageStart', { role: 'assistant' }));
          res.write(frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text } }));
          res.write(frame('contentBlockStop', { contentBlockIndex: 0 }));
          res.write(frame('messageStop', { stopReason: 'end_turn' }));
          // inputTokens excludes the cache: 904 fresh + 4096 read + 0 written
          res.write(
            frame('metadata', {
              usage: { inputTokens: 904, outputTokens: 300, totalTokens: 5_300, cacheReadInputTokens: 4_096, cacheWriteInputTokens: 0 },
              metrics: { latencyMs: 5 },
            }),
          );
          res.end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      process.env.AWS_ACCESS_KEY_ID = 'AKIDSTREAMTEST';
      process.env.AWS_SECRET_ACCESS_KEY = 'stream-secret';
    });
    after(() => {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      server.close();
    });

    it('usage and cache reads from the metadata event; the recorded stream is replayed through ConverseStream', async () => {
      const provider = new BedrockProvider({ region: 'us-east-1', endpoint: url, stream: true });
      const { res, call, blob, replay } = await callAndReplay('bedrock', provider, 'anthropic.claude-3-5-sonnet-20241022-v2:0', { topP: 0.8 });
      assert.deepEqual(res.usage, { inputTokens: 5_000, outputTokens: 300, cachedInputTokens: 4_096 });
      assert.equal(call.tokens_cached, 4_096);
      assert.deepEqual(call.params, { temperature: 0, max_tokens: 1024, top_p: 0.8 });
      // Converse has no stream field in its input: the blob says the call streamed
      assert.equal(blob.stream, true);
      assert.equal(blob.request.stream, undefined);

      const same = await replay();
      assert.equal(same.status, 'match', same.error);
      assert.ok(paths.length === 2 && paths.every((p) => p.endsWith('/converse-stream')), paths.join(', '));
      text = 'second answer';
      const diff = await replay();
      assert.equal(diff.status, 'mismatch');
      assert.match(diff.diff!, /^\+second answer$/m);
    });
  });
});
