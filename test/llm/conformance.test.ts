/**
 * Conformance: the seed topology (`bulwark init`'s three stages), through the real CLI
 * (`bulwark review` on a real git repository, sandboxed workers, SQLite audit log), against
 * loopback servers that behave as vLLM, Ollama, llama.cpp, an OpenAI reasoning model, Azure
 * OpenAI, Anthropic and Bedrock do — with only a base URL and a model name configured (plus
 * Azure's api-version). Each must complete with the summary stage seeing both upstream outputs.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/core/event-streams';
import type { Entry } from '../../src/audit/index.js';
import { auditEntries, runCli } from '../helpers/cli.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import type { FakeRequest, Responder } from '../helpers/fake-llm-server.js';
import { startModelServer, type Flavour } from '../helpers/fake-model-servers.js';
import { scriptedReviewer, type ReviewContext } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';

let tmp: string;
const repos: GitRepo[] = [];
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-conf-'));
});
after(() => {
  for (const r of repos) r.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmp,
    XDG_STATE_HOME: path.join(tmp, 'state'),
    XDG_CACHE_HOME: path.join(tmp, 'cache'),
    NO_COLOR: '1',
    GIT_AUTHOR_NAME: 'Dev',
    GIT_AUTHOR_EMAIL: 'dev@example.com',
    GIT_COMMITTER_NAME: 'Dev',
    GIT_COMMITTER_EMAIL: 'dev@example.com',
    // nothing else may answer: no local Ollama probe beyond the configured one
    BULWARK_OLLAMA_URL: 'http://127.0.0.1:9',
    ...extra,
  };
}

/** What each stage's first request carried, by stage name. */
function observer(): { seen: Map<string, ReviewContext>; respond: Responder } {
  const seen = new Map<string, ReviewContext>();
  const respond = scriptedReviewer({
    readFirst: false,
    onRequest: (_c, ctx) => {
      if (ctx.stage && !seen.has(ctx.stage)) seen.set(ctx.stage, ctx);
    },
  });
  return { seen, respond };
}

/** init on main with the provider table appended, a change on a branch, then review it. */
async function reviewWith(providerToml: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; entries: Entry[] }> {
  const repo = makeGitRepo('bulwark-conf-repo-');
  repos.push(repo);
  chmodSync(repo.dir, 0o755);
  repo.writeAll({ 'src/payments/charge.js': 'export function charge(account, cents) {\n  return account.debit(cents);\n}\n' });
  repo.commit('initial');
  const init = await runCli(['init'], env, undefined, repo.dir);
  assert.equal(init.code, 0, init.stderr);
  const cfg = path.join(repo.dir, 'bulwark.toml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8') + '\n' + providerToml + '\n');
  repo.commit('add bulwark');
  repo.checkout('feature', true);
  repo.write(
    'src/payments/charge.js',
    "export function charge(account, cents, card) {\n  console.log('card', card.number);\n  return account.debit(cents);\n}\n",
  );
  repo.commit('log the card');
  const db = path.join(tmp, `audit-${path.basename(repo.dir)}.db`);
  const r = await runCli(['review', '--base', 'main', '--format', 'json', '--audit-db', db], env, undefined, repo.dir);
  assert.ok([0, 1, 2].includes(r.code!), `review exited ${r.code}: ${r.stderr}`);
  return { code: r.code, stderr: r.stderr, entries: await auditEntries(db) };
}

function llmCalls(entries: Entry[]): Extract<Entry, { kind: 'llm_call' }>[] {
  return entries.filter((e): e is Extract<Entry, { kind: 'llm_call' }> => e.kind === 'llm_call');
}

function assertSummarySawBoth(seen: Map<string, ReviewContext>): void {
  const summary = seen.get('summary');
  assert.ok(summary, `the summary stage called the model (stages seen: ${[...seen.keys()].join(', ')})`);
  const up = summary.upstream ?? {};
  assert.deepEqual(Object.keys(up).sort(), ['security-review', 'static-analysis']);
  assert.match(up['static-analysis']!.markdown ?? '', /static-analysis/);
  assert.match(up['security-review']!.markdown ?? '', /security-review/);
  assert.ok(
    (up['security-review']!.findings ?? []).some((f) => f.severity === 'critical' && /Card data/.test(f.message)),
    'the security stage’s finding reached the summary',
  );
}

const status = (r: FakeRequest): number | undefined => r.status;

/**
 * The two review stages run in parallel: each may be refused before the other's refusal taught the
 * gateway the new shape, so a refusal comes once or twice; every answer after the refusals is a 200.
 */
function assertRefusedThenOk(chats: FakeRequest[], refusal: number, kinds: number, okCalls = 3): void {
  const codes = chats.map(status);
  const refused = codes.filter((c) => c === refusal).length;
  assert.ok(refused >= kinds && refused <= 2 * kinds, `refusals: ${codes.join(', ')}`);
  assert.equal(codes.filter((c) => c === 200).length, okCalls, codes.join(', '));
  assert.equal(codes.length, refused + okCalls, codes.join(', '));
}

/** The summary stage (no tools of its own) is forced to its one hand-in tool by name; the others to "some tool". */
function toolCount(b: Record<string, unknown>): number {
  return Array.isArray(b.tools) ? b.tools.length : 0;
}

describe('conformance: the seed topology against each model server', () => {
  const openAiCompatible: { flavour: Flavour; model: string; extra?: string; check(calls: ReturnType<typeof llmCalls>, chats: FakeRequest[]): void }[] = [
    {
      flavour: 'vllm',
      model: 'Qwen/Qwen2.5-Coder-7B-Instruct',
      check(calls, chats) {
        // "required" refused, then "auto" refused (once per parallel stage at most), then guided JSON for every stage
        assertRefusedThenOk(chats, 400, 2);
        assert.deepEqual(
          calls.filter((c) => c.reshaped).map((c) => c.reshaped),
          [
            { setting: 'tool_choice', from: 'forced', to: 'auto' },
            { setting: 'output_mode', from: 'tools', to: 'json_schema' },
          ],
        );
        const ok = chats.filter((r) => r.status === 200).map((r) => r.body as Record<string, unknown>);
        assert.ok(ok.every((b) => (b.response_format as { type?: string } | undefined)?.type === 'json_schema' && b.tools === undefined));
      },
    },
    {
      flavour: 'litellm',
      model: 'reviewer',
      check(calls, chats) {
        // the same refusals as vLLM's, wrapped by the proxy: recognised the same way
        assertRefusedThenOk(chats, 400, 2);
        assert.deepEqual(
          calls.filter((c) => c.reshaped).map((c) => c.reshaped?.to),
          ['auto', 'json_schema'],
        );
      },
    },
    {
      flavour: 'ollama',
      model: '',
      check(calls, chats) {
        // the capability check chose JSON output up front: no refused call at all
        assert.deepEqual(chats.map(status), [200, 200, 200]);
        assert.ok(
          calls.every((c) => c.model_requested === 'gemma:2b' && c.output_mode === 'json_schema'),
          'the embedding model listed first was skipped',
        );
      },
    },
    {
      flavour: 'llamacpp',
      model: 'qwen2.5-coder',
      check(calls, chats) {
        // the 500 "requires --jinja" is a refusal, not a server error: no retries
        assertRefusedThenOk(chats, 500, 1);
        assert.deepEqual(
          calls.filter((c) => c.reshaped).map((c) => c.reshaped),
          [{ setting: 'output_mode', from: 'tools', to: 'json_schema' }],
        );
        // the streamed chunks name the model file: recorded as the file name, and not the requested model
        const ok = calls.filter((c) => c.status === 'ok');
        assert.equal(ok.length, 3);
        assert.ok(
          ok.every((c) => c.model_returned === 'qwen2.5-coder-7b-instruct-q4_k_m.gguf' && c.model_mismatch === true),
          JSON.stringify(ok.map((c) => [c.model_returned, c.model_mismatch])),
        );
      },
    },
    {
      flavour: 'openai-reasoning',
      model: 'gpt-5-mini',
      check(calls, chats) {
        // known from the model name: max_completion_tokens, no temperature (the default 0 is not sent), native tool calls
        assert.deepEqual(chats.map(status), [200, 200, 200]);
        for (const r of chats) {
          const b = r.body as Record<string, unknown>;
          assert.ok(typeof b.max_completion_tokens === 'number' && b.max_tokens === undefined && b.temperature === undefined, JSON.stringify(b).slice(0, 200));
          assert.ok(toolCount(b) > 1 ? b.tool_choice === 'required' : (b.tool_choice as { function?: { name?: string } }).function?.name === 'submit_review');
        }
        assert.ok(calls.every((c) => c.output_mode === 'tools'));
        // the recorded parameters are the ones sent: no temperature
        assert.ok(
          calls.every((c) => c.params.temperature === undefined && typeof c.params.max_tokens === 'number'),
          JSON.stringify(calls.map((c) => c.params)),
        );
      },
    },
    {
      flavour: 'azure',
      model: 'review-deploy',
      extra: 'api_version = "2024-10-21"',
      check(calls, chats) {
        // the deployment name hides a reasoning model: max_tokens refused, then the default temperature 0
        // refused; each learned once for the run (a parallel stage may meet each refusal too)
        assertRefusedThenOk(chats, 400, 2);
        assert.deepEqual(
          calls.filter((c) => c.reshaped).map((c) => c.reshaped),
          [
            { setting: 'token_parameter', from: 'max_tokens', to: 'max_completion_tokens' },
            { setting: 'temperature', from: 'configured', to: 'server default' },
          ],
        );
        // the recorded parameters say what was sent: temperature 0 on the refused calls, none after
        const ok = calls.filter((c) => c.status === 'ok');
        assert.ok(ok.length === 3 && ok.every((c) => c.params.temperature === undefined), JSON.stringify(ok.map((c) => c.params)));
        assert.ok(calls.filter((c) => c.status === 'error').every((c) => c.params.temperature === 0));
        assert.ok(chats.filter((r) => r.status === 200).every((r) => (r.body as { temperature?: unknown }).temperature === undefined));
        assert.ok(chats.every((r) => /api-version=2024-10-21/.test(r.path) && r.headers['api-key'] === 'azure-key'));
      },
    },
  ];

  for (const c of openAiCompatible) {
    it(`${c.flavour}: completes, the summary sees both upstream outputs`, async () => {
      const { seen, respond } = observer();
      const server = await startModelServer(c.flavour, { respond });
      try {
        const table =
          c.flavour === 'ollama'
            ? `[provider.ollama]\nbase_url = "${server.url}"`
            : `[provider.openai]\nbase_url = "${server.url}"\nmodel = "${c.model}"${c.extra ? `\n${c.extra}` : ''}`;
        const env = baseEnv(c.flavour === 'azure' ? { OPENAI_API_KEY: 'azure-key' } : {});
        const { entries, stderr } = await reviewWith(`[provider]\n${table}`, env);
        assertSummarySawBoth(seen);
        const chats = server.chats();
        assert.ok(
          chats.every((r) => (r.body as { stream?: boolean }).stream === true),
          'every call streams',
        );
        c.check(llmCalls(entries), chats);
        assert.doesNotMatch(stderr, /not run|failed/i);
      } finally {
        await server.close();
      }
    });
  }

  it('anthropic: 529 overloaded_error is retried; the shared prefix is marked for caching', async () => {
    const { seen, respond } = observer();
    let first = true;
    const server = await startFakeAnthropic({
      apiKey: 'sk-ant-conf',
      respond: (req, i) => {
        if (first) {
          first = false;
          return {
            type: 'error',
            status: 529,
            retryAfter: '0',
            body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
          };
        }
        return respond(req, i);
      },
    });
    try {
      const { entries } = await reviewWith(
        `[provider.anthropic]\nbase_url = "${server.url}"\nmodel = "claude-sonnet-4-5"`,
        baseEnv({ ANTHROPIC_API_KEY: 'sk-ant-conf' }),
      );
      assertSummarySawBoth(seen);
      assert.deepEqual(
        server.requests.map((r) => r.status),
        [529, 200, 200, 200],
      );
      const calls = llmCalls(entries);
      assert.equal(calls[0]!.error_class, 'server_error');
      for (const r of server.requests.slice(1)) {
        const b = r.body as { system: { cache_control?: unknown }[]; tool_choice?: unknown; stream?: boolean; tools?: unknown[] };
        assert.deepEqual(b.system[0]!.cache_control, { type: 'ephemeral' });
        assert.deepEqual(b.tool_choice, (b.tools ?? []).length > 1 ? { type: 'any' } : { type: 'tool', name: 'submit_review' });
        assert.equal(b.stream, true);
      }
    } finally {
      await server.close();
    }
  });

  it('bedrock: ThrottlingException is retried; ConverseStream with forced tool choice', async () => {
    const { seen, respond } = observer();
    const bodies: Record<string, unknown>[] = [];
    const statuses: number[] = [];
    const paths: string[] = [];
    const codec = new EventStreamCodec(
      (b) => Buffer.from(b).toString('utf8'),
      (t) => Buffer.from(t, 'utf8'),
    );
    const server = http2.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        void (async () => {
          const body = JSON.parse(raw) as {
            system: { text: string }[];
            messages: { role: string; content: { text?: string; toolResult?: { content: { text: string }[] } }[] }[];
            toolConfig?: { tools: { toolSpec: { name: string } }[] };
          };
          bodies.push(body);
          if (bodies.length === 1) {
            statuses.push(429);
            res.writeHead(429, {
              'content-type': 'application/json',
              'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/',
            });
            res.end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));
            return;
          }
          // the Converse conversation in the Messages shape the scripted reviewer reads
          const asMessages = {
            system: body.system.map((s) => s.text).join('\n'),
            messages: body.messages.map((m) => ({
              role: m.role,
              content: m.content.map((b) =>
                b.toolResult ? { type: 'tool_result', content: b.toolResult.content[0]?.text } : { type: 'text', text: b.text ?? '' },
              ),
            })),
            tools: (body.toolConfig?.tools ?? []).map((t) => ({ name: t.toolSpec.name })),
          };
          const rec = { method: 'POST', path: req.url ?? '', headers: {}, body: asMessages, raw, receivedAt: performance.now() };
          const action = await respond(rec, bodies.length - 1);
          assert.equal(action.type, 'reply');
          const a = action as { text?: string; toolCalls?: { name: string; arguments: unknown }[] };
          const content = [
            ...(a.text ? [{ text: a.text }] : []),
            ...(a.toolCalls ?? []).map((t, i) => ({ toolUse: { toolUseId: `tu${bodies.length}_${i}`, name: t.name, input: t.arguments } })),
          ];
          statuses.push(200);
          paths.push(req.url ?? '');
          if ((req.url ?? '').endsWith('/converse-stream')) {
            // ConverseStream: AWS event-stream frames, one event per block start/delta/stop
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
            for (const [i, b] of content.entries()) {
              if ('toolUse' in b) {
                res.write(frame('contentBlockStart', { contentBlockIndex: i, start: { toolUse: { toolUseId: b.toolUse.toolUseId, name: b.toolUse.name } } }));
                const json = JSON.stringify(b.toolUse.input);
                for (let k = 0; k < json.length; k += 50)
                  res.write(frame('contentBlockDelta', { contentBlockIndex: i, delta: { toolUse: { input: json.slice(k, k + 50) } } }));
              } else res.write(frame('contentBlockDelta', { contentBlockIndex: i, delta: { text: b.text } }));
              res.write(frame('contentBlockStop', { contentBlockIndex: i }));
            }
            res.write(frame('messageStop', { stopReason: a.toolCalls?.length ? 'tool_use' : 'end_turn' }));
            res.write(frame('metadata', { usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 }, metrics: { latencyMs: 5 } }));
            res.end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              output: { message: { role: 'assistant', content } },
              stopReason: a.toolCalls?.length ? 'tool_use' : 'end_turn',
              usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
              metrics: { latencyMs: 5 },
            }),
          );
        })();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await reviewWith(
        `[provider]\ndefault = "bedrock"\n[provider.bedrock]\nendpoint = "${url}"\nregion = "us-east-1"\nmodel = "anthropic.claude-3-5-sonnet-20241022-v2:0"`,
        baseEnv({ AWS_ACCESS_KEY_ID: 'AKIDCONFORMANCE', AWS_SECRET_ACCESS_KEY: 'conformance-secret' }),
      );
      assertSummarySawBoth(seen);
      assert.deepEqual(statuses, [429, 200, 200, 200]);
      assert.ok(paths.length === 3 && paths.every((p) => p.endsWith('/converse-stream')), `every call streams: ${paths.join(', ')}`);
      for (const b of bodies.slice(1)) {
        const tc = b.toolConfig as { toolChoice?: unknown; tools: unknown[] };
        assert.deepEqual(tc.toolChoice, tc.tools.length > 1 ? { any: {} } : { tool: { name: 'submit_review' } });
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
