import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { LlmGateway } from '../../src/llm/gateway.js';
import { BedrockProvider } from '../../src/llm/providers/bedrock.js';
import { LlmError } from '../../src/llm/types.js';

/**
 * A fake Bedrock runtime: POST /model/{modelId}/converse with the Converse JSON wire format, over
 * cleartext HTTP/2 (the Bedrock runtime client speaks HTTP/2).
 */
let server: http2.Http2Server;
let url: string;
const seen: { path: string; auth: string; body: Record<string, unknown> }[] = [];
let mode: 'ok' | 'throttle' = 'ok';
before(async () => {
  server = http2.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      seen.push({ path: decodeURIComponent(req.url ?? ''), auth: String(req.headers.authorization ?? ''), body: JSON.parse(raw) as Record<string, unknown> });
      if (mode === 'throttle') {
        res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' });
        res.end(JSON.stringify({ message: 'Too many requests' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          output: {
            message: { role: 'assistant', content: [{ text: 'checking' }, { toolUse: { toolUseId: 'tu1', name: 'read_file', input: { path: 'a.py' } } }] },
          },
          stopReason: 'tool_use',
          usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17 },
          metrics: { latencyMs: 3 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTBEDROCK';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret-test';
});
after(() => {
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  server.close();
});

describe('Bedrock provider (Converse API)', () => {
  const entries: EntryInput[] = [];
  const audit = { append: async (e: EntryInput) => entries.push(e), putBlob: async () => 'sha256:' + '0'.repeat(64) };

  it('maps the conversation and tool use both ways, signed with SigV4, audited', async () => {
    const gw = new LlmGateway({
      providers: new Map([['bedrock', new BedrockProvider({ region: 'us-east-1', endpoint: url })]]),
      audit,
      runId: 'r',
      maxRetries: 0,
    });
    const res = await gw.complete(
      { stage: 's', agentId: 's#1', provider: 'bedrock', params: { model: 'anthropic.claude-test', maxTokens: 100, temperature: 0.1 } },
      {
        system: 'sys',
        messages: [
          { role: 'user', content: 'ctx' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'tu0', name: 'list_dir', arguments: { path: '.' } }] },
          { role: 'tool', toolCallId: 'tu0', name: 'list_dir', content: 'a.py' },
        ],
        tools: [{ name: 'read_file', description: 'r', parameters: { type: 'object' } }],
      },
      new AbortController().signal,
    );
    assert.equal(res.text, 'checking');
    assert.deepEqual(res.toolCalls, [{ id: 'tu1', name: 'read_file', arguments: { path: 'a.py' } }]);
    assert.equal(res.stopReason, 'tool_use');
    assert.deepEqual(res.usage, { inputTokens: 12, outputTokens: 5 });
    const req = seen[0]!;
    assert.equal(req.path, '/model/anthropic.claude-test/converse');
    assert.match(req.auth, /^AWS4-HMAC-SHA256 Credential=AKIDTESTBEDROCK\//);
    assert.deepEqual(req.body.system, [{ text: 'sys' }]);
    assert.deepEqual(req.body.inferenceConfig, { maxTokens: 100, temperature: 0.1 });
    assert.deepEqual(
      (req.body.messages as { role: string; content: Record<string, unknown>[] }[]).map((m) => [m.role, m.content.map((c) => Object.keys(c)[0])]),
      [
        ['user', ['text']],
        ['assistant', ['toolUse']],
        ['user', ['toolResult']],
      ],
    );
    const call = entries.find((e) => e.kind === 'llm_call');
    assert.ok(call && call.kind === 'llm_call' && call.provider === 'bedrock' && call.tokens_in === 12 && call.status === 'ok');
  });

  it('classifies throttling as rate_limited', async () => {
    mode = 'throttle';
    const gw = new LlmGateway({
      providers: new Map([['bedrock', new BedrockProvider({ region: 'us-east-1', endpoint: url })]]),
      audit,
      runId: 'r',
      maxRetries: 0,
    });
    await assert.rejects(
      gw.complete(
        { stage: 's', agentId: 's#1', provider: 'bedrock', params: { model: 'm', maxTokens: 10 } },
        { system: 's', messages: [{ role: 'user', content: 'x' }], tools: [] },
        new AbortController().signal,
      ),
      (e: unknown) => e instanceof LlmError && e.errorClass === 'rate_limited',
    );
  });
});
