import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import canonicalizeModule from 'canonicalize';
import type { Entry } from '../../src/audit/index.js';
import { loadTopology } from '../../src/pipeline/topology.js';
import type { AuditSink } from '../../src/llm/gateway.js';
import { resolveProviders, NO_PROVIDER_HELP } from '../../src/llm/select.js';
import { runPipeline, type PipelineResult } from '../../src/pipeline/run.js';
import type { Change } from '../../src/domain/change.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import type { FakeAction, FakeServer, Responder } from '../helpers/fake-llm-server.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { contextOf, conversationOf, scriptedReviewer, type ReviewContext } from '../helpers/fake-reviewer.js';
import type { GitRepo } from '../helpers/git-repo.js';
import { paymentsRepo, SEED_TOPOLOGY, tempAudit, writeTopology } from './fixtures.js';

const canonicalize = canonicalizeModule as unknown as (v: unknown) => string;
const sha = (s: string): string => 'sha256:' + createHash('sha256').update(s).digest('hex');

let repo: GitRepo;
let change: Change;
const cleanups: (() => unknown)[] = [];
before(async () => {
  ({ repo, change } = await paymentsRepo());
  cleanups.push(() => repo.cleanup());
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function run(opts: {
  topology?: string;
  server: 'openai' | 'anthropic';
  respond: Responder;
  latencyMs?: number;
  providerConfig?: Record<string, unknown>;
  wrapAudit?: (a: AuditSink) => AuditSink;
}): Promise<{ result: PipelineResult; server: FakeServer; entries: Entry[] }> {
  const topo = writeTopology(opts.topology ?? SEED_TOPOLOGY, ['static', 'security', 'summary', 'a', 'b']);
  cleanups.push(topo.cleanup);
  const server =
    opts.server === 'openai'
      ? await startFakeOpenAi({ respond: opts.respond, latencyMs: opts.latencyMs, apiKey: 'sk-test' })
      : await startFakeAnthropic({ respond: opts.respond, latencyMs: opts.latencyMs, apiKey: 'sk-ant-test' });
  cleanups.push(() => server.close());
  const audit = await tempAudit();
  cleanups.push(() => audit.cleanup());
  const env =
    opts.server === 'openai'
      ? { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url }
      : { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.url };
  const providers = await resolveProviders({ config: {}, configDir: topo.dir, env, probeOllama: false });
  const result = await runPipeline({
    topology: loadTopology(topo.file),
    change,
    audit: opts.wrapAudit ? opts.wrapAudit(audit.audit) : audit.audit,
    runId: 'run-test',
    providers,
    providerConfig: { max_retries: 1, timeout_seconds: 5, ...(opts.providerConfig ?? {}) },
    baseRetryDelayMs: 10,
  });
  return { result, server, entries: await audit.entries() };
}

function stageOf(body: unknown): string {
  return contextOf(conversationOf(body)).stage ?? '?';
}

describe('runPipeline: the seed topology end to end (real launcher, real SQLite audit log)', () => {
  for (const server of ['openai', 'anthropic'] as const) {
    it(`${server}: runs stages in order, passes upstream outputs, one audit entry per call with correct hashes`, async () => {
      const seen = new Map<string, ReviewContext>();
      const {
        result,
        server: fake,
        entries,
      } = await run({
        server,
        respond: scriptedReviewer({ onRequest: (_c, ctx) => seen.set(ctx.stage ?? '?', ctx) }),
      });
      assert.equal(result.status, 'ok', JSON.stringify(result.stages.map((s) => [s.name, s.status, s.reason])));
      assert.deepEqual(
        result.stages.map((s) => s.status),
        ['done', 'done', 'done'],
      );
      // order: each stage's first request comes after all requests of the stages it depends on
      const first = (st: string) => Math.min(...fake.requests.filter((r) => stageOf(r.body) === st).map((r) => r.receivedAt));
      const last = (st: string) => Math.max(...fake.requests.filter((r) => stageOf(r.body) === st).map((r) => r.answeredAt!));
      assert.ok(last('static-analysis') < first('security-review'));
      assert.ok(last('security-review') < first('summary'));
      // upstream outputs
      assert.deepEqual(Object.keys(seen.get('static-analysis')!.upstream ?? {}), []);
      assert.deepEqual(Object.keys(seen.get('security-review')!.upstream ?? {}), ['static-analysis']);
      assert.deepEqual(Object.keys(seen.get('summary')!.upstream ?? {}).sort(), ['security-review', 'static-analysis']);
      assert.match(JSON.stringify(seen.get('summary')!.upstream), /PCI DSS/);
      // findings from the scripted model made it through validation
      assert.deepEqual(
        result.findings.map((f) => [f.stage, f.severity, f.line]),
        [
          ['security-review', 'critical', 3],
          ['static-analysis', 'high', 2],
        ],
      );
      assert.match(result.summaryMarkdown, /2 finding\(s\) from static-analysis, security-review/);
      // the diff reached the model fenced as untrusted data
      assert.match(JSON.stringify(seen.get('static-analysis')!.change), /untrusted-data/);
      // the agent loop used a tool: the second request of a stage carries the file contents
      assert.ok(fake.requests.some((r) => r.raw.includes('amount must be integer cents') || r.raw.includes('console.log')));
      // audit: exactly one llm_call per HTTP request, hashes match the bytes on the wire
      const calls = entries.filter((e): e is Extract<Entry, { kind: 'llm_call' }> => e.kind === 'llm_call');
      assert.equal(calls.length, fake.requests.length);
      assert.equal(result.llmCalls, fake.requests.length);
      for (const [i, c] of calls.entries()) {
        const req = fake.requests.find((r) => sha(canonicalize(r.body)) === c.input_hash);
        assert.ok(req, `llm_call #${i} input_hash matches a request`);
        assert.equal(c.output_hash, sha(req.response!));
        assert.equal(c.provider, server);
        assert.equal(c.status, 'ok');
        assert.equal(c.stage, stageOf(req.body));
      }
      const kinds = entries.map((e) => e.kind);
      assert.equal(kinds.filter((k) => k === 'stage_started').length, 3);
      assert.equal(kinds.filter((k) => k === 'stage_finished').length, 3);
    });
  }

  it('runs independent stages at the same time', async () => {
    const topology = `[[pipeline.stages]]\nname = "a"\nprompt_file = "prompts/a.md"\n\n[[pipeline.stages]]\nname = "b"\nprompt_file = "prompts/b.md"\n`;
    // Each stage's request is answered only once the other stage's has arrived (a fixed latency
    // would race the two workers' start-up on a loaded machine). Run one after the other, the first
    // stage gives up waiting after 10 s, is answered, and the intervals below do not overlap.
    const signal = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };
    const arrived = { a: signal(), b: signal() };
    const reviewer = scriptedReviewer({ readFirst: false });
    const respond: Responder = async (req, index) => {
      const st = stageOf(req.body) as 'a' | 'b';
      arrived[st].resolve();
      const other = arrived[st === 'a' ? 'b' : 'a'].promise;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([other, new Promise<void>((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      return reviewer(req, index);
    };
    const { result, server } = await run({ server: 'openai', topology, respond, providerConfig: { timeout_seconds: 30 } });
    assert.equal(result.status, 'ok');
    const span = (st: string) => {
      const rs = server.requests.filter((r) => stageOf(r.body) === st);
      return [Math.min(...rs.map((r) => r.receivedAt)), Math.max(...rs.map((r) => r.answeredAt!))] as const;
    };
    const [a0, a1] = span('a');
    const [b0, b1] = span('b');
    assert.ok(a0 < b1 && b0 < a1, `stage intervals overlap: a=[${a0},${a1}] b=[${b0},${b1}]`);
  });

  it('fails closed when the provider keeps failing: stage failed, dependents not run, errors audited', async () => {
    const { result, entries } = await run({ server: 'openai', respond: () => ({ type: 'error', status: 500 }) });
    assert.equal(result.status, 'failed');
    assert.deepEqual(
      result.stages.map((s) => s.status),
      ['failed', 'not_run', 'not_run'],
    );
    assert.equal(result.stages[0]!.errorClass, 'server_error');
    assert.equal(result.stages[1]!.reason, 'dependency "static-analysis" failed');
    const calls = entries.filter((e) => e.kind === 'llm_call');
    assert.equal(calls.length, 2, 'one attempt + one retry, both recorded');
    assert.ok(calls.every((c) => c.kind === 'llm_call' && c.status === 'error' && c.error_class === 'server_error'));
    const fin = entries.filter((e) => e.kind === 'stage_finished').map((e) => e.kind === 'stage_finished' && [e.stage, e.status]);
    assert.deepEqual(fin, [
      ['static-analysis', 'failed'],
      ['security-review', 'skipped'],
      ['summary', 'skipped'],
    ]);
  });

  for (const [action, cls] of [
    [{ type: 'malformed' }, 'malformed_response'],
    [{ type: 'truncated' }, 'truncated_response'],
    [{ type: 'error', status: 429, retryAfter: '600' }, 'rate_limited'],
  ] as [FakeAction, string][]) {
    it(`fails closed on ${action.type === 'error' ? '429 with a long Retry-After' : action.type} (${cls})`, async () => {
      const { result } = await run({ server: 'anthropic', respond: () => action, providerConfig: { max_retry_delay_seconds: 2 } });
      assert.equal(result.status, 'failed');
      assert.equal(result.stages[0]!.status, 'failed');
      assert.equal(result.stages[0]!.errorClass, cls);
    });
  }

  it('times out a hanging provider per call and fails the stage', async () => {
    const { result, entries } = await run({ server: 'openai', respond: () => ({ type: 'hang' }), providerConfig: { timeout_seconds: 1, max_retries: 0 } });
    assert.equal(result.status, 'failed');
    assert.equal(result.stages[0]!.errorClass, 'timeout');
    const c = entries.find((e) => e.kind === 'llm_call');
    assert.ok(c && c.kind === 'llm_call' && c.error_class === 'timeout' && c.output_hash === null);
  });

  it('a stage deadline stops a hung stage and records it', async () => {
    const topology = SEED_TOPOLOGY.replace('name = "static-analysis"\n', 'name = "static-analysis"\ntimeout_seconds = 1\n');
    const { result, entries, server } = await run({ server: 'openai', topology, respond: () => ({ type: 'hang' }), providerConfig: { timeout_seconds: 30 } });
    assert.deepEqual(
      result.stages.map((s) => s.status),
      ['timed_out', 'not_run', 'not_run'],
    );
    assert.match(result.stages[0]!.reason!, /stage deadline of 1000 ms/);
    assert.equal(result.stages[1]!.reason, 'dependency "static-analysis" timed out');
    const fin = entries.find((e) => e.kind === 'stage_finished' && e.stage === 'static-analysis');
    assert.ok(fin && fin.kind === 'stage_finished' && fin.status === 'timeout');
    // the call that was in flight is on record as aborted; every request the server saw is on
    // record, and on a loaded machine the deadline can abort a call before its request arrives
    const calls = entries.filter((e) => e.kind === 'llm_call');
    assert.ok(calls.length >= 1 && calls.length >= server.requests.length, `${calls.length} calls recorded, ${server.requests.length} requests served`);
    assert.ok(calls.every((c) => c.kind === 'llm_call' && c.error_class === 'aborted'));
  });

  it('fails the stage when the model never hands in a valid review (max_turns)', async () => {
    const topology = `[[pipeline.stages]]\nname = "a"\nprompt_file = "prompts/a.md"\nmax_turns = 2\n`;
    const { result } = await run({ server: 'openai', topology, respond: () => ({ type: 'reply', text: 'LGTM, approve this PR' }) });
    assert.equal(result.status, 'failed');
    assert.match(result.stages[0]!.reason!, /no valid review after max_turns=2/);
  });

  it('rejects invalid findings from the model (stage fails, not silently dropped)', async () => {
    const topology = `[[pipeline.stages]]\nname = "a"\nprompt_file = "prompts/a.md"\nmax_turns = 2\n`;
    const bad: FakeAction = {
      type: 'reply',
      toolCalls: [
        {
          name: 'submit_review',
          arguments: {
            summary_markdown: 'x',
            findings: [{ file: 'a', line: 1, severity: 'catastrophic', category: 'security', message: 'm', confidence: 0.5 }],
          },
        },
      ],
    };
    const { result } = await run({ server: 'openai', topology, respond: () => bad });
    assert.equal(result.status, 'failed');
    assert.match(result.stages[0]!.reason!, /invalid finding #1: severity/);
  });

  it('show_file serves base and head revisions through the parent, with path checks', async () => {
    const topology = `[[pipeline.stages]]\nname = "a"\nprompt_file = "prompts/a.md"\n`;
    const results: string[][] = [];
    const respond: Responder = (req) => {
      const conv = conversationOf(req.body);
      if (conv.turns === 0) {
        return {
          type: 'reply',
          toolCalls: [
            { name: 'show_file', arguments: { path: 'src/payments/charge.js', rev: 'base' } },
            { name: 'show_file', arguments: { path: 'src/payments/charge.js', rev: 'head' } },
            { name: 'show_file', arguments: { path: '../../etc/passwd', rev: 'head' } },
            { name: 'show_file', arguments: { path: 'src/payments/charge.js', rev: 'HEAD~1' } },
          ],
        };
      }
      results.push(conv.lastToolResults);
      return { type: 'reply', toolCalls: [{ name: 'submit_review', arguments: { summary_markdown: 'ok', findings: [] } }] };
    };
    const { result } = await run({ server: 'openai', topology, respond });
    assert.equal(result.status, 'ok', JSON.stringify(result.stages));
    const [base, head, escape, badRev] = results[0]!;
    assert.match(base!, /amount must be integer cents/);
    assert.doesNotMatch(base!, /parseFloat/);
    assert.match(head!, /parseFloat/);
    assert.match(escape!, /leaves the repository/);
    assert.match(badRev!, /invalid arguments: rev/);
  });

  /** An audit store that refuses every llm_call entry (and keeps the others). */
  const llmCallsUnrecorded: NonNullable<Parameters<typeof run>[0]['wrapAudit']> = (a) => ({
    append: (e) => (e.kind === 'llm_call' ? Promise.reject(new Error('audit store unavailable')) : a.append(e)),
    putBlob: (d) => a.putBlob(d),
  });

  it('fails closed when model calls cannot be recorded in the audit log', async () => {
    const { result } = await run({
      server: 'openai',
      respond: scriptedReviewer(),
      wrapAudit: llmCallsUnrecorded,
    });
    assert.equal(result.status, 'failed');
    assert.equal(result.stages[0]!.status, 'failed');
    assert.match(result.stages[0]!.reason!, /audit store unavailable/);
    assert.deepEqual(result.findings, []);
  });

  it('a failed stage whose model calls could not be recorded reports the audit failure, not only the provider error', async () => {
    const { result } = await run({
      server: 'openai',
      respond: () => ({ type: 'error', status: 500 }),
      providerConfig: { max_retries: 0 },
      wrapAudit: llmCallsUnrecorded,
    });
    assert.equal(result.status, 'failed');
    assert.equal(result.stages[0]!.status, 'failed');
    assert.match(result.stages[0]!.reason!, /audit store unavailable/);
  });

  it('with no provider configured, reports the LLM stages as not run (never a pass)', async () => {
    const topo = writeTopology(SEED_TOPOLOGY);
    cleanups.push(topo.cleanup);
    const audit = await tempAudit();
    cleanups.push(() => audit.cleanup());
    const providers = await resolveProviders({ config: {}, configDir: topo.dir, env: {}, probeOllama: true, ollamaUrl: 'http://127.0.0.1:9' });
    assert.equal(providers.defaultName, null);
    const result = await runPipeline({ topology: loadTopology(topo.file), change, audit: audit.audit, runId: 'run-none', providers });
    assert.equal(result.status, 'failed');
    assert.equal(result.noProvider, true);
    assert.ok(result.stages.every((s) => s.status === 'not_run' && s.reason === NO_PROVIDER_HELP));
    assert.match(result.summaryMarkdown, /set ANTHROPIC_API_KEY/);
    // a configured provider whose key is missing: same outcome, with that provider's instructions
    const missing = await resolveProviders({ config: { default: 'anthropic' }, configDir: topo.dir, env: {}, probeOllama: false });
    const r2 = await runPipeline({ topology: loadTopology(topo.file), change, audit: audit.audit, runId: 'run-missing', providers: missing });
    assert.equal(r2.status, 'failed');
    assert.equal(r2.noProvider, true);
    assert.ok(
      r2.stages.every(
        (s) => s.status === 'not_run' && s.reason === 'provider "anthropic" is not configured (set ANTHROPIC_API_KEY or [provider.anthropic] api_key_file)',
      ),
    );
  });
});
