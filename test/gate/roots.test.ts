import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { makeGitRepo } from '../helpers/git-repo.js';

/** A lending project named in its own words: none of the default roots matches a definition. */
const LENDING = {
  'lending/loan/repayment.py':
    'from lending.loan.interest import get_per_day_interest\n\n\ndef make_loan_repayment(loan, amount):\n    interest = get_per_day_interest(loan)\n    return amount - interest\n',
  'lending/loan/interest.py':
    'def get_per_day_interest(loan):\n    return loan["principal"] * loan["rate"] / 365\n\n\ndef days_between(a, b):\n    return (b - a).days\n',
  'lending/loan/store.py': 'def save(db, loan_id, state):\n    db.execute("UPDATE loans SET state = %s WHERE id = %s", (state, loan_id))\n',
  'ledger/post.go': 'package ledger\n\nfunc PostLedgerEntry(amount int64) int64 {\n\treturn amount\n}\n',
  'web/src/fees.ts': 'export function applyLateFee(balance: number): number {\n  return balance + 25;\n}\n',
  'tests/test_repayment.py': 'def make_loan_repayment_fixture():\n    return {}\n',
};

const env = (): NodeJS.ProcessEnv => ({ ...process.env, BULWARK_AUDIT_DB: '', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' });

describe('regulated roots that find themselves', () => {
  it('roots that match nothing are said loudly in text, JSON and stderr; require_roots makes it exit 3', async () => {
    const repo = makeGitRepo('bulwark-roots-');
    try {
      repo.writeAll(LENDING);
      const base = repo.commit('base');
      repo.write('lending/loan/interest.py', LENDING['lending/loan/interest.py'].replace('/ 365', '/ 360'));
      repo.commit('360-day year');
      const text = await runCli(['gate', '--repo', repo.dir, '--base', base, '--no-cache'], env());
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /WARNING: no configured root matches a definition/);
      assert.match(text.stderr, /WARNING: no configured root matches/);
      const json = await runCli(['gate', '--repo', repo.dir, '--base', base, '--no-cache', '--json'], env());
      assert.match((JSON.parse(json.stdout) as { rootsWarning: string }).rootsWarning, /bulwark gate roots --suggest/);
      repo.write('strict.toml', '[gate]\nrequire_roots = true\n');
      const strict = await runCli(['gate', '--repo', repo.dir, '--base', base, '--no-cache', '--config', `${repo.dir}/strict.toml`], env());
      assert.equal(strict.code, 3, strict.stdout);
      assert.match(strict.stderr, /require_roots: no configured root matches/);
    } finally {
      repo.cleanup();
    }
  });

  it('`gate roots --suggest` proposes money operations in each convention, SQL writes and says why; tests are skipped', async () => {
    const repo = makeGitRepo('bulwark-roots-');
    try {
      repo.writeAll(LENDING);
      repo.commit('base');
      const r = await runCli(['gate', 'roots', '--suggest', '--repo', repo.dir], env());
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\*\.process_payment: 0 definition\(s\)/);
      assert.match(r.stdout, /WARNING: no configured root matches any definition/);
      assert.match(r.stdout, /lending\.loan\.repayment\.make_loan_repayment {2}\(python; name: make … loan\)/);
      assert.match(r.stdout, /lending\.loan\.interest\.get_per_day_interest {2}\(python; name: get … interest\)/);
      assert.match(r.stdout, /lending\.loan\.store\.save {2}\(python; writes table loans \(lending\/loan\/store\.py:2\)\)/);
      assert.match(r.stdout, /PostLedgerEntry {2}\(go; name: post … ledger\)/);
      assert.match(r.stdout, /applyLateFee {2}\(ts; name: apply … fee\)/);
      assert.doesNotMatch(r.stdout, /fixture|days_between/);
    } finally {
      repo.cleanup();
    }
  });

  it('`init --accept-suggested-roots` writes them into [gate] with require_roots, and the gate then sees the change', async () => {
    const repo = makeGitRepo('bulwark-roots-');
    try {
      repo.writeAll(LENDING);
      const init = await runCli(['init', '--repo', repo.dir, '--accept-suggested-roots'], env());
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /suggested regulated roots/);
      const toml = readFileSync(`${repo.dir}/bulwark.toml`, 'utf8');
      assert.match(toml, /require_roots = true/);
      assert.match(toml, /"lending\.loan\.repayment\.make_loan_repayment"/);
      const base = repo.commit('base with bulwark');
      repo.write('lending/loan/interest.py', LENDING['lending/loan/interest.py'].replace('/ 365', '/ 360'));
      repo.commit('360-day year');
      const gate = await runCli(['gate', '--repo', repo.dir, '--base', base, '--no-cache'], env());
      assert.equal(gate.code, 2, gate.stdout + gate.stderr);
      assert.match(gate.stdout, /get_per_day_interest/);
      assert.doesNotMatch(gate.stdout, /WARNING/);
    } finally {
      repo.cleanup();
    }
  });

  it('plain `init` writes [gate] with require_roots and the default roots in every naming convention', async () => {
    const repo = makeGitRepo('bulwark-roots-');
    try {
      repo.write('app.py', 'def hello():\n    return 1\n');
      const init = await runCli(['init', '--repo', repo.dir, '--no-suggest-roots'], env());
      assert.equal(init.code, 0, init.stderr);
      const toml = readFileSync(`${repo.dir}/bulwark.toml`, 'utf8');
      assert.match(toml, /require_roots = true/);
      for (const r of ['*.process_payment', '*.processPayment', '*.ProcessPayment']) assert.ok(toml.includes(JSON.stringify(r)), r);
    } finally {
      repo.cleanup();
    }
  });

  it('on the lending corpus (when present), suggestions include its own money operations', async (t) => {
    const bare = '/tmp/bulwark-corpora/lending.git';
    if (!existsSync(bare)) return t.skip('no /tmp/bulwark-corpora/lending.git on this machine (the temp-repo tests above cover the behaviour)');
    const r = await runCli(['gate', 'roots', '--suggest', '--repo', bare, '--json'], env());
    if (r.code !== 0) assert.fail(r.stderr);
    const report = JSON.parse(r.stdout) as { configured: { matches: number }[]; suggestions: { root: string; why: string }[] };
    assert.ok(
      report.configured.every((c) => c.matches === 0),
      'the defaults match nothing there',
    );
    assert.ok(
      report.suggestions.some((s) => /make_loan_(repayment|disbursement)/.test(s.root)),
      report.suggestions.map((s) => s.root).join(', '),
    );
  });
});
