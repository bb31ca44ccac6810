import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Entry } from '../../src/audit/index.js';
import type { ReviewReport } from '../../src/review/report.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { conversationOf, scriptedReviewer } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { runCli, auditEntries } from '../helpers/cli.js';

/**
 * Payment data and secrets in a change never reach a provider: `bulwark review` (the real CLI,
 * the real sandboxed pipeline) reviews a change that commits a test fixture with a card number,
 * IBANs and tokens against the loopback fake OpenAI server, which records every request body.
 * The scripted model first reads the fixture with its read_file tool, so the raw file content
 * also travels the gateway path, not only the change context.
 */

const BASE_PROMPT = 'You are the security reviewer of a payments codebase. Report real defects only.';
const PAN = '4111111111111111';
const IBAN_DE = 'DE89370400440532013000';
const IBAN_GB = 'GB82WEST12345698765432';
const GITHUB = 'ghp_' + 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx';
const SLACK = 'xoxb-1234567890-1234567890123-' + 'AbCdEfGhIjKlMnOpQrStUvWx';

const FIXTURE = `{
  "card": "${PAN}",
  "card_printed": "4111 1111 1111 1111",
  "card_dashed": "4111-1111-1111-1111",
  "iban": "${IBAN_GB}",
  "github_token": "${GITHUB}",
  "slack_bot": "${SLACK}",
  "created_at": 1700000000000
}
`;
const SETTINGS = 'token_budget = 400000\nmax_tokens = 4096\ntimeout_seconds = 30\n';

describe('redaction, end to end: nothing matching reaches a provider', () => {
  let repo: GitRepo;
  let tmp: string;
  let llm: FakeServer;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-redaction-e2e-'));
    repo = makeGitRepo('bulwark-redaction-repo-');
    chmodSync(repo.dir, 0o755); // the sandboxed worker runs as another uid and reads the checkout
    repo.writeAll({
      'bulwark.toml': 'topology = "review/topology.toml"\n',
      'review/topology.toml': '[[pipeline.stages]]\nname = "security"\nprompt_file = "prompts/security.md"\n',
      'review/prompts/security.md': BASE_PROMPT + '\n',
      'README.md': '# payments\n',
    });
    repo.commit('base');
    repo.checkout('feature', true);
    repo.writeAll({ 'fixtures/payment.json': FIXTURE, 'settings/llm.toml': SETTINGS });
    repo.commit('add a payment fixture');
    llm = await startFakeOpenAi({ respond: scriptedReviewer(), apiKey: 'sk-test' });
  });

  after(async () => {
    await llm.close();
    repo.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('redacts the card number in every separator form, the IBANs and the tokens, and audits the counts by kind', async () => {
    const eventFile = path.join(tmp, 'event.json');
    writeFileSync(
      eventFile,
      JSON.stringify({
        pull_request: {
          number: 9,
          title: 'Add a payment fixture',
          body: 'The refund to DE89 3704 0044 0532 0130 00 failed for card 4111-1111-1111-1111.',
          html_url: 'https://github.example/acme/pay/pull/9',
          user: { login: 'dev' },
          base: { sha: repo.git('rev-parse', 'main'), ref: 'main', repo: { full_name: 'acme/pay' } },
          head: { sha: repo.git('rev-parse', 'feature'), ref: 'feature', repo: { full_name: 'acme/pay' } },
        },
      }),
    );
    const db = path.join(tmp, 'audit.db');
    const env = {
      PATH: process.env.PATH,
      HOME: tmp,
      XDG_STATE_HOME: path.join(tmp, 'state'),
      XDG_CACHE_HOME: path.join(tmp, 'cache'),
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: llm.url,
      NO_COLOR: '1',
    };
    const r = await runCli(
      ['review', '--repo', repo.dir, '--base', 'main', '--head', 'feature', '--github-event', eventFile, '--format', 'json', '--audit-db', db],
      env,
    );
    assert.ok(r.code !== null && r.code <= 2, `exit ${r.code}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as ReviewReport;

    // the model saw the change (and read the fixture with its tool), but none of the payment data or tokens
    assert.ok(llm.requests.length >= 2, `${llm.requests.length} model calls`);
    const toolResults = llm.requests.flatMap((q) => conversationOf(q.body).lastToolResults);
    assert.ok(
      toolResults.some((t) => t.includes('"card_printed": "[REDACTED:pan]"')),
      'the fixture went through read_file, redacted',
    );
    for (const q of llm.requests) {
      const squeezed = q.raw.replace(/[\s-]/g, '');
      assert.ok(!squeezed.includes(PAN), `a card number reached the provider: ${q.raw}`);
      for (const s of [IBAN_DE, IBAN_GB]) assert.ok(!squeezed.includes(s), `an IBAN reached the provider: ${q.raw}`);
      for (const s of [GITHUB, SLACK]) assert.ok(!q.raw.includes(s), `a token reached the provider: ${q.raw}`);
    }
    const first = conversationOf(llm.requests[0]!.body).firstUser;
    for (const kept of ['token_budget = 400000', 'max_tokens = 4096', 'timeout_seconds = 30', '1700000000000'])
      assert.ok(first.includes(kept), `${kept} was redacted`);

    // the audit log counts what was kept out, by kind: the change context (diff and PR text) ...
    const reds = (await auditEntries(db)).filter((e): e is Extract<Entry, { kind: 'redaction' }> => e.kind === 'redaction');
    const countsOf = (rows: typeof reds): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const e of rows) for (const k of e.rules) out[k] = (out[k] ?? 0) + e.count;
      return out;
    };
    assert.deepEqual(countsOf(reds.filter((e) => e.stage === undefined)), { pan: 4, iban: 2, 'github-token': 1, 'slack-token': 1 });
    // ... and the file content the model read through its tool, redacted by the gateway
    const atGateway = countsOf(reds.filter((e) => e.stage === 'security'));
    for (const [kind, n] of Object.entries({ pan: 3, iban: 1, 'github-token': 1, 'slack-token': 1 }))
      assert.ok((atGateway[kind] ?? 0) >= n, `${kind}: ${JSON.stringify(atGateway)}`);
    for (const e of reds) assert.equal(e.rules.length, 1, 'one entry per kind');
    assert.equal(report.redactions.pan, 4);
    assert.ok(!JSON.stringify(report).includes(GITHUB));
  });
});
