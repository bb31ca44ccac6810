import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { changeHashFromRepo } from '../../src/approval/change-hash.js';
import { decodeEntry, openAuditLog, type Entry } from '../../src/audit/index.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import type { FakeServer } from '../helpers/fake-llm-server.js';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { CHANGED_CHARGE, BASE_FILES } from './fixtures.js';

const bin = path.join(packageRoot, 'bin', 'bulwark.js');
const work = mkdtempSync(path.join(tmpdir(), 'bulwark-cli-'));
chmodSync(work, 0o755);
let server: FakeServer;
let repo: GitRepo;
after(async () => {
  await server?.close();
  repo?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: work,
        XDG_CONFIG_HOME: path.join(work, 'cfg'),
        XDG_STATE_HOME: path.join(work, 'state'),
        BULWARK_OLLAMA_URL: 'http://127.0.0.1:9',
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runStarted(db: string): Promise<Extract<Entry, { kind: 'run_started' }>> {
  const audit = await openAuditLog({ location: db });
  try {
    for await (const batch of audit.store.readEntries(0, await audit.size())) {
      for (const e of batch) {
        const entry = decodeEntry(e.bytes);
        if (entry.kind === 'run_started') return entry;
      }
    }
  } finally {
    await audit.close();
  }
  throw new Error(`no run_started in ${db}`);
}

before(async () => {
  server = await startFakeOpenAi({ respond: scriptedReviewer(), apiKey: 'sk-cli' });
  repo = makeGitRepo('bulwark-cli-repo-');
  chmodSync(repo.dir, 0o755);
  repo.writeAll(BASE_FILES);
});

describe('bulwark init + run', () => {
  it('init writes a config whose topology loads, and refuses to overwrite', async () => {
    // the roots found in the code (charge, refund): init's [gate] requires roots that match
    const r = await cli(['init', '--repo', repo.dir, '--accept-suggested-roots'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(path.join(repo.dir, 'bulwark.toml'), 'utf8'), /"src\.payments\.charge\.charge"/);
    for (const f of ['bulwark.toml', '.bulwark/topology.toml', '.bulwark/prompts/static.md', '.bulwark/prompts/security.md', '.bulwark/prompts/summary.md']) {
      assert.ok(existsSync(path.join(repo.dir, f)), f);
    }
    assert.match(readFileSync(path.join(repo.dir, '.bulwark/topology.toml'), 'utf8'), /depends_on = \["static-analysis", "security-review"\]/);
    const again = await cli(['init', '--repo', repo.dir], {});
    assert.equal(again.code, 3);
    assert.match(again.stderr, /already exists \(use --force/);
    repo.commit('base with bulwark config');
    repo.checkout('feature', true);
    repo.write('src/payments/charge.js', CHANGED_CHARGE);
    repo.commit('change');
  });

  it('run on the git change: stage progress, summary, result JSON, exit 1 for high findings', async () => {
    const result = path.join(work, 'result.json');
    const r = await cli(
      ['run', '--topology', path.join(repo.dir, '.bulwark/topology.toml'), '--repo', repo.dir, '--audit-db', path.join(work, 'a.db'), '--result', result],
      { OPENAI_API_KEY: 'sk-cli', OPENAI_BASE_URL: server.url },
    );
    assert.equal(r.code, 1, r.stderr);
    // init's review stages run side by side; the summary starts once both are done
    const at = (re: RegExp): number => r.stderr.search(re);
    for (const stage of ['static-analysis', 'security-review']) {
      assert.ok(at(new RegExp(`stage ${stage}: running`)) >= 0, r.stderr);
      assert.ok(at(new RegExp(`stage ${stage}: done in [\\d.]+ s \\(1 finding\\)`)) > at(new RegExp(`stage ${stage}: running`)), r.stderr);
      assert.ok(at(/stage summary: running/) > at(new RegExp(`stage ${stage}: done`)), r.stderr);
    }
    assert.match(r.stdout, /## Bulwark review/);
    const json = JSON.parse(readFileSync(result, 'utf8')) as {
      exitCode: number;
      status: string;
      stages: { name: string; status: string }[];
      findings: unknown[];
    };
    assert.equal(json.exitCode, 1);
    assert.equal(json.status, 'ok');
    assert.deepEqual(
      json.stages.map((s) => s.status),
      ['done', 'done', 'done'],
    );
    assert.equal(json.findings.length, 2);
    const verify = await cli(
      ['audit', 'verify', '--audit-db', path.join(work, 'a.db'), '--trusted-key', path.join(work, 'cfg', 'bulwark', 'audit-key.pub')],
      {},
    );
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    // the change hash is the approval hash `bulwark review`/`gate` record and `bulwark approve --run` recomputes
    const started = await runStarted(path.join(work, 'a.db'));
    assert.ok(started.base && started.head);
    assert.equal(started.change_hash, (await changeHashFromRepo(repo.dir, started.base, started.head)).changeHash);
    assert.equal(started.change_hash, (await changeHashFromRepo(repo.dir, 'main', 'feature')).changeHash);
  });

  it('bulwark review works on the initialised repository with a provider endpoint', async () => {
    const r = await cli(['review', '--repo', repo.dir, '--base', 'main', '--head', 'feature', '--audit-db', path.join(work, 'rev.db'), '--format', 'json'], {
      OPENAI_API_KEY: 'sk-cli',
      OPENAI_BASE_URL: server.url,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /stage summary: done in/);
    assert.match(r.stdout, /PCI DSS/);
  });

  it('run on a unified diff from stdin (no checkout: no file tools)', async () => {
    const diff = repo.git('diff', 'main', 'feature');
    const r = await cli(
      [
        'run',
        '--topology',
        path.join(repo.dir, '.bulwark/topology.toml'),
        '--input',
        '-',
        '--audit-db',
        path.join(work, 'b.db'),
        '--result',
        path.join(work, 'r2.json'),
      ],
      { OPENAI_API_KEY: 'sk-cli', OPENAI_BASE_URL: server.url },
      diff + '\n',
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /PCI DSS/);
    // a patch's change hash is the SHA-256 of the input bytes (what `sha256sum` prints)
    assert.equal(
      (await runStarted(path.join(work, 'b.db'))).change_hash,
      'sha256:' +
        createHash('sha256')
          .update(diff + '\n')
          .digest('hex'),
    );
  });

  it('run on a JSON change description', async () => {
    const { acquireChange } = await import('../../src/review/acquire.js');
    const change = await acquireChange({ repoDir: repo.dir, base: 'main', head: 'feature', env: {} });
    writeFileSync(path.join(work, 'change.json'), JSON.stringify(change));
    const r = await cli(
      [
        'run',
        '--topology',
        path.join(repo.dir, '.bulwark/topology.toml'),
        '--input',
        path.join(work, 'change.json'),
        '--repo',
        repo.dir,
        '--audit-db',
        path.join(work, 'j.db'),
        '--result',
        path.join(work, 'rj.json'),
      ],
      { OPENAI_API_KEY: 'sk-cli', OPENAI_BASE_URL: server.url },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /2 finding\(s\) from static-analysis, security-review/);
  });

  it('run refuses stages that could read the audit database (it lies inside the checkout): exit 3, no model call', async () => {
    const db = path.join(repo.dir, '.audit-in-repo', 'a.db');
    const before = server.requests.length;
    try {
      // named by the [audit] table of a --config file, not by a flag
      const conf = path.join(work, 'db-in-repo.toml');
      writeFileSync(conf, `[audit]\ndb = ${JSON.stringify(db)}\n`);
      const r = await cli(
        ['run', '--topology', path.join(repo.dir, '.bulwark/topology.toml'), '--repo', repo.dir, '--config', conf, '--result', path.join(work, 'r-db.json')],
        { OPENAI_API_KEY: 'sk-cli', OPENAI_BASE_URL: server.url },
      );
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /a\.db, which is never granted/);
      assert.equal(server.requests.length, before, 'no model call');
    } finally {
      rmSync(path.join(repo.dir, '.audit-in-repo'), { recursive: true, force: true });
    }
  });

  it('with no provider: stages not run, exit 5, never a pass', async () => {
    const r = await cli(
      [
        'run',
        '--topology',
        path.join(repo.dir, '.bulwark/topology.toml'),
        '--repo',
        repo.dir,
        '--audit-db',
        path.join(work, 'c.db'),
        '--result',
        path.join(work, 'r3.json'),
      ],
      {},
    );
    assert.equal(r.code, 5);
    assert.match(
      r.stderr,
      /stage static-analysis: not run: no provider configured \(set ANTHROPIC_API_KEY, or OPENAI_API_KEY \[\+ OPENAI_BASE_URL\], or run Ollama on 127\.0\.0\.1:11434\)/,
    );
  });

  it('bad input is a one-line usage error (exit 3)', async () => {
    writeFileSync(path.join(work, 'bad.json'), '{"source": 1}');
    const r = await cli(['run', '--topology', path.join(repo.dir, '.bulwark/topology.toml'), '--input', path.join(work, 'bad.json')], {});
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^bulwark: --input .*bad\.json: not a change description: source: /);
    const t = await cli(['run', '--topology', path.join(work, 'missing.toml')], {});
    assert.equal(t.code, 3);
    assert.match(t.stderr, /^bulwark: --topology \S+missing\.toml: cannot read: no such file\n$/);
  });
});
