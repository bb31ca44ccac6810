import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditEntries, runCli } from '../helpers/cli.js';
import { startFakeAnthropic } from '../helpers/fake-anthropic.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';

/**
 * Zones keep data in place: two loopback providers record what they receive; a zone's code goes
 * only through the provider, region and key its zone allows, and a review that cannot meet the
 * rules is refused (exit 3) before anything is sent.
 */
const SECRET_LINE = 'EU_ONLY_MARKER = "eu-customer-data"';

describe('zones keep data in place (loopback providers record what they received)', () => {
  let eu: FakeServer;
  let us: FakeServer;
  let tmp: string;
  const repos: GitRepo[] = [];
  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-residency-'));
    eu = await startFakeOpenAi({ respond: scriptedReviewer({ readFirst: false }), apiKey: 'eu-zone-key' });
    us = await startFakeAnthropic({ respond: scriptedReviewer({ readFirst: false }) });
  });
  after(async () => {
    await eu.close();
    await us.close();
    for (const r of repos) r.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  const env = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: tmp,
    XDG_STATE_HOME: path.join(tmp, 'state'),
    XDG_CACHE_HOME: path.join(tmp, 'cache'),
    ANTHROPIC_API_KEY: 'sk-ant-global',
    OPENAI_API_KEY: 'sk-openai-global',
    EU_ZONE_KEY: 'eu-zone-key',
    RETAIL_KEY: 'retail-key',
    NO_COLOR: '1',
  });

  /** A repository whose base configures the zones; the change touches `touched`. */
  function repoWith(stageProvider: string | null, touched: string[]): { repo: GitRepo; base: string } {
    const repo = makeGitRepo('bulwark-residency-repo-');
    repos.push(repo);
    chmodSync(repo.dir, 0o755); // the sandboxed worker runs as another uid and reads the checkout
    repo.writeAll({
      'bulwark.toml': `topology = "review/topology.toml"
[review]
fail_on = "none"
[provider]
default = "anthropic"
[provider.anthropic]
base_url = "${us.origin}"
[provider.openai]
base_url = "${eu.url}"
[gate]
roots = ["*.settle"]
[[gate.zones]]
name = "eu-payments"
path = "eu/**"
providers = ["openai"]
regions = ["${eu.origin}"]
api_key_env = "EU_ZONE_KEY"
[[gate.zones]]
name = "retail"
path = "retail/**"
api_key_env = "RETAIL_KEY"
`,
      'review/topology.toml': `[[pipeline.stages]]\nname = "security"\nprompt_file = "security.md"\n${stageProvider ? `provider = "${stageProvider}"\n` : ''}`,
      'review/security.md': 'Review the change.\n',
      'eu/settle.py': 'def settle(x):\n    return x\n',
      'retail/cart.py': 'def total(xs):\n    return sum(xs)\n',
    });
    const base = repo.commit('base');
    for (const f of touched) repo.write(f, readFileSync(path.join(repo.dir, f), 'utf8') + `\n${SECRET_LINE}\n`);
    repo.commit('touch zones');
    return { repo, base };
  }

  const received = (s: FakeServer, from: number): string =>
    s.requests
      .slice(from)
      .map((r) => r.raw)
      .join('\n');

  it('a stage whose provider the zone does not allow is refused before anything is sent (exit 3)', async () => {
    const { repo, base } = repoWith(null, ['eu/settle.py']);
    const [e0, u0] = [eu.requests.length, us.requests.length];
    const db = path.join(tmp, 'refused.db');
    const r = await runCli(['review', '--repo', repo.dir, '--base', base, '--format', 'json', '--audit-db', db], env());
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.match(r.stderr, /zone eu-payments: provider "anthropic" is not allowed for its code/);
    assert.equal(us.requests.length, u0, 'the disallowed provider received nothing');
    assert.equal(eu.requests.length, e0);
    const entries = await auditEntries(db);
    assert.ok(entries.some((e) => e.kind === 'gate_decision'));
    assert.ok(entries.some((e) => e.kind === 'run_finished' && e.exit_code === 3));
  });

  it("an allowed provider gets the zone's code with the zone's key; each call and the decision record zone and region", async () => {
    const { repo, base } = repoWith('openai', ['eu/settle.py']);
    const [e0, u0] = [eu.requests.length, us.requests.length];
    const db = path.join(tmp, 'allowed.db');
    const r = await runCli(['review', '--repo', repo.dir, '--base', base, '--format', 'json', '--audit-db', db], env());
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(us.requests.length, u0, 'nothing reached the disallowed provider');
    assert.ok(eu.requests.length > e0);
    assert.match(received(eu, e0), /eu-customer-data/);
    for (const q of eu.requests.slice(e0)) assert.equal(q.headers.authorization, 'Bearer eu-zone-key', 'sent with the zone key, never the global one');
    const entries = await auditEntries(db);
    const calls = entries.filter((e) => e.kind === 'llm_call');
    assert.ok(calls.length > 0);
    for (const c of calls) {
      assert.ok(c.kind === 'llm_call');
      assert.equal(c.zone, 'eu-payments');
      assert.equal(c.region, eu.url);
    }
    const d = entries.find((e) => e.kind === 'gate_decision');
    assert.ok(d && d.kind === 'gate_decision');
    assert.deepEqual(d.zone_routes, [{ zone: 'eu-payments', provider: 'openai', region: eu.url }]);
  });

  it('a change touching zones with different keys is refused with a clear error (exit 3), nothing sent', async () => {
    const { repo, base } = repoWith('openai', ['eu/settle.py', 'retail/cart.py']);
    const [e0, u0] = [eu.requests.length, us.requests.length];
    const r = await runCli(['review', '--repo', repo.dir, '--base', base, '--format', 'json', '--audit-db', path.join(tmp, 'split.db')], env());
    assert.equal(r.code, 3, r.stderr + r.stdout);
    assert.match(
      r.stderr,
      /touches zones eu-payments, retail whose code must be sent with different keys \(EU_ZONE_KEY, RETAIL_KEY\).*split the change per zone/,
    );
    assert.equal(eu.requests.length, e0);
    assert.equal(us.requests.length, u0);
  });

  it('a change outside every zone keeps the run’s own providers', async () => {
    const { repo, base } = repoWith(null, []);
    repo.write('docs.md', 'x\n');
    repo.commit('docs');
    const u0 = us.requests.length;
    const r = await runCli(['review', '--repo', repo.dir, '--base', base, '--format', 'markdown', '--audit-db', path.join(tmp, 'none.db')], env());
    assert.equal(r.code, 0, r.stderr);
    assert.ok(us.requests.length > u0);
    assert.match(r.stdout, /Decided by: signals/);
  });
});
