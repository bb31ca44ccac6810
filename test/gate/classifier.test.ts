import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chmodSync, readFileSync } from 'node:fs';
import { applyClassifier } from '../../src/app/gate-classifier.js';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { UnrecordedWriteError } from '../../src/domain/errors.js';
import { evaluateGateDetailed } from '../../src/gate/index.js';
import { resolveProviders } from '../../src/llm/select.js';
import { auditEntries, runCli } from '../helpers/cli.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import { startFakeOpenAi, type FakeAction, type FakeRequest, type FakeServer } from '../helpers/fake-openai.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';

/** The classifier's answer as the model hands it in (submit_review with a JSON summary). */
function answer(a: Record<string, unknown>): FakeAction {
  return { type: 'reply', toolCalls: [{ name: 'submit_review', arguments: { summary_markdown: JSON.stringify(a), findings: [] } }] };
}

const REGULATED = { regulated: true, confidence: 0.9, signals: ['ROUND_HALF_UP in a money helper'], rationale: 'Changes how customer amounts are rounded.' };

/** A repository with a money helper no root calls yet, and a regulated root elsewhere. */
function lendingRepo(): { repo: GitRepo; base: string } {
  const repo = makeGitRepo('bulwark-classifier-');
  repo.writeAll({
    'money/util.py':
      'from decimal import Decimal, ROUND_HALF_EVEN\n\n\ndef to_cents(amount):\n    return Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)\n',
    'pay/api.py': 'def process_payment(x):\n    return x\n',
    'ui/banner.py': 'def banner():\n    return "Welcome"\n',
  });
  const base = repo.commit('base');
  return { repo, base };
}

/** The borderline change: the money helper rounds half up (no root calls it; the signals route it). */
function roundHalfUp(repo: GitRepo): void {
  repo.write(
    'money/util.py',
    'from decimal import Decimal, ROUND_HALF_UP\n\n\ndef to_cents(amount):\n    return Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)\n',
  );
  repo.commit('round half up');
}

describe('gate classifier: borderline changes go to a sandboxed model that can only raise', () => {
  let server: FakeServer;
  let script: (i: number, req: FakeRequest) => FakeAction | Promise<FakeAction> = () => answer(REGULATED);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-classifier-cfg-'));
  before(async () => {
    server = await startFakeOpenAi({ respond: (r, i) => script(i, r) });
  });
  after(async () => {
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const config = (extra = ''): string => {
    const file = path.join(tmp, `bulwark-${Math.random().toString(36).slice(2)}.toml`);
    writeFileSync(
      file,
      `[provider]\ndefault = "openai"\n[provider.openai]\nbase_url = "${server.url}"\nmodel = "fast-model"\n[gate.classifier]\nenabled = true\ntimeout_seconds = 30\n${extra}`,
    );
    return file;
  };
  const gate = (repo: GitRepo, base: string, cfg: string, db: string, json = false) =>
    runCli(['gate', '--repo', repo.dir, '--base', base, '--config', cfg, '--audit-db', db, '--no-cache', ...(json ? ['--json'] : [])], {
      ...process.env,
      BULWARK_AUDIT_DB: '',
      OPENAI_API_KEY: '',
      ANTHROPIC_API_KEY: '',
    });

  it('raises a borderline change to approval required with its rationale, in text, JSON and the audit log', async () => {
    const { repo, base } = lendingRepo();
    try {
      roundHalfUp(repo);
      const before = server.requests.length;
      script = () => answer(REGULATED);
      const db = path.join(tmp, 'raise.db');
      const text = await gate(repo, base, config(), db);
      assert.equal(text.code, 2, text.stderr + text.stdout);
      assert.match(text.stdout, /HUMAN REVIEW REQUIRED/);
      assert.match(text.stdout, /decided by: classifier \(openai\/fast-model\): regulated, confidence 0\.9/);
      assert.match(text.stdout, /Changes how customer amounts are rounded\./);
      assert.match(text.stdout, /signals: score \d+ \(threshold 3, routed\)/);
      assert.equal(server.requests.length, before + 1, 'one single call');
      // the model saw the changed function, fenced as untrusted, and no tools
      const body = server.requests.at(-1)!.body as { messages: { content: string }[]; tools?: { function: { name: string } }[] };
      const firstUser = JSON.stringify(body.messages);
      assert.match(firstUser, /money\.util\.to_cents/);
      assert.match(firstUser, /untrusted-data/);
      assert.deepEqual(
        (body.tools ?? []).map((t) => t.function.name),
        ['submit_review'],
      );
      const entries = await auditEntries(db);
      const calls = entries.filter((e) => e.kind === 'llm_call');
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.kind === 'llm_call' && calls[0]!.stage, 'gate-classifier');
      const decision = entries.find((e) => e.kind === 'gate_decision');
      assert.ok(decision && decision.kind === 'gate_decision');
      assert.equal(decision.flagged, true);
      assert.equal(decision.layer, 'classifier');
      assert.match(decision.classifier ?? '', /regulated \(confidence 0\.9\): Changes how customer amounts are rounded/);
      assert.ok(decision.reasons.some((r) => /classifier openai\/fast-model: regulated/.test(r)));

      const json = await gate(repo, base, config(), path.join(tmp, 'raise-json.db'), true);
      assert.equal(json.code, 2);
      const r = JSON.parse(json.stdout) as { layer: string; classifier: { rationale: string; regulated: boolean }; signals: { routed: boolean } };
      assert.equal(r.layer, 'classifier');
      assert.equal(r.classifier.regulated, true);
      assert.equal(r.classifier.rationale, REGULATED.rationale);
      assert.equal(r.signals.routed, true);
    } finally {
      repo.cleanup();
    }
  });

  it('an answer whose model call is not on the log fails the evaluation, even with on_error = "pass"', async () => {
    const { repo, base } = lendingRepo();
    try {
      roundHalfUp(repo);
      // the model says "not regulated", so a pass would be the model's answer without its record
      script = () => answer({ regulated: false, confidence: 0.8, signals: [], rationale: 'Only rounding.' });
      const gateConfig = { roots: ['*.process_payment'], classifier: { enabled: true, timeout_seconds: 30, on_error: 'pass' as const } };
      const { result, context, config: parsed } = await evaluateGateDetailed({ repoDir: repo.dir, base, head: 'HEAD', cacheDir: null, config: gateConfig });
      assert.ok(result.signals?.routed && !result.flagged, 'a borderline change the classifier is asked about');
      const providers = await resolveProviders({
        config: { default: 'openai', openai: { base_url: server.url, model: 'fast-model' } },
        configDir: tmp,
        env: { OPENAI_API_KEY: 'sk-test' },
        probeOllama: false,
      });
      const attempted: string[] = [];
      const audit = {
        append: async (e: EntryInput) => {
          attempted.push(e.kind);
          if (e.kind === 'llm_call') throw new Error('audit log unavailable');
        },
        putBlob: async () => 'sha256:' + '0'.repeat(64),
      };
      const asked = server.requests.length;
      await assert.rejects(
        applyClassifier({ result, context, config: parsed, repoDir: repo.dir, providers, audit, runId: 'run-unrecorded', env: {} }),
        (e: unknown) => e instanceof UnrecordedWriteError && e.message === 'audit log unavailable',
      );
      assert.equal(server.requests.length, asked + 1, 'the model was asked and answered');
      assert.ok(attempted.includes('llm_call'));
    } finally {
      repo.cleanup();
    }
  });

  it('never lowers a flag: a change on a regulated root is not sent to the classifier at all', async () => {
    const { repo, base } = lendingRepo();
    try {
      repo.write('pay/api.py', 'def process_payment(x):\n    return x * 2\n');
      repo.commit('root change');
      const before = server.requests.length;
      script = () => answer({ regulated: false, confidence: 1, signals: [], rationale: 'harmless' });
      const db = path.join(tmp, 'static.db');
      const out = await gate(repo, base, config(), db);
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stdout, /decided by: static/);
      assert.equal(server.requests.length, before, 'the classifier was not consulted');
      const decision = (await auditEntries(db)).find((e) => e.kind === 'gate_decision');
      assert.ok(decision && decision.kind === 'gate_decision' && decision.layer === 'static' && decision.flagged);
    } finally {
      repo.cleanup();
    }
  });

  it('fails closed: a provider error or an invalid answer flags; on_error = "pass" passes with the failure shown', async () => {
    const { repo, base } = lendingRepo();
    try {
      repo.write(
        'money/util.py',
        'from decimal import Decimal, ROUND_DOWN\n\n\ndef to_cents(amount):\n    return Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_DOWN)\n',
      );
      repo.commit('round down');
      script = () => ({ type: 'error', status: 500, body: '{"error":{"message":"internal","type":"server_error","code":null}}' });
      const failed = await gate(repo, base, config(), path.join(tmp, 'fail.db'));
      assert.equal(failed.code, 2, failed.stderr);
      assert.match(failed.stdout, /classifier failed .*treated as flagged/);
      script = () => answer({ regulated: 'maybe', confidence: 2, signals: [], rationale: '' });
      const invalid = await gate(repo, base, config(), path.join(tmp, 'invalid.db'));
      assert.equal(invalid.code, 2);
      assert.match(invalid.stdout, /invalid classifier answer/);
      script = () => ({ type: 'error', status: 500 });
      const passed = await gate(repo, base, config('on_error = "pass"\n'), path.join(tmp, 'pass.db'));
      assert.equal(passed.code, 0, passed.stdout);
      assert.match(passed.stdout, /classifier failed .*passed \(on_error = "pass"\)/);
    } finally {
      repo.cleanup();
    }
  });

  it('an answer of "not regulated" passes and says the classifier decided; an ordinary change is never routed', async () => {
    const { repo, base } = lendingRepo();
    try {
      repo.write(
        'money/util.py',
        'from decimal import Decimal, ROUND_HALF_EVEN\n\n\ndef to_cents(amount):\n    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)\n',
      );
      const mid = repo.commit('str first');
      script = () => answer({ regulated: false, confidence: 0.8, signals: ['input normalisation only'], rationale: 'Same rounding; only the conversion.' });
      const out = await gate(repo, base, config(), path.join(tmp, 'notreg.db'));
      assert.equal(out.code, 0, out.stdout);
      assert.match(out.stdout, /decided by: classifier \(openai\/fast-model\): not regulated, confidence 0\.8/);
      repo.write('ui/banner.py', 'def banner():\n    return "Welcome back"\n');
      repo.commit('ui');
      const before = server.requests.length;
      const ui = await gate(repo, mid, config(), path.join(tmp, 'ui.db'));
      assert.equal(ui.code, 0);
      assert.match(ui.stdout, /decided by: signals/);
      assert.equal(server.requests.length, before);
    } finally {
      repo.cleanup();
    }
  });

  it('a review shows the raised decision and its rationale in Markdown and SARIF, and records which layer decided', async () => {
    const { repo } = lendingRepo();
    try {
      chmodSync(repo.dir, 0o755); // the sandboxed review worker runs as another uid and reads the checkout
      repo.writeAll({
        'bulwark.toml': `topology = "review/topology.toml"\n[review]\nfail_on = "none"\n[provider]\ndefault = "openai"\n[provider.openai]\nbase_url = "${server.url}"\n[gate.classifier]\nenabled = true\n`,
        'review/topology.toml': '[[pipeline.stages]]\nname = "security"\nprompt_file = "security.md"\n',
        'review/security.md': 'Review the change.\n',
      });
      const withConfig = repo.commit('bulwark');
      roundHalfUp(repo);
      const reviewer = scriptedReviewer({ readFirst: false });
      script = (i, req) => {
        const body = req.body as { messages?: { role: string; content: string }[] };
        const system = body.messages?.find((m) => m.role === 'system')?.content ?? '';
        return /compliance classifier/.test(system) ? answer(REGULATED) : reviewer(req, i);
      };
      const out = path.join(tmp, 'review.sarif');
      const db = path.join(tmp, 'review.db');
      const env = {
        ...process.env,
        BULWARK_AUDIT_DB: '',
        OPENAI_API_KEY: '',
        ANTHROPIC_API_KEY: '',
        HOME: tmp,
        XDG_CACHE_HOME: path.join(tmp, 'cache'),
        NO_COLOR: '1',
      };
      const md = await runCli(['review', '--repo', repo.dir, '--base', withConfig, '--format', 'markdown', '--audit-db', db], env);
      assert.equal(md.code, 2, md.stderr + md.stdout);
      assert.match(md.stdout, /\*\*Human approval required\.\*\*/);
      assert.match(md.stdout, /Decided by: classifier \(openai\/[^)]*\): regulated, confidence 0\.9/);
      assert.match(md.stdout, /Changes how customer amounts are rounded\./);
      const sarif = await runCli(['review', '--repo', repo.dir, '--base', withConfig, '--format', 'sarif', '--output', out, '--audit-db', db], env);
      assert.equal(sarif.code, 2, sarif.stderr);
      const run = (JSON.parse(readFileSync(out, 'utf8')) as { runs: { properties: { gate: { layer: string; reasons: string[] } } }[] }).runs[0]!;
      assert.equal(run.properties.gate.layer, 'classifier');
      assert.ok(run.properties.gate.reasons.some((r) => /Changes how customer amounts are rounded/.test(r)));
      const decisions = (await auditEntries(db)).filter((e) => e.kind === 'gate_decision');
      assert.ok(decisions.length >= 1 && decisions.every((d) => d.kind === 'gate_decision' && d.layer === 'classifier'));
    } finally {
      repo.cleanup();
    }
  });
});
