/**
 * BULWARK_LANDLOCK_ABI_MAX and the namespaces that stand in for what a Landlock ABI lacks, through
 * the real launcher: the variable only lowers the ABI and bad values are refused; below ABI 6 the
 * command runs in a PID namespace behind a waiting launcher that ends as the command does; without
 * Landlock only the policy's paths exist; with it, metadata of unlisted paths stays visible (the
 * Landlock limit the docs state).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launcherInfo } from '../../src/sandbox/doctor.js';
import { defaultLauncherPath } from '../../src/sandbox/launcher.js';
import { runtimePolicy, type SandboxPolicy } from '../../src/sandbox/policy.js';
import { openTempDir, runNode, runSandboxed } from './launcher-harness.js';

const launcher = defaultLauncherPath();
const kernelAbi = launcherInfo().landlockAbiKernel;
let root: string;
let outside: string;
let policy: SandboxPolicy;

before(() => {
  root = openTempDir('abi');
  outside = path.join(root, 'outside.txt');
  writeFileSync(outside, 'not in the policy', { mode: 0o644 });
  const workspace = openTempDir('abi-ws');
  policy = runtimePolicy({ readPaths: [workspace], timeoutSeconds: 30 });
});
after(() => {
  spawnSync('rm', ['-rf', root]);
});

/** Runs `fn` with BULWARK_LANDLOCK_ABI_MAX set (the driver passes it to the launcher). */
async function withAbi<T>(value: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.BULWARK_LANDLOCK_ABI_MAX;
  process.env.BULWARK_LANDLOCK_ABI_MAX = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.BULWARK_LANDLOCK_ABI_MAX;
    else process.env.BULWARK_LANDLOCK_ABI_MAX = before;
  }
}

function info(env: string | undefined) {
  const r = spawnSync(launcher, ['--info'], { encoding: 'utf8', env: env === undefined ? {} : { BULWARK_LANDLOCK_ABI_MAX: env } });
  return {
    status: r.status,
    stderr: r.stderr,
    json: r.status === 0 ? (JSON.parse(r.stdout) as { landlockAbi: number; landlockAbiKernel: number }) : undefined,
  };
}

describe('BULWARK_LANDLOCK_ABI_MAX', () => {
  it('lowers the ABI in use, never raises it', () => {
    assert.equal(info(undefined).json?.landlockAbi, kernelAbi);
    assert.equal(info('3').json?.landlockAbi, Math.min(3, kernelAbi));
    assert.equal(info('0').json?.landlockAbi, 0);
    assert.equal(info('999').json?.landlockAbi, kernelAbi);
    assert.equal(info('999').json?.landlockAbiKernel, kernelAbi);
  });

  for (const bad of ['', 'x', '-1', '2.5', '3 ']) {
    it(`refuses ${JSON.stringify(bad)} with status 100 naming the variable, and runs nothing`, async () => {
      const r = info(bad);
      assert.equal(r.status, 100, r.stderr);
      assert.match(r.stderr, /BULWARK_LANDLOCK_ABI_MAX expects a number/);
      await withAbi(bad, async () => {
        await assert.rejects(runSandboxed(policy, '/bin/true', []), /BULWARK_LANDLOCK_ABI_MAX/);
      });
    });
  }

  it('is not passed on to the command', async () => {
    const r = await withAbi('5', () => runNode(policy, 'console.log(JSON.stringify({ v: process.env.BULWARK_LANDLOCK_ABI_MAX ?? null }))'));
    assert.deepEqual(r.json, { v: null });
  });
});

describe('below ABI 6: the command is PID 1 of its own namespace behind a waiting launcher', () => {
  it('its exit status and its death by signal reach the caller unchanged', async () => {
    await withAbi('5', async () => {
      const exited = await runSandboxed(policy, '/bin/sh', ['-c', 'echo $$; exit 7']);
      assert.equal(exited.code, 7, exited.stderr);
      assert.equal(exited.stdout, '1\n', 'the command is PID 1 of a new PID namespace');
      // A fault (PID 1 ignores signals it has no handler for, but not a fault's).
      const killed = await runSandboxed(policy, '/usr/bin/python3', ['-I', '-c', 'import ctypes; ctypes.string_at(0)']);
      assert.equal(killed.signal, 'SIGSEGV', JSON.stringify(killed));
    });
  });

  it('at the real ABI there is no PID namespace', async () => {
    if (kernelAbi < 6) return;
    const r = await runSandboxed(policy, '/bin/sh', ['-c', 'echo $$']);
    assert.notEqual(r.stdout, '1\n');
  });
});

describe('metadata of unlisted paths', () => {
  const probe = `const fs = require('fs'); const out = {};
    for (const [k, f] of [['stat', () => fs.statSync(process.argv[1]).size], ['read', () => fs.readFileSync(process.argv[1], 'utf8')]])
      try { out[k] = f(); } catch (e) { out[k] = e.code; }
    console.log(JSON.stringify(out));`;

  it('with Landlock, stat of an unlisted file works while reading it is denied (the Landlock limit)', async () => {
    const r = await runSandboxed(policy, process.execPath, ['-e', probe, outside]);
    assert.deepEqual(JSON.parse(r.stdout), { stat: 'not in the policy'.length, read: 'EACCES' });
  });

  it('without Landlock (empty root), the unlisted file does not exist at all', async () => {
    const r = await withAbi('0', () => runSandboxed(policy, process.execPath, ['-e', probe, outside]));
    assert.deepEqual(JSON.parse(r.stdout), { stat: 'ENOENT', read: 'ENOENT' });
  });
});
