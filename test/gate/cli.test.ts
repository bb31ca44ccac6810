import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import type { GateResult } from '../../src/gate/types.js';
import { edit, FixtureRepo } from './fixture.js';

const bin = path.join(packageRoot, 'bin', 'bulwark.js');

function bulwark(args: string[], cwd?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, env: { ...process.env, BULWARK_AUDIT_DB: '' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const files: Record<string, string> = {
  'bulwark.toml': '[gate]\nroots = ["*.settle"]\n',
  'app/pay.py': ['def fee(a):', '    return a * 2', '', 'def settle(a):', '    return fee(a) + len([a])', '', 'def banner():', '    return "hi"', ''].join(
    '\n',
  ),
};

describe('bulwark gate and bulwark callgraph commands', () => {
  let repo: FixtureRepo;
  let tmp: string;
  let flaggedHead: string;
  let cleanHead: string;
  before(() => {
    repo = new FixtureRepo(files);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-gate-cli-'));
    flaggedHead = repo.branch('flagged', { 'app/pay.py': edit(files['app/pay.py']!, 'a * 2', 'a * 3') });
    cleanHead = repo.branch('clean', { 'app/pay.py': edit(files['app/pay.py']!, '"hi"', '"hello"') });
  });
  after(() => {
    repo.remove();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 2 with the call path when review is required, 0 otherwise', () => {
    const flagged = bulwark(['gate', '--repo', repo.dir, '--base', 'main', '--head', flaggedHead, '--no-cache']);
    assert.equal(flagged.code, 2, flagged.stderr);
    assert.match(flagged.stdout, /HUMAN REVIEW REQUIRED/);
    assert.match(flagged.stdout, /app\.pay\.settle → app\.pay\.fee \(changed\)/);
    const clean = bulwark(['gate', '--repo', repo.dir, '--base', 'main', '--head', cleanHead, '--no-cache']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /no human review required/);
  });

  it('--json prints the GateResult', () => {
    const r = bulwark(['gate', '--repo', repo.dir, '--base', 'main', '--head', flaggedHead, '--json', '--no-cache']);
    assert.equal(r.code, 2, r.stderr);
    const result = JSON.parse(r.stdout) as GateResult;
    assert.equal(result.flagged, true);
    assert.deepEqual(
      result.paths.map((p) => p.nodes),
      [['app.pay.settle', 'app.pay.fee']],
    );
    assert.equal(result.head, flaggedHead);
  });

  it('fails, exit 3, when the base revision has a bulwark.toml git cannot read, instead of deciding without its roots', () => {
    const broken = new FixtureRepo(files);
    try {
      const head = broken.branch('flagged', { 'app/pay.py': edit(files['app/pay.py']!, 'a * 2', 'a * 3') });
      const blob = broken.git('rev-parse', 'main:bulwark.toml').trim();
      rmSync(path.join(broken.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
      const base = broken.git('rev-parse', 'main').trim();
      const r = bulwark(['gate', '--repo', broken.dir, '--base', 'main', '--head', head, '--no-cache']);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`^bulwark: cannot read bulwark\\.toml of ${base.slice(0, 12)} from git: .+\n$`));
      assert.equal(r.stdout, '');
    } finally {
      broken.remove();
    }
  });

  it('reads [gate] from the base revision: a pull request cannot relax its own gate', () => {
    const head = repo.branch('relax', { 'bulwark.toml': '[gate]\nroots = ["*.nothing"]\n', 'app/pay.py': edit(files['app/pay.py']!, 'a * 2', 'a * 4') });
    const r = bulwark(['gate', '--repo', repo.dir, '--base', 'main', '--head', head, '--no-cache']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
  });

  it('appends a gate_decision entry to the audit log given with --audit-db', () => {
    const db = path.join(tmp, 'audit.db');
    const r = bulwark(['gate', '--repo', repo.dir, '--base', 'main', '--head', flaggedHead, '--audit-db', db, '--no-cache']);
    assert.equal(r.code, 2, r.stderr);
    const show = bulwark(['audit', 'show', '--db', db, '--kind', 'gate_decision', '--json']);
    assert.equal(show.code, 0, show.stderr);
    const entries = JSON.parse(show.stdout) as { entry: { kind: string; flagged: boolean; paths?: string[][]; change_hash?: string } }[];
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.entry.flagged, true);
    assert.deepEqual(entries[0]!.entry.paths, [['app.pay.settle', 'app.pay.fee']]);
    assert.match(entries[0]!.entry.change_hash ?? '', /^sha256:[0-9a-f]{64}$/);
  });

  it('ends once its decision is written: a handle left open in the process does not hold it', () => {
    // a timer that never fires stands for any handle a library may leave (a pool, a watcher)
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'data:text/javascript,setInterval(() => {}, 3600000)',
        bin,
        'gate',
        '--repo',
        repo.dir,
        '--base',
        'main',
        '--head',
        flaggedHead,
        '--json',
        '--no-cache',
      ],
      { encoding: 'utf8', env: { ...process.env, BULWARK_AUDIT_DB: '' }, timeout: 60_000 },
    );
    assert.equal(r.signal, null, 'still running after 60 s');
    assert.equal(r.status, 2, r.stderr);
    assert.equal((JSON.parse(r.stdout) as GateResult).flagged, true);
  });

  it('writes the whole decision to a pipe its reader drains late before the process ends', async () => {
    // 3,000 roots each calling the changed function: about a megabyte of JSON, many pipe buffers
    const many = Array.from({ length: 3000 }, (_, i) => `def route${i}(a):\n    return fee(a)\n`).join('\n');
    const big = new FixtureRepo({
      'bulwark.toml': '[gate]\nroots = ["*.route*"]\n',
      'app/pay.py': files['app/pay.py']!,
      'app/routes.py': `from app.pay import fee\n\n${many}`,
    });
    try {
      const head = big.branch('flagged', { 'app/pay.py': edit(files['app/pay.py']!, 'a * 2', 'a * 3') });
      const child = spawn(process.execPath, [bin, 'gate', '--repo', big.dir, '--base', 'main', '--head', head, '--json', '--no-cache'], {
        env: { ...process.env, BULWARK_AUDIT_DB: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.pause();
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      // the gate writes while nobody reads: its writes wait, or queue, until this reader resumes
      await new Promise((resolve) => setTimeout(resolve, 4000));
      child.stdout.on('data', (d: Buffer) => stdout.push(d));
      child.stdout.resume();
      assert.equal(await exited, 2, stderr);
      const text = Buffer.concat(stdout).toString('utf8');
      assert.ok(text.length > 500_000, `${text.length} characters`);
      const result = JSON.parse(text) as GateResult;
      assert.equal(result.paths.length, 3000);
    } finally {
      big.remove();
    }
  });

  it('usage errors exit 3 with one line naming the problem', () => {
    const badRef = bulwark(['gate', '--repo', repo.dir, '--base', 'no-such-branch', '--no-cache']);
    assert.equal(badRef.code, 3);
    assert.equal(badRef.stderr.trim(), 'bulwark: unknown revision: no-such-branch');
    const badConfig = path.join(tmp, 'bad.toml');
    writeFileSync(badConfig, '[gate]\nroot = ["x"]\n');
    const cfg = bulwark(['gate', '--repo', repo.dir, '--base', 'main', '--head', cleanHead, '--config', badConfig, '--no-cache']);
    assert.equal(cfg.code, 3);
    assert.match(cfg.stderr, /bad\.toml.*root/);
    assert.equal(cfg.stderr.trim().split('\n').length, 1);
    const notRepo = bulwark(['gate', '--repo', tmp, '--base', 'main', '--no-cache']);
    assert.equal(notRepo.code, 3);
  });

  it('without --base uses the same default base as bulwark review (origin/master counts too)', () => {
    const only = new FixtureRepo(files);
    try {
      const head = only.branch('flagged', { 'app/pay.py': edit(files['app/pay.py']!, 'a * 2', 'a * 3') });
      only.git('update-ref', 'refs/remotes/origin/master', 'main');
      only.git('branch', '-q', '-m', 'main', 'trunk');
      const r = bulwark(['gate', '--repo', only.dir, '--head', head, '--no-cache']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout, /app\.pay\.settle/);
    } finally {
      only.remove();
    }
  });

  it('callgraph prints PyCG JSON with builtins and qualified names, skipping git-ignored files', () => {
    repo.write({ '.git/info/exclude': 'build/\n', 'build/copy.py': 'def copy():\n    return 1\n' });
    const r = bulwark(['callgraph', repo.dir, '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      'app.pay': [],
      'app.pay.banner': [],
      'app.pay.fee': [],
      'app.pay.settle': ['<builtin>.len', 'app.pay.fee'],
    });
  });

  it('callgraph --format json lists nodes with locations; --lang filters; bad flags exit 3', () => {
    const r = bulwark(['callgraph', repo.dir, '--format', 'json', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    const g = JSON.parse(r.stdout) as { nodes: { id: string; startLine: number; endLine: number; file: string }[] };
    assert.deepEqual(
      g.nodes.find((n) => n.id === 'app.pay.settle'),
      { id: 'app.pay.settle', kind: 'function', file: 'app/pay.py', startLine: 4, endLine: 5 },
    );
    assert.deepEqual(JSON.parse(bulwark(['callgraph', repo.dir, '--lang', 'go', '--no-cache']).stdout), {});
    assert.equal(bulwark(['callgraph', repo.dir, '--format', 'dot']).code, 3);
    assert.equal(bulwark(['callgraph', repo.dir, '--lang', 'cobol']).code, 3);
    assert.equal(bulwark(['callgraph', path.join(tmp, 'missing')]).code, 3);
  });
});
