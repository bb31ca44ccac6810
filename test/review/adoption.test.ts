/**
 * The README's adoption path, followed verbatim as a new user would: its shell commands are read
 * from the README itself and run in order on a fresh repository, with the real CLI, the real
 * sandboxed pipeline and a loopback OpenAI-compatible model. Then the variants users hit: running
 * from a subdirectory, committing the configuration on the branch itself (the change introduces
 * Bulwark), a directory that is no repository, and an empty patch.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import type { ReviewReport } from '../../src/review/report.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';

const BIN = path.join(packageRoot, 'bin', 'bulwark.js');

/** The shell commands of the README's "Adopt it in five minutes" section, in order. */
function adoptionCommands(): string[] {
  const readme = readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## Adopt it in five minutes');
  assert.ok(start >= 0, 'README has no adoption section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const commands: string[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line) commands.push(line);
    }
  }
  return commands;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('adoption path (README, verbatim)', () => {
  let llm: FakeServer;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  const repos: GitRepo[] = [];

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-adopt-'));
    llm = await startFakeOpenAi({ respond: scriptedReviewer({ readFirst: false }), apiKey: 'sk-test' });
    env = {
      PATH: process.env.PATH,
      HOME: tmp,
      XDG_STATE_HOME: path.join(tmp, 'state'),
      XDG_CACHE_HOME: path.join(tmp, 'cache'),
      NO_COLOR: '1',
      GIT_AUTHOR_NAME: 'New User',
      GIT_AUTHOR_EMAIL: 'new.user@example.com',
      GIT_COMMITTER_NAME: 'New User',
      GIT_COMMITTER_EMAIL: 'new.user@example.com',
    };
  });
  after(async () => {
    await llm.close();
    for (const r of repos) r.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh payments repository on main, readable by the sandbox's unprivileged uid. */
  function freshRepo(): GitRepo {
    const repo = makeGitRepo('bulwark-adopt-repo-');
    repos.push(repo);
    chmodSync(repo.dir, 0o755);
    repo.writeAll({ 'src/payments/charge.js': 'export function charge(account, cents) {\n  return account.debit(cents);\n}\n', 'README.md': '# payments\n' });
    repo.commit('initial');
    return repo;
  }

  /**
   * Runs one README command as a shell would: `npx bulwark` is this checkout's CLI, `export` sets
   * the environment — the README names a hosted provider's key; the loopback model stands in for it.
   */
  // asynchronous: the loopback model answers from this same process
  async function sh(line: string, cwd: string): Promise<Result> {
    if (line.includes(' && ')) {
      let last: Result = { code: 0, stdout: '', stderr: '' };
      for (const part of line.split(' && ')) {
        last = await sh(part, cwd);
        if (last.code !== 0) return last;
      }
      return last;
    }
    const exp = /^export\s+([A-Z_]+)=/.exec(line);
    if (exp) {
      env = { ...env, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.url };
      return { code: 0, stdout: '', stderr: '' };
    }
    const parts = line.match(/"[^"]*"|\S+/g)!.map((p) => p.replace(/^"|"$/g, ''));
    const [cmd, ...args] = parts[0] === 'npx' && parts[1] === 'bulwark' ? [process.execPath, BIN, ...parts.slice(2)] : parts;
    return new Promise((resolve, reject) => {
      const child = spawn(cmd!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('init, commit to main, review a change from a branch: a verdict, never a configuration error', async () => {
    const repo = freshRepo();
    const commands = adoptionCommands();
    assert.deepEqual(
      commands.map((c) => c.split(/\s+/).slice(0, 3).join(' ')),
      ['npx bulwark init', 'git add bulwark.toml', 'export ANTHROPIC_API_KEY=...', 'npx bulwark review', 'npx bulwark run'],
      'the README adoption commands changed: update this test to follow them',
    );
    const steps = [...commands];
    const run = async (line: string): Promise<Result> => {
      const r = await sh(line, repo.dir);
      assert.ok(r.code !== 3 && r.code !== null, `\`${line}\` exited ${r.code}: ${r.stderr}`);
      return r;
    };
    await run(steps.shift()!); // init
    assert.ok(existsSync(path.join(repo.dir, 'bulwark.toml')));
    await run(steps.shift()!); // git add && git commit (one line, two commands)
    // "From a branch": the user's change
    repo.checkout('feature', true);
    repo.write(
      'src/payments/charge.js',
      "export function charge(account, cents, card) {\n  console.log('card', card.number);\n  return account.debit(cents);\n}\n",
    );
    repo.commit('log the card');
    await run(steps.shift()!); // export the provider key
    const review = await run(`${steps.shift()!} --format json`);
    assert.ok([0, 1, 2].includes(review.code!), `review exited ${review.code}: ${review.stderr}`);
    const report = JSON.parse(review.stdout) as ReviewReport;
    assert.ok(report.findings.length > 0, 'the scripted reviewer found the logged card number');
    writeFileSync(path.join(repo.dir, 'change.diff'), spawnSync('git', ['diff', 'main...feature'], { cwd: repo.dir, encoding: 'utf8' }).stdout);
    const r = await run(steps.shift()!);
    assert.ok([0, 1].includes(r.code!), `run exited ${r.code}: ${r.stderr}`);
  });

  it('configuration committed on the branch itself: the change introduces Bulwark and needs approval (exit 2), never exit 3', async () => {
    const repo = freshRepo();
    repo.checkout('adopt', true);
    assert.equal((await sh('npx bulwark init', repo.dir)).code, 0);
    assert.equal((await sh('git add bulwark.toml .bulwark', repo.dir)).code, 0);
    assert.equal((await sh('git commit -m "Add Bulwark review"', repo.dir)).code, 0);
    await sh('export OPENAI_API_KEY=...', repo.dir);
    const r = await sh('npx bulwark review --base main --format json', repo.dir);
    assert.equal(r.code, 2, r.stderr);
    const report = JSON.parse(r.stdout) as ReviewReport;
    assert.ok(
      report.decision.reasons.some((x) => /introduces the Bulwark configuration/.test(x)),
      report.decision.reasons.join('\n'),
    );
    // nothing claims a base version that does not exist
    assert.ok(!report.findings.some((f) => f.category === 'bulwark-config'), JSON.stringify(report.findings.map((f) => f.message)));
  });

  it('from a subdirectory: review, run and gate use the top of the work tree; init writes there', async () => {
    const repo = freshRepo();
    const sub = path.join(repo.dir, 'src', 'payments');
    assert.equal((await sh('npx bulwark init', sub)).code, 0);
    assert.ok(existsSync(path.join(repo.dir, 'bulwark.toml')), 'init wrote at the top level');
    assert.ok(!existsSync(path.join(sub, 'bulwark.toml')));
    await sh('git add bulwark.toml .bulwark', repo.dir);
    await sh('git commit -m "Add Bulwark review"', repo.dir);
    repo.checkout('feature', true);
    repo.write('src/payments/charge.js', 'export function charge(account, cents) {\n  return account.debit(cents + 0);\n}\n');
    repo.commit('touch charge');
    await sh('export OPENAI_API_KEY=...', repo.dir);
    const r = await sh('npx bulwark review --base main --format json', sub);
    assert.ok([0, 1, 2].includes(r.code!), `exit ${r.code}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as ReviewReport;
    assert.deepEqual(
      report.coverage.files.map((f) => f.path),
      ['src/payments/charge.js'],
    );
    // the stages could read the changed file: no tool error about a missing path in the log
    assert.doesNotMatch(r.stdout + r.stderr, /does not exist/);
  });

  it('a directory that is no repository, and an empty or garbage patch, are usage errors (exit 3) before any model call', async () => {
    const plain = path.join(tmp, 'not-a-repo');
    mkdirSync(plain, { recursive: true });
    const before = llm.requests.length;
    const r = await sh(`npx bulwark review --repo ${plain}`, tmp);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /is not a git repository/);
    writeFileSync(path.join(tmp, 'empty.diff'), '');
    writeFileSync(path.join(tmp, 'garbage.diff'), 'this is not a diff\n');
    for (const f of ['empty.diff', 'garbage.diff']) {
      const d = await sh(`npx bulwark review --repo ${plain} --diff ${path.join(tmp, f)}`, tmp);
      assert.equal(d.code, 3, `${f}: ${d.stderr}`);
      assert.match(d.stderr, /not a unified diff with changes/);
    }
    assert.equal(llm.requests.length, before, 'no model call was made');
  });
});
