/**
 * Bad input reaches the real launcher (bypassing the TS checks) and the driver: each is refused
 * with one line naming the problem and a distinct status; nothing runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode, SandboxError, UsageError } from '../../src/domain/errors.js';
import { reportError } from '../../src/cli/main.js';
import { defaultLauncherPath, spawnSandboxed } from '../../src/sandbox/launcher.js';
import { runtimePolicy } from '../../src/sandbox/policy.js';
import { openTempDir } from './launcher-harness.js';

const launcher = defaultLauncherPath();
let root: string;
let marker: string;

before(() => {
  root = openTempDir('badinput');
  marker = path.join(root, 'ran');
});
after(() => {
  spawnSync('rm', ['-rf', root]);
});

/** Runs the launcher directly with a command that would leave a marker if it ever ran. */
function direct(args: string[]) {
  const r = spawnSync(launcher, [...args, '--', '/bin/sh', '-c', `echo > ${marker}`], { encoding: 'utf8' });
  const ran = spawnSync('test', ['-e', marker]).status === 0;
  return { status: r.status, stderr: r.stderr, ran };
}

const base = ['--exec', '/usr/bin', '--exec', '/usr/lib', '--ro', '/etc/ld.so.cache', '--rw', '/dev/null'];

describe('launcher refuses bad policies directly (status, one line, nothing runs)', () => {
  it('positive control: the same command runs with a valid policy', () => {
    const dir = path.join(root, 'ok');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const r = spawnSync(launcher, [...base, '--rw', dir, '--', '/bin/sh', '-c', `echo > ${dir}/ran`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(spawnSync('test', ['-e', path.join(dir, 'ran')]).status, 0);
  });

  it('a rule path that does not exist → status 101 naming it', () => {
    const r = direct([...base, '--ro', '/nonexistent/bulwark-path']);
    assert.equal(r.status, 101);
    assert.match(r.stderr, /^bulwark-sandbox: policy: read path \/nonexistent\/bulwark-path: No such file or directory\n$/);
    assert.equal(r.ran, false);
  });

  it('a rule path through a symlink inside a writable path → status 101', () => {
    const scratch = path.join(root, 'scratch');
    const target = path.join(root, 'elsewhere');
    mkdirSync(scratch);
    mkdirSync(target);
    symlinkSync(target, path.join(scratch, 'planted'));
    const r = direct([...base, '--rw', scratch, '--ro', path.join(scratch, 'planted')]);
    assert.equal(r.status, 101);
    assert.match(r.stderr, /goes through symlink .*planted inside writable path/);
    assert.equal(r.ran, false);
  });

  it('a write path overlapping an exec path → status 101', () => {
    const dir = path.join(root, 'both');
    mkdirSync(dir);
    const r = direct([...base, '--rw', dir, '--exec', root]);
    assert.equal(r.status, 101);
    assert.match(r.stderr, /write path .*both overlaps exec path/);
    assert.equal(r.ran, false);
  });

  it('/proc, / and /root are refused as rule paths → status 101', () => {
    for (const p of ['/proc/self', '/', '/root']) {
      const r = direct([...base, '--ro', p]);
      assert.equal(r.status, 101, p);
      assert.match(r.stderr, /would grant \/proc or \/root/);
      assert.equal(r.ran, false);
    }
  });

  it('a --deny path and anything under it is refused', () => {
    const secret = path.join(root, 'audit');
    mkdirSync(secret);
    const r = direct([...base, '--deny', secret, '--ro', root]);
    assert.equal(r.status, 101);
    assert.match(r.stderr, /would grant denied path/);
  });

  it('an unknown option → status 100; a bad number → 100; no command → 100', () => {
    assert.equal(direct(['--bogus', 'x']).status, 100);
    assert.match(direct(['--bogus', 'x']).stderr, /unknown option --bogus/);
    assert.equal(direct(['--rlimit-nofile', '12abc']).status, 100);
    const r = spawnSync(launcher, ['--ro', '/etc'], { encoding: 'utf8' });
    assert.equal(r.status, 100);
    assert.match(r.stderr, /no command given/);
  });

  it('uid 0 is refused when started as root → status 106 (as non-root the uid is kept)', () => {
    const r = direct([...base, '--uid', '0']);
    if (process.getuid!() === 0) {
      assert.equal(r.status, 106);
      assert.equal(r.ran, false);
    } else {
      assert.equal(r.status, 0, r.stderr);
    }
  });

  it('a kept fd that is not open → status 102', () => {
    const r = direct([...base, '--keep-fd', '77']);
    assert.equal(r.status, 102);
    assert.match(r.stderr, /kept fd 77 is not open/);
  });

  it('the report fd receives the same error as a machine-readable line', () => {
    const r = spawnSync(launcher, ['--report-fd', '3', ...base, '--ro', '/nonexistent/x', '--', '/bin/true'], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    assert.equal(r.status, 101);
    assert.match(String(r.output[3]), /^error policy read path \/nonexistent\/x: No such file or directory\n$/);
  });
});

describe('driver', () => {
  it('a missing launcher → SandboxError (exit 4) naming the path and `npm rebuild`', async () => {
    const missing = path.join(root, 'no-such-launcher');
    await assert.rejects(spawnSandboxed(runtimePolicy(), '/bin/true', [], { launcher: missing }), (e: unknown) => {
      assert.ok(e instanceof SandboxError);
      assert.match(e.message, /is missing: .*no-such-launcher; build it with `npm rebuild`/);
      assert.equal(reportError(e), ExitCode.Sandbox);
      return true;
    });
  });

  it('a launcher that is not executable → exit 4 with the fix', async () => {
    const copy = path.join(root, 'not-exec-launcher');
    copyFileSync(launcher, copy);
    chmodSync(copy, 0o644);
    await assert.rejects(spawnSandboxed(runtimePolicy(), '/bin/true', [], { launcher: copy }), (e: unknown) => {
      assert.ok(e instanceof SandboxError);
      assert.match(e.message, /is not executable: .*npm rebuild/);
      return true;
    });
  });

  it('a policy path that does not exist → UsageError (exit 3) before anything starts', async () => {
    await assert.rejects(spawnSandboxed(runtimePolicy({ readPaths: [path.join(root, 'missing')] }), '/bin/true', []), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /read path does not exist: .*missing/);
      return true;
    });
  });

  it('a command outside the exec paths is refused by Landlock at execve → SandboxError (exit 4)', async () => {
    const tools = path.join(root, 'tools');
    mkdirSync(tools);
    chmodSync(tools, 0o755);
    const tool = path.join(tools, 'tool');
    copyFileSync('/bin/true', tool);
    chmodSync(tool, 0o755);
    await assert.rejects(spawnSandboxed(runtimePolicy({ readPaths: [tools] }), tool, []), (e: unknown) => {
      assert.ok(e instanceof SandboxError, String(e));
      assert.match(e.message, /could not be started .*tool: Permission denied/);
      return true;
    });
    // Positive control: granted as exec, it runs.
    const sp = await spawnSandboxed(runtimePolicy({ execPaths: [tools] }), tool, [], { stdio: 'ignore' });
    assert.equal(await new Promise((r) => sp.child.once('exit', r)), 0);
  });

  it('a refusal inside the launcher surfaces as a rejected promise (SandboxError, exit 4), not a running child', async () => {
    // fd 3 is 'ignore' in the parent's stdio but asked to be kept: only the launcher can notice.
    await assert.rejects(
      spawnSandboxed(runtimePolicy(), '/bin/sh', ['-c', `echo > ${marker}`], { stdio: ['ignore', 'ignore', 'ignore', 'ignore'], keepFds: [3] }),
      (e: unknown) => {
        assert.ok(e instanceof SandboxError, String(e));
        assert.match(e.message, /fds cannot be enforced: kept fd 3 is not open/);
        return true;
      },
    );
    assert.equal(spawnSync('test', ['-e', marker]).status, 1, 'the command ran');
  });
});
