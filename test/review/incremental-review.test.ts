import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeEntry, openAuditLog, type Entry } from '../../src/audit/index.js';
import type { ReviewReport } from '../../src/review/report.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { addedLines, scriptedReviewer, type ReviewContext } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/cli.js';

/**
 * Incremental review end to end: the real CLI on a real git repository with a SQLite audit log,
 * a merge request pushed twice, the models (a fake OpenAI server) recording what they were sent.
 */

const TOPOLOGY = `[[pipeline.stages]]\nname = "security"\nprompt_file = "prompts/security.md"\n`;
const CONFIG = 'topology = "review/topology.toml"\n\n[review]\nmax_findings = 20\n';
const CHARGE_BASE = `export function charge(account, amountCents) {\n  return account.debit(amountCents);\n}\n`;
const CHARGE_A = `export function charge(account, amountCents, card) {\n  console.log('charging card', card.number, amountCents);\n  return account.debit(amountCents);\n}\n`;
// B adds a line above the logging line (shifting it down) and a new file with a weak hash
const CHARGE_B = `// charges a card in integer cents\n${CHARGE_A}`;
const SETTINGS_B = `export const settings = {\n  digestOf: (card) => md5(card.number),\n};\n`;

async function runStarts(db: string): Promise<Extract<Entry, { kind: 'run_started' }>[]> {
  const log = await openAuditLog({ location: db, mustExist: true });
  try {
    const out: Extract<Entry, { kind: 'run_started' }>[] = [];
    for await (const batch of log.store.readEntries(0, await log.size()))
      for (const e of batch) {
        const d = decodeEntry(e.bytes);
        if (d.kind === 'run_started') out.push(d);
      }
    return out;
  } finally {
    await log.close();
  }
}

describe('incremental review from the audit log (CLI, end to end)', () => {
  let repo: GitRepo;
  let tmp: string;
  let llm: FakeServer;
  let env: NodeJS.ProcessEnv;
  let seen: ReviewContext[] = [];
  let baseSha: string;
  let a: string;
  let b: string;
  const db = (): string => path.join(tmp, 'audit.db');
  /** The environment of a GitLab merge-request pipeline for MR !5 at `head` against `base`. */
  const mrEnv = (base: string, head: string): NodeJS.ProcessEnv => ({
    ...env,
    GITLAB_CI: 'true',
    CI_PROJECT_PATH: 'acme/pay',
    CI_MERGE_REQUEST_IID: '5',
    CI_MERGE_REQUEST_PROJECT_PATH: 'acme/pay',
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
    CI_MERGE_REQUEST_TARGET_BRANCH_SHA: base,
    CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
    CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: head,
    CI_COMMIT_SHA: head,
  });
  const review = async (
    base: string,
    head: string,
    extra: string[] = [],
  ): Promise<{ code: number | null; report: ReviewReport; stderr: string; sent: ReviewContext[] }> => {
    seen = [];
    const r = await runCli(['review', '--repo', repo.dir, '--format', 'json', '--audit-db', db(), ...extra], mrEnv(base, head));
    assert.ok(r.stdout.length > 0, r.stderr);
    return { code: r.code, report: JSON.parse(r.stdout) as ReviewReport, stderr: r.stderr, sent: seen };
  };
  /** Added lines the models were sent, as "path: text". */
  const addedSent = (sent: ReviewContext[]): string[] =>
    [...new Set(sent.flatMap((c) => (c.change?.files ?? []).flatMap((f) => addedLines(f.diff ?? '').map((l) => `${f.path}: ${l.text}`))))].sort();

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-incremental-'));
    repo = makeGitRepo('bulwark-incremental-repo-');
    chmodSync(repo.dir, 0o755);
    repo.writeAll({
      'bulwark.toml': CONFIG,
      'review/topology.toml': TOPOLOGY,
      'review/prompts/security.md': 'Review payments code.\n',
      'src/charge.js': CHARGE_BASE,
    });
    baseSha = repo.commit('base');
    repo.checkout('feature', true);
    repo.write('src/charge.js', CHARGE_A);
    a = repo.commit('A: log the card');
    llm = await startFakeOpenAi({ respond: scriptedReviewer({ readFirst: false, onRequest: (_conv, ctx) => seen.push(ctx) }), apiKey: 'sk-test' });
    env = {
      PATH: process.env.PATH,
      HOME: tmp,
      XDG_STATE_HOME: path.join(tmp, 'state'),
      XDG_CACHE_HOME: path.join(tmp, 'cache'),
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: llm.url,
      NO_COLOR: '1',
    };
  });

  after(async () => {
    await llm.close();
    repo.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('reviews only the commits since the last reviewed head, keeps earlier findings whose lines still exist, and records incremental_from', async () => {
    const first = await review(baseSha, a);
    assert.equal(first.code, 1, first.stderr);
    assert.deepEqual(addedSent(first.sent), [
      "src/charge.js:   console.log('charging card', card.number, amountCents);",
      'src/charge.js: export function charge(account, amountCents, card) {',
    ]);
    assert.deepEqual(
      first.report.findings.map((f) => [f.file, f.line, f.category]),
      [['src/charge.js', 2, 'security']],
    );

    repo.writeAll({ 'src/charge.js': CHARGE_B, 'src/settings.js': SETTINGS_B });
    b = repo.commit('B: document charge, add settings');
    const second = await review(baseSha, b);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`incremental review: the commits since ${a.slice(0, 12)}`));
    // the models were sent B's changes only: A's logging line is not in what they saw
    assert.deepEqual(
      addedSent(second.sent),
      [
        'src/charge.js: // charges a card in integer cents',
        'src/settings.js:   digestOf: (card) => md5(card.number),',
        'src/settings.js: export const settings = {',
        'src/settings.js: };',
      ].sort(),
    );
    // A's finding is carried over (its line moved down by one), B's finding is new
    assert.deepEqual(second.report.findings.map((f) => [f.file, f.line, f.severity]).sort(), [
      ['src/charge.js', 3, 'critical'],
      ['src/settings.js', 2, 'high'],
    ]);
    // coverage names what the models reviewed: the increment
    assert.deepEqual(second.report.coverage.files.map((f) => f.path).sort(), ['src/charge.js', 'src/settings.js']);
    const starts = await runStarts(db());
    assert.equal(starts.length, 2);
    assert.equal(starts[0]!.incremental_from, undefined);
    assert.equal(starts[1]!.incremental_from, a);
    assert.equal(starts[1]!.base, baseSha);
    assert.equal(starts[1]!.head, b);
  });

  it('--full reviews the whole change again', async () => {
    const r = await review(baseSha, b, ['--full']);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(addedSent(r.sent).includes("src/charge.js:   console.log('charging card', card.number, amountCents);"));
    assert.equal((await runStarts(db())).at(-1)!.incremental_from, undefined);
  });

  it('reviews in full when bulwark.toml changed at the base', async () => {
    repo.checkout('main');
    repo.write('bulwark.toml', CONFIG.replace('max_findings = 20', 'max_findings = 30'));
    const newBase = repo.commit('policy: show more findings');
    repo.checkout('feature');
    repo.write('src/refund.js', 'export const refund = () => 0;\n');
    const c = repo.commit('C: refunds');
    const r = await review(newBase, c);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /full review: the configuration changed since run review-/);
    assert.ok(addedSent(r.sent).includes("src/charge.js:   console.log('charging card', card.number, amountCents);"), 'the whole change was sent again');
    const last = (await runStarts(db())).at(-1)!;
    assert.equal(last.incremental_from, undefined);
    assert.equal(last.head, c);
  });
});
