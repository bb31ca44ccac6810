import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Entry } from '../../src/audit/index.js';
import type { ReplayOutcome } from '../../src/app/replay.js';
import type { ReviewReport } from '../../src/review/report.js';
import { startFakeOpenAi, type FakeAction, type FakeServer } from '../helpers/fake-openai.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { auditEntries, runCli, isolatedEnv } from '../helpers/cli.js';

/**
 * Model pinning, cost and replay through the real CLI: a real git repository, the sandboxed
 * pipeline, a loopback OpenAI-compatible server, a real SQLite audit log.
 */

const TOPOLOGY = `[[pipeline.stages]]
name = "security"
prompt_file = "prompts/security.md"
tools = []
seed = 7
`;
const CHARGE_BASE = `export function charge(account, amountCents) {\n  return account.debit(amountCents);\n}\n`;
const CHARGE_HEAD = `export function charge(account, amountCents, card) {\n  console.log('charging card', card.number, amountCents);\n  return account.debit(amountCents);\n}\n`;
// what llama.cpp's server reports as the model: the file it loaded
const GGUF = '/srv/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf';

type Llm = { output: (a: FakeAction) => FakeAction };

describe('model pinning, cost and replay (CLI, end to end)', () => {
  let repo: GitRepo;
  let tmp: string;
  let llm: FakeServer;
  const mode: Llm = { output: (a) => a };
  let env: NodeJS.ProcessEnv;

  const config = (name: string, provider: string): string => {
    const dir = path.join(tmp, name);
    mkdirSync(path.join(dir, 'prompts'), { recursive: true });
    writeFileSync(path.join(dir, 'topology.toml'), TOPOLOGY);
    writeFileSync(path.join(dir, 'prompts', 'security.md'), 'You are the security reviewer of a payments codebase.\n');
    writeFileSync(path.join(dir, 'bulwark.toml'), `topology = "topology.toml"\n\n[review]\nfail_on = "none"\n\n[provider]\n${provider}\n`);
    return path.join(dir, 'bulwark.toml');
  };
  const review = (cfg: string, db: string, format = 'json') =>
    runCli(['review', '--repo', repo.dir, '--base', 'main', '--head', 'feature', '--config', cfg, '--format', format, '--audit-db', db, '--quiet'], env);

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-cost-e2e-'));
    repo = makeGitRepo('bulwark-cost-repo-');
    chmodSync(repo.dir, 0o755);
    repo.writeAll({ 'src/payments/charge.js': CHARGE_BASE });
    repo.commit('base');
    repo.checkout('feature', true);
    repo.writeAll({ 'src/payments/charge.js': CHARGE_HEAD });
    repo.commit('log card');
    const inner = scriptedReviewer({ readFirst: false });
    llm = await startFakeOpenAi({
      respond: async (req, i) => {
        const a = await inner(req, i);
        return mode.output(a.type === 'reply' ? { ...a, model: GGUF, usage: { input: 12_000, output: 800, cached: 2_000 } } : a);
      },
      apiKey: 'sk-test',
    });
    env = isolatedEnv(tmp, llm.url);
  });

  after(async () => {
    await llm.close();
    repo.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const PRICED = `default = "openai"\ncurrency = "EUR"\n\n[provider.openai]\nmodel = "qwen2.5-coder"\n\n[[provider.pricing]]\nmodel = "qwen2.5-coder"\ninput_per_mtok = 3\noutput_per_mtok = 15\ncached_input_per_mtok = 0.3\n`;

  it('sends and records the sampling, records the returned model file name, shows the mismatch and the cost in every format', async () => {
    const cfg = config('warn', PRICED);
    const db = path.join(tmp, 'warn.db');
    const r = await review(cfg, db);
    assert.equal(r.code, 0, r.stderr);
    const body = llm.requests.at(-1)!.body as Record<string, unknown>;
    assert.equal(body.temperature, 0, 'the default temperature is sent explicitly');
    assert.equal(body.seed, 7);
    const report = JSON.parse(r.stdout) as ReviewReport;
    const u = report.usage!;
    assert.equal(u.currency, 'EUR');
    assert.deepEqual(u.modelMismatches, [
      { stage: 'security', provider: 'openai', requested: 'qwen2.5-coder', returned: 'qwen2.5-coder-7b-instruct-q4_k_m.gguf' },
    ]);
    assert.equal(u.total.calls, 1);
    assert.equal(u.total.inputTokens, 12_000);
    assert.equal(u.total.cachedInputTokens, 2_000);
    assert.equal(u.total.outputTokens, 800);
    // 10,000 fresh × 3 + 2,000 cached × 0.3 + 800 × 15, per million
    assert.equal(u.total.cost, 0.0426);
    assert.equal(u.stages[0]!.cost, 0.0426);

    const entries = await auditEntries(db);
    const call = entries.find((e) => e.kind === 'llm_call') as Extract<Entry, { kind: 'llm_call' }>;
    assert.equal(call.model_returned, 'qwen2.5-coder-7b-instruct-q4_k_m.gguf');
    assert.equal(call.model_mismatch, true);
    assert.deepEqual(call.params, { temperature: 0, max_tokens: 4096, seed: 7 });
    assert.equal(call.tokens_cached, 2_000);
    assert.equal(call.cost, 0.0426);
    const stage = entries.find((e) => e.kind === 'stage_finished') as Extract<Entry, { kind: 'stage_finished' }>;
    assert.equal(stage.cost, 0.0426);
    const fin = entries.filter((e) => e.kind === 'run_finished').at(-1) as Extract<Entry, { kind: 'run_finished' }>;
    assert.deepEqual(
      [fin.llm_calls, fin.tokens_in, fin.tokens_out, fin.tokens_cached, fin.cost, fin.currency, fin.model_mismatches],
      [1, 12_000, 800, 2_000, 0.0426, 'EUR', ['qwen2.5-coder-7b-instruct-q4_k_m.gguf']],
    );

    const term = await review(cfg, path.join(tmp, 'warn-t.db'), 'terminal');
    assert.match(term.stdout, /MODEL MISMATCH: stage security requested qwen2\.5-coder, the provider returned qwen2\.5-coder-7b-instruct-q4_k_m\.gguf/);
    assert.match(term.stdout, /12000 in \(2000 cached\) \/ 800 out tokens in 1 call\(s\) · 0\.0426 EUR/);
    assert.ok(!term.stdout.includes('/srv/models'), 'the server path is not shown');
    const md = await review(cfg, path.join(tmp, 'warn-m.db'), 'markdown');
    assert.match(
      md.stdout,
      /\*\*Model mismatch\*\*: stage `security` requested `qwen2\.5-coder`, the provider returned `qwen2\.5-coder-7b-instruct-q4_k_m\.gguf`/,
    );
    assert.match(md.stdout, /\| \*\*run\*\* \| \| \| 1 \| 12000 \| 2000 \| 800 \| 0\.0426 EUR \|/);
    const sarif = await review(cfg, path.join(tmp, 'warn-s.db'), 'sarif');
    const props = (JSON.parse(sarif.stdout) as { runs: { properties: { usage: ReviewReport['usage'] } }[] }).runs[0]!.properties;
    assert.equal(props.usage!.modelMismatches[0]!.returned, 'qwen2.5-coder-7b-instruct-q4_k_m.gguf');
    assert.equal(props.usage!.total.cost, 0.0426);
  });

  it('pin_model = "fail" fails the run closed (exit 5) after recording the call', async () => {
    const db = path.join(tmp, 'fail.db');
    const r = await review(config('fail', `${PRICED}`.replace('currency = "EUR"', 'currency = "EUR"\npin_model = "fail"')), db);
    assert.equal(r.code, 5, r.stderr);
    const report = JSON.parse(r.stdout) as ReviewReport;
    assert.equal(report.decision.outcome, 'error');
    assert.match(report.decision.reasons.join('\n'), /model "qwen2\.5-coder-7b-instruct-q4_k_m\.gguf", not the requested "qwen2\.5-coder"/);
    assert.equal(report.usage!.modelMismatches.length, 1);
    const entries = await auditEntries(db);
    assert.equal(entries.filter((e) => e.kind === 'llm_call').length, 1, 'no retry of a mismatch');
    const stage = entries.find((e) => e.kind === 'stage_finished') as Extract<Entry, { kind: 'stage_finished' }>;
    assert.equal(stage.error_class, 'model_mismatch');
  });

  it('a cost budget the call cannot fit in fails closed before anything is sent; an unpriced model cannot run under a cost budget', async () => {
    const before = llm.requests.length;
    const tight = await review(config('budget', PRICED.replace('currency = "EUR"', 'currency = "EUR"\ncost_budget = 0.01')), path.join(tmp, 'budget.db'));
    assert.equal(tight.code, 5, tight.stderr);
    assert.match((JSON.parse(tight.stdout) as ReviewReport).decision.reasons.join('\n'), /run cost budget of 0\.01 cannot cover this call/);
    const unpriced = await review(
      config('unpriced', `default = "openai"\ncost_budget = 5\n\n[provider.openai]\nmodel = "gpt-4.1-mini"\n`),
      path.join(tmp, 'unpriced.db'),
    );
    assert.equal(unpriced.code, 5, unpriced.stderr);
    assert.match(
      (JSON.parse(unpriced.stdout) as ReviewReport).decision.reasons.join('\n'),
      /model "gpt-4\.1-mini" \(openai\) has no \[\[provider\.pricing\]\] row/,
    );
    assert.equal(llm.requests.length, before, 'nothing reached the provider');
  });

  it('replay re-sends the recorded calls: all match from a deterministic server, a diff when the server answers differently; the replay is audited', async () => {
    const cfg = config('replay', PRICED);
    const db = path.join(tmp, 'replay.db');
    const first = await review(cfg, db);
    assert.equal(first.code, 0, first.stderr);
    const runId = (JSON.parse(first.stdout) as ReviewReport).runId;
    const recorded = llm.requests.at(-1)!.body;

    const same = await runCli(['replay', '--run', runId, '--config', cfg, '--audit-db', db, '--json'], env);
    assert.equal(same.code, 0, same.stderr + same.stdout);
    const out = JSON.parse(same.stdout) as ReplayOutcome;
    assert.deepEqual(
      out.calls.map((c) => [c.stage, c.status]),
      [['security', 'match']],
    );
    assert.deepEqual(llm.requests.at(-1)!.body, recorded, 'the recorded request body is sent unchanged');

    mode.output = (a) =>
      a.type === 'reply' && a.toolCalls
        ? { ...a, toolCalls: a.toolCalls.map((c) => ({ ...c, arguments: { ...c.arguments, markdown: 'A different review.' } })) }
        : a;
    try {
      const diff = await runCli(['replay', '--run', runId, '--config', cfg, '--audit-db', db], env);
      assert.equal(diff.code, 1, diff.stderr + diff.stdout);
      assert.match(diff.stdout, /#\d+ security openai\/qwen2\.5-coder → qwen2\.5-coder-7b-instruct-q4_k_m\.gguf: MISMATCH/);
      assert.match(diff.stdout, /^ {4}\+ {2}"markdown": "A different review\.",?$/m);
      assert.match(diff.stdout, /1 call\(s\) re-sent: 0 match, 1 differ, 0 failed/);
    } finally {
      mode.output = (a) => a;
    }

    const entries = await auditEntries(db);
    const replays = entries.filter((e) => e.kind === 'run_started' && e.replay_of === runId) as Extract<Entry, { kind: 'run_started' }>[];
    assert.equal(replays.length, 2);
    for (const s of replays) {
      const calls = entries.filter((e) => e.kind === 'llm_call' && e.run_id === s.run_id) as Extract<Entry, { kind: 'llm_call' }>[];
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.agent_id.startsWith('replay:security#'), true);
      assert.deepEqual(calls[0]!.params, { temperature: 0, max_tokens: 4096, seed: 7 });
    }
    const finished = replays.map(
      (s) => (entries.filter((e) => e.kind === 'run_finished' && e.run_id === s.run_id).at(-1) as Extract<Entry, { kind: 'run_finished' }>).exit_code,
    );
    assert.deepEqual(finished, [0, 1]);
  });
});
