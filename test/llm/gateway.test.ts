import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import canonicalizeModule from 'canonicalize';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { DEFAULT_TOKEN_BUDGET, LlmGateway, reservationFor, type AuditSink } from '../../src/llm/gateway.js';
import { AnthropicProvider } from '../../src/llm/providers/anthropic.js';
import { OpenAiProvider } from '../../src/llm/providers/openai.js';
import { LlmError, type CompletionRequest, type Provider } from '../../src/llm/types.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import type { FakeAction, FakeServer, Responder } from '../helpers/fake-llm-server.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';

const canonicalize = canonicalizeModule as unknown as (v: unknown) => string;
const sha = (s: string): string => 'sha256:' + createHash('sha256').update(s).digest('hex');

class MemoryAudit implements AuditSink {
  entries: EntryInput[] = [];
  blobs = new Map<string, string>();
  async append(e: EntryInput): Promise<unknown> {
    this.entries.push(e);
    return {};
  }
  async putBlob(data: Uint8Array | string): Promise<string> {
    const s = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    const a = sha(s);
    this.blobs.set(a, s);
    return a;
  }
  calls(): Extract<EntryInput, { kind: 'llm_call' }>[] {
    return this.entries.filter((e): e is Extract<EntryInput, { kind: 'llm_call' }> => e.kind === 'llm_call');
  }
}

const request: CompletionRequest = {
  system: 'You review code.',
  messages: [{ role: 'user', content: '{"stage":"s"}' }],
  tools: [{ name: 'read_file', description: 'read', parameters: { type: 'object', properties: { path: { type: 'string' } } } }],
};

function script(actions: FakeAction[]): Responder {
  return (_req, i) => actions[Math.min(i, actions.length - 1)]!;
}

const servers: FakeServer[] = [];
async function openai(actions: FakeAction[], latencyMs = 0): Promise<{ server: FakeServer; provider: Provider }> {
  const server = await startFakeOpenAi({ respond: script(actions), apiKey: 'sk-test-openai', latencyMs });
  servers.push(server);
  return { server, provider: new OpenAiProvider({ apiKey: 'sk-test-openai', baseURL: server.url }) };
}
after(async () => {
  for (const s of servers) await s.close();
});

function gateway(provider: Provider, audit: MemoryAudit, extra: Partial<ConstructorParameters<typeof LlmGateway>[0]> = {}): LlmGateway {
  return new LlmGateway({ providers: new Map([[provider.kind, provider]]), audit, runId: 'run-t', baseRetryDelayMs: 10, ...extra });
}
const ctx = (provider: string) => ({ stage: 's', agentId: 's#1', provider, params: { model: 'm-1', temperature: 0, maxTokens: 256 } });

describe('LLM gateway', () => {
  it('OpenAI: maps tool calls and audits the call with exact hashes and the blob', async () => {
    const { server, provider } = await openai([
      { type: 'reply', toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'a.js' } }], usage: { input: 11, output: 7 } },
    ]);
    const audit = new MemoryAudit();
    const res = await gateway(provider, audit).complete(ctx('openai'), request, new AbortController().signal);
    assert.deepEqual(res.toolCalls, [{ id: 'call_1', name: 'read_file', arguments: { path: 'a.js' } }]);
    assert.equal(res.stopReason, 'tool_use');
    const [entry] = audit.calls();
    assert.ok(entry);
    const req = server.requests[0]!;
    assert.equal(entry.input_hash, sha(canonicalize(req.body)));
    assert.equal(entry.output_hash, sha(req.response!));
    assert.equal(entry.model_requested, 'm-1');
    assert.equal(entry.model_returned, 'm-1-2025-01-01');
    assert.equal(entry.tokens_in, 11);
    assert.equal(entry.tokens_out, 7);
    assert.equal(entry.status, 'ok');
    assert.deepEqual(entry.params, { temperature: 0, max_tokens: 256 });
    const blob = JSON.parse(audit.blobs.get(entry.blob!)!) as { request: unknown; response: { body: string } };
    assert.deepEqual(blob.request, req.body);
    assert.equal(blob.response.body, req.response);
    // the SDK's own retries are off: exactly one HTTP request
    assert.equal(server.requests.length, 1);
  });

  it('Anthropic: speaks the Messages API incl. tool_use and tool_result turns', async () => {
    const server = await startFakeAnthropic({
      apiKey: 'sk-ant-test',
      respond: script([{ type: 'reply', text: 'looking', toolCalls: [{ id: 'toolu_1', name: 'read_file', arguments: { path: 'b.py' } }] }]),
    });
    servers.push(server);
    const provider = new AnthropicProvider({ apiKey: 'sk-ant-test', baseURL: server.url });
    const audit = new MemoryAudit();
    const conv: CompletionRequest = {
      ...request,
      messages: [
        { role: 'user', content: 'ctx' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_0', name: 'read_file', arguments: { path: 'x' } }] },
        { role: 'tool', toolCallId: 'toolu_0', name: 'read_file', content: 'file text' },
      ],
    };
    const res = await gateway(provider, audit).complete(ctx('anthropic'), conv, new AbortController().signal);
    assert.equal(res.text, 'looking');
    assert.deepEqual(res.toolCalls, [{ id: 'toolu_1', name: 'read_file', arguments: { path: 'b.py' } }]);
    const body = server.requests[0]!.body as {
      system: unknown;
      messages: { role: string; content: { type: string; cache_control?: unknown }[] }[];
      tools: unknown[];
      stream?: boolean;
    };
    // the shared prefix (system prompt, then the context message) is marked for prompt caching
    assert.deepEqual(body.system, [{ type: 'text', text: 'You review code.', cache_control: { type: 'ephemeral' } }]);
    assert.deepEqual(body.messages[0]!.content[0]!.cache_control, { type: 'ephemeral' });
    assert.equal(body.stream, true, 'Anthropic calls stream');
    assert.deepEqual(
      body.messages.map((m) => [m.role, m.content.map((c) => c.type)]),
      [
        ['user', ['text']],
        ['assistant', ['tool_use']],
        ['user', ['tool_result']],
      ],
    );
    const h = server.requests[0]!.headers;
    assert.ok(h['x-api-key'] === 'sk-ant-test' || h.authorization === 'Bearer sk-ant-test');
    assert.ok(h['anthropic-version']);
    assert.equal(audit.calls()[0]!.output_hash, sha(server.requests[0]!.response!));
  });

  it('retries 429 honouring Retry-After, auditing every attempt', async () => {
    const { server, provider } = await openai([
      { type: 'error', status: 429, retryAfter: '1' },
      { type: 'reply', text: 'ok' },
    ]);
    const audit = new MemoryAudit();
    const res = await gateway(provider, audit).complete(ctx('openai'), request, new AbortController().signal);
    assert.equal(res.text, 'ok');
    const calls = audit.calls();
    assert.deepEqual(
      calls.map((c) => [c.status, c.error_class]),
      [
        ['error', 'rate_limited'],
        ['ok', null],
      ],
    );
    assert.equal(calls[0]!.output_hash, sha(server.requests[0]!.response!));
    assert.equal(calls[0]!.model_returned, null);
    // Retry-After: 1 means the second request may not come sooner than a second later
    assert.ok(server.requests[1]!.receivedAt - server.requests[0]!.answeredAt! >= 950, 'waited for Retry-After');
  });

  it('gives up (fail closed) when Retry-After exceeds the cap', async () => {
    const { server, provider } = await openai([{ type: 'error', status: 429, retryAfter: '120' }]);
    const audit = new MemoryAudit();
    await assert.rejects(gateway(provider, audit, { maxRetryDelayMs: 5000 }).complete(ctx('openai'), request, new AbortController().signal), (e: unknown) => {
      assert.ok(e instanceof LlmError);
      assert.equal(e.errorClass, 'rate_limited');
      assert.match(e.message, /exceeds the retry cap/);
      return true;
    });
    assert.equal(server.requests.length, 1);
  });

  it('retries 500 up to max_retries, then fails with server_error', async () => {
    const { server, provider } = await openai([{ type: 'error', status: 500 }]);
    const audit = new MemoryAudit();
    await assert.rejects(gateway(provider, audit, { maxRetries: 2 }).complete(ctx('openai'), request, new AbortController().signal), /HTTP 500/);
    assert.equal(server.requests.length, 3);
    assert.deepEqual(
      audit.calls().map((c) => c.error_class),
      ['server_error', 'server_error', 'server_error'],
    );
  });

  for (const [action, cls] of [
    ['malformed', 'malformed_response'],
    ['truncated', 'truncated_response'],
  ] as const) {
    it(`classifies a ${action} body as ${cls} and audits it`, async () => {
      const { provider } = await openai([{ type: action }]);
      const audit = new MemoryAudit();
      await assert.rejects(gateway(provider, audit, { maxRetries: 1 }).complete(ctx('openai'), request, new AbortController().signal), (e: unknown) => {
        assert.ok(e instanceof LlmError);
        assert.equal(e.errorClass, cls);
        return true;
      });
      assert.deepEqual(
        audit.calls().map((c) => [c.status, c.error_class]),
        [
          ['error', cls],
          ['error', cls],
        ],
      );
    });
  }

  it('enforces the per-call timeout on a hanging provider', async () => {
    const { provider } = await openai([{ type: 'hang' }]);
    const audit = new MemoryAudit();
    await assert.rejects(
      gateway(provider, audit, { callTimeoutMs: 300, maxRetries: 0 }).complete(ctx('openai'), request, new AbortController().signal),
      (e: unknown) => {
        assert.ok(e instanceof LlmError);
        assert.equal(e.errorClass, 'timeout');
        return true;
      },
    );
    assert.equal(audit.calls()[0]!.error_class, 'timeout');
    assert.equal(audit.calls()[0]!.output_hash, null);
  });

  it('does not retry auth failures', async () => {
    const server = await startFakeOpenAi({ respond: script([{ type: 'reply', text: 'x' }]), apiKey: 'right-key' });
    servers.push(server);
    const audit = new MemoryAudit();
    const provider = new OpenAiProvider({ apiKey: 'wrong-key', baseURL: server.url });
    await assert.rejects(
      gateway(provider, audit).complete(ctx('openai'), request, new AbortController().signal),
      (e: unknown) => e instanceof LlmError && e.errorClass === 'auth',
    );
    assert.equal(server.requests.length, 1);
  });

  it('stops at the run token budget', async () => {
    // the budget covers one call's reservation; the call's real usage then goes past it
    const budget = reservationFor(request, ctx('openai').params) + 10;
    const { server, provider } = await openai([{ type: 'reply', text: 'a', usage: { input: budget - 20, output: 30 } }]);
    const audit = new MemoryAudit();
    const gw = gateway(provider, audit, { tokenBudget: budget });
    await assert.rejects(
      gw.complete(ctx('openai'), request, new AbortController().signal),
      (e: unknown) => e instanceof LlmError && e.errorClass === 'budget_exceeded',
    );
    await assert.rejects(gw.complete(ctx('openai'), request, new AbortController().signal), /used up/);
    assert.equal(server.requests.length, 1, 'no call is made once the budget is used up');
    assert.equal(gw.tokensUsed, budget + 10);
  });

  it('reserves tokens before a call: 64 concurrent calls never overrun the budget together', async () => {
    const { server, provider } = await openai([{ type: 'reply', text: 'a', usage: { input: 50, output: 200 } }], 30);
    const audit = new MemoryAudit();
    const perCall = reservationFor(request, ctx('openai').params);
    const budget = perCall * 4 + 10;
    const gw = gateway(provider, audit, { tokenBudget: budget, maxRetries: 0 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 64 }, (_, i) => gw.complete({ ...ctx('openai'), agentId: `s#${i}` }, request, new AbortController().signal)),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
    assert.ok(ok >= 1 && ok <= 4, `${ok} calls passed`);
    assert.equal(server.requests.length, ok, 'refused calls never reach the provider');
    for (const o of outcomes)
      if (o.status === 'rejected') assert.ok(o.reason instanceof LlmError && o.reason.errorClass === 'budget_exceeded', String(o.reason));
    assert.ok(gw.tokensUsed <= budget, `${gw.tokensUsed} tokens used of ${budget}`);
  });

  it("holds each call's worst-case cost before it is sent: 64 concurrent calls never overrun the cost budget together", async () => {
    const { server, provider } = await openai([{ type: 'reply', text: 'a', usage: { input: 50, output: 200 } }], 30);
    const price = { model: 'm-1', input_per_mtok: 1_000, output_per_mtok: 4_000 };
    const perCall = reservationFor(request, ctx('openai').params);
    const worst = ((perCall - 256) * 1_000 + 256 * 4_000) / 1_000_000;
    const budget = worst * 4 + 0.001;
    const gw = gateway(provider, new MemoryAudit(), { pricing: [price], costBudget: budget, maxRetries: 0 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 64 }, (_, i) => gw.complete({ ...ctx('openai'), agentId: `s#${i}` }, request, new AbortController().signal)),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
    assert.ok(ok >= 1 && ok <= 4, `${ok} calls passed`);
    assert.equal(server.requests.length, ok, 'refused calls never reach the provider');
    for (const o of outcomes) if (o.status === 'rejected') assert.match(String(o.reason), /run cost budget of [\d.]+ cannot cover this call/);
    assert.ok((gw.totalUsage.cost ?? 0) <= budget);
    assert.ok(Math.abs((gw.totalUsage.cost ?? 0) - ok * ((50 * 1_000 + 200 * 4_000) / 1_000_000)) < 1e-9, String(gw.totalUsage.cost));
  });

  it('has a token budget when none is configured', async () => {
    const { server, provider } = await openai([{ type: 'reply', text: 'a', usage: { input: DEFAULT_TOKEN_BUDGET, output: 1 } }]);
    const gw = gateway(provider, new MemoryAudit());
    await assert.rejects(
      gw.complete(ctx('openai'), request, new AbortController().signal),
      (e: unknown) => e instanceof LlmError && e.errorClass === 'budget_exceeded',
    );
    await assert.rejects(gw.complete(ctx('openai'), request, new AbortController().signal), /used up/);
    assert.equal(server.requests.length, 1);
  });

  it('redacts secrets before the request leaves and records the redaction', async () => {
    const { server, provider } = await openai([{ type: 'reply', text: 'ok' }]);
    const audit = new MemoryAudit();
    const secret = 'AKIAIOSFODNN7EXAMPLE';
    await gateway(provider, audit).complete(
      ctx('openai'),
      { ...request, messages: [{ role: 'user', content: `aws_access_key_id = ${secret}` }] },
      new AbortController().signal,
    );
    assert.ok(!server.requests[0]!.raw.includes(secret));
    const red = audit.entries.find((e) => e.kind === 'redaction');
    assert.ok(red && red.kind === 'redaction' && red.count >= 1);
  });

  it('records one redaction entry per kind of secret, with its count', async () => {
    const { provider } = await openai([{ type: 'reply', text: 'ok' }]);
    const audit = new MemoryAudit();
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const content = `aws_access_key_id = AKIAIOSFODNN7EXAMPLE\nsecond = AKIAIOSFODNN7EXAMPL2\ntoken: ${jwt}`;
    await gateway(provider, audit).complete(ctx('openai'), { ...request, messages: [{ role: 'user', content }] }, new AbortController().signal);
    const reds = audit.entries.filter((e) => e.kind === 'redaction');
    assert.ok(reds.length >= 2, JSON.stringify(reds));
    for (const r of reds) assert.ok(r.kind === 'redaction' && r.rules.length === 1 && r.count >= 1, JSON.stringify(r));
    const kinds = reds.map((r) => (r.kind === 'redaction' ? r.rules[0] : ''));
    assert.equal(new Set(kinds).size, kinds.length, 'one entry per kind');
  });

  it('redacts card numbers, IBANs and preset-detected tokens in every message, tool results included, and counts them by kind', async () => {
    const { server, provider } = await openai([{ type: 'reply', text: 'ok' }]);
    const audit = new MemoryAudit();
    const gh = 'ghp_' + 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx';
    const messages: CompletionRequest['messages'] = [
      { role: 'user', content: 'fixture: {"card": "4111 1111 1111 1111", "iban": "DE89370400440532013000"}' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'read_file', arguments: { path: 'a.json' } }] },
      { role: 'tool', toolCallId: 'c1', name: 'read_file', content: `{"card": "4111-1111-1111-1111", "token": "${gh}", "token_budget": 400000}` },
    ];
    await gateway(provider, audit).complete(ctx('openai'), { ...request, messages }, new AbortController().signal);
    const raw = server.requests[0]!.raw;
    assert.ok(!raw.replace(/[\s-]/g, '').includes('4111111111111111'), raw);
    assert.ok(!raw.includes('DE89370400440532013000') && !raw.includes(gh), raw);
    assert.ok(raw.includes('400000'), 'a token budget is not a secret');
    const byKind = Object.fromEntries(audit.entries.flatMap((e): [string, number][] => (e.kind === 'redaction' ? [[String(e.rules[0]), e.count]] : [])));
    assert.deepEqual(byKind, { 'github-token': 1, iban: 1, pan: 2 });
  });

  it('an audit failure fails the call', async () => {
    const { provider } = await openai([{ type: 'reply', text: 'ok' }]);
    const audit = new MemoryAudit();
    audit.append = async () => {
      throw new Error('disk full');
    };
    await assert.rejects(gateway(provider, audit).complete(ctx('openai'), request, new AbortController().signal), /disk full/);
  });
});
