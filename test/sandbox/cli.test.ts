/** `bulwark sandbox exec|doctor|policy` as real CLI processes (bin/bulwark.js). */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { openTempDir } from './launcher-harness.js';

const bin = path.join(packageRoot, 'bin', 'bulwark.js');
let root: string;

/** Async so several CLI processes do not serialize the test runner. */
function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

before(() => {
  root = openTempDir('cli');
});
after(() => {
  spawnSync('rm', ['-rf', root]);
});

describe('bulwark sandbox exec', () => {
  it('passes the exit code through and grants the flags', async () => {
    const data = path.join(root, 'data');
    const out = path.join(root, 'out');
    mkdirSync(data);
    mkdirSync(out);
    writeFileSync(path.join(data, 'in.txt'), 'hello\n', { mode: 0o644 });
    const r = await cli(['sandbox', 'exec', '--read', data, '--write', out, '--', '/bin/sh', '-c', `cat ${data}/in.txt > ${out}/copy.txt; exit 7`]);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(readFileSync(path.join(out, 'copy.txt'), 'utf8'), 'hello\n');
  });

  it('denies what the flags do not grant, and strips the environment except --env', async () => {
    const outside = path.join(root, 'outside.txt');
    writeFileSync(outside, 'secret', { mode: 0o644 });
    const env = { ...process.env, BULWARK_CLI_SECRET: 'nope', BULWARK_CLI_KEEP: 'kept' };
    const r = await cli(
      ['sandbox', 'exec', '--env', 'BULWARK_CLI_KEEP', '--', '/bin/sh', '-c', `cat ${outside}; echo "[$BULWARK_CLI_SECRET][$BULWARK_CLI_KEEP]"`],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[][kept]\n');
    assert.match(r.stderr, /Permission denied/);
  });

  it('a path that does not exist → exit 3 naming it', async () => {
    const r = await cli(['sandbox', 'exec', '--read', '/nonexistent/bulwark', '--', '/bin/true']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, 'bulwark: --read: path does not exist: /nonexistent/bulwark\n');
  });

  it('an unknown flag → exit 3', async () => {
    const r = await cli(['sandbox', 'exec', '--bogus', '--', '/bin/true']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  it('a bad timeout → exit 3', async () => {
    assert.equal((await cli(['sandbox', 'exec', '--timeout', '-1', '--', '/bin/true'])).code, 3);
  });

  it('--allow-endpoint is gone (exec has no channel and no egress broker): unknown option, exit 3', async () => {
    const r = await cli(['sandbox', 'exec', '--allow-endpoint', 'api.example.com:443', '--', '/bin/true']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /unknown option '--allow-endpoint'/);
    const help = await cli(['sandbox', 'exec', '--help']);
    assert.ok(!help.stdout.includes('allow-endpoint'), help.stdout);
  });

  it('a symlink inside a writable path used as a rule path → refused with exit 3', async () => {
    const scratch = path.join(root, 'scratch');
    mkdirSync(scratch);
    spawnSync('ln', ['-s', '/etc', path.join(scratch, 'etc-link')]);
    const r = await cli(['sandbox', 'exec', '--write', scratch, '--read', path.join(scratch, 'etc-link'), '--', '/bin/true']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /goes through symlink .*etc-link inside writable path/);
  });

  it('SIGTERM to bulwark is forwarded to the command (exit 128+15)', async () => {
    const child = spawn(process.execPath, [bin, 'sandbox', 'exec', '--', '/bin/sh', '-c', 'echo started; exec /bin/sleep 60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('close', r));
    assert.equal(code, 143);
  });

  it('--timeout kills the command (exit 137)', async () => {
    const r = await cli(['sandbox', 'exec', '--timeout', '1', '--', '/bin/sleep', '60']);
    assert.equal(r.code, 137);
    assert.match(r.stderr, /killed after the 1 s timeout/);
  });
});

describe('bulwark sandbox doctor', () => {
  it('--json reports every Linux layer enforced here, by probe', async () => {
    const r = await cli(['sandbox', 'doctor', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rep = JSON.parse(r.stdout) as { ok: boolean; landlockAbi: number; seccomp: boolean; checks: { layer: string; enforced: boolean }[] };
    assert.equal(rep.ok, true);
    assert.ok(rep.landlockAbi >= 6, `ABI ${rep.landlockAbi}`);
    assert.equal(rep.seccomp, true);
    const layers = rep.checks.map((c) => c.layer);
    for (const l of ['launcher', 'landlock', 'landlock-net', 'landlock-scope', 'seccomp', 'no_new_privs', 'rlimit', 'identity', 'env'])
      assert.ok(layers.includes(l), l);
    assert.ok(rep.checks.every((c) => c.enforced));
  });

  it('text output names the ABI and the result', async () => {
    const r = await cli(['sandbox', 'doctor']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /landlock ABI: \d/);
    assert.match(r.stdout, /result: every layer enforced/);
  });
});

describe('bulwark sandbox policy', () => {
  it('prints paths, denied syscalls, layers and the ABI', async () => {
    const r = await cli(['sandbox', 'policy', '--repo', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`${root}: read files`));
    assert.match(r.stdout, /Denied system calls:/);
    assert.match(r.stdout, /socket: EPERM/);
    assert.match(r.stdout, /\[enforced\] landlock:/);
    assert.match(r.stdout, /Landlock ABI \d/);
    assert.match(r.stdout, /\/proc \(and everything under it\)/);
  });

  it('--json carries the same content and applies the [sandbox] table', async () => {
    const repo = path.join(root, 'repo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'bulwark.toml'), '[sandbox]\ntimeout_seconds = 42\n[sandbox.limits]\ncpu_seconds = 17\n');
    const r = await cli(['sandbox', 'policy', '--json', '--repo', repo]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as { policy: { timeoutSeconds: number; limits: { cpuSeconds: number } }; syscalls: unknown[]; layers: unknown[] };
    assert.equal(d.policy.timeoutSeconds, 42);
    assert.equal(d.policy.limits.cpuSeconds, 17);
    assert.ok(d.syscalls.length > 5);
    assert.ok(d.layers.length >= 9);
  });

  it('a bad [sandbox] table → exit 3', async () => {
    const repo = path.join(root, 'badrepo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'bulwark.toml'), '[sandbox]\nbogus = 1\n');
    const r = await cli(['sandbox', 'policy', '--repo', repo]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
  });
});
