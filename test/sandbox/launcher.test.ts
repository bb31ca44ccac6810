/**
 * The real launcher, real processes: positive controls and the denials each layer promises.
 * Never skipped: a missing launcher or an unenforceable layer fails these tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launcherInfo } from '../../src/sandbox/doctor.js';
import { defaultLauncherPath } from '../../src/sandbox/launcher.js';
import { runtimePolicy, type SandboxPolicy } from '../../src/sandbox/policy.js';
import { openTempDir, runNode, runSandboxed } from './launcher-harness.js';

const launcher = defaultLauncherPath();
let root: string;
let readable: string;
let outside: string;
let scratch: string;
let policy: SandboxPolicy;

before(() => {
  root = openTempDir('launcher');
  readable = path.join(root, 'readable');
  outside = path.join(root, 'outside');
  scratch = path.join(root, 'scratch');
  for (const d of [readable, outside, scratch]) {
    mkdirSync(d);
    chmodSync(d, 0o755);
  }
  writeFileSync(path.join(readable, 'allowed.txt'), 'allowed contents\n', { mode: 0o644 });
  writeFileSync(path.join(outside, 'secret.txt'), 'outside the policy\n', { mode: 0o644 });
  policy = runtimePolicy({ readPaths: [readable], writePaths: [scratch] });
});

after(() => {
  spawnSync('rm', ['-rf', root]);
});

describe('launcher binary', () => {
  it('is built and reports Landlock ABI >= 3 and seccomp on this kernel', () => {
    const r = spawnSync(launcher, ['--info'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `launcher --info failed (${launcher}): ${r.error?.message ?? r.stderr}`);
    const info = JSON.parse(r.stdout) as { landlockAbi: number; seccomp: boolean; arch: string };
    assert.ok(info.landlockAbi >= 3, `Landlock ABI ${info.landlockAbi}`);
    assert.equal(info.seccomp, true);
    assert.notEqual(info.arch, 'unsupported');
  });
});

describe('positive controls', () => {
  it('node runs and prints', async () => {
    const r = await runNode(policy, 'console.log(JSON.stringify({ ok: 1 + 1 }))');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, { ok: 2 });
    assert.deepEqual(r.degraded, []);
  });

  it('an allowed file is readable and the scratch dir is writable', async () => {
    const src = `const fs = require('fs');
      const text = fs.readFileSync(${JSON.stringify(path.join(readable, 'allowed.txt'))}, 'utf8');
      fs.mkdirSync(${JSON.stringify(path.join(scratch, 'sub'))});
      fs.writeFileSync(${JSON.stringify(path.join(scratch, 'sub', 'out.txt'))}, 'written');
      fs.renameSync(${JSON.stringify(path.join(scratch, 'sub', 'out.txt'))}, ${JSON.stringify(path.join(scratch, 'moved.txt'))});
      console.log(JSON.stringify({ text }));`;
    const r = await runNode(policy, src);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json?.text, 'allowed contents\n');
    assert.equal(readFileSync(path.join(scratch, 'moved.txt'), 'utf8'), 'written');
  });

  it('a shell runs and can start child processes (AF_UNIX socketpair and plain clone allowed)', async () => {
    const r = await runNode(
      policy,
      `const out = require('child_process').execFileSync('/bin/sh', ['-c', 'echo child-ran'], { encoding: 'utf8' });
       console.log(JSON.stringify({ out }));`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json?.out, 'child-ran\n');
  });

  it('passes the command exit code through', async () => {
    const r = await runSandboxed(policy, '/bin/sh', ['-c', 'exit 42']);
    assert.equal(r.code, 42);
  });
});

describe('denials', () => {
  it('a world-readable file outside the policy fails with EACCES (Landlock, not permissions)', async () => {
    const file = path.join(outside, 'secret.txt');
    const r = await runNode(
      policy,
      `let res; try { require('fs').readFileSync(${JSON.stringify(file)}); res = 'READ'; } catch (e) { res = e.code; }
       let dir; try { require('fs').readdirSync(${JSON.stringify(root)}); dir = 'LISTED'; } catch (e) { dir = e.code; }
       console.log(JSON.stringify({ res, dir }));`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, { res: 'EACCES', dir: 'EACCES' });
  });

  it('writing outside the scratch dir fails with EACCES, into a read-only dir with EROFS where it is a read-only bind mount', async () => {
    const r = await runNode(
      policy,
      `const fs = require('fs'); const out = {};
       for (const [k, f] of [['outside', ${JSON.stringify(path.join(outside, 'new.txt'))}], ['readonly', ${JSON.stringify(path.join(readable, 'new.txt'))}], ['tmp', '/tmp/bulwark-escape.txt']]) {
         try { fs.writeFileSync(f, 'x'); out[k] = 'WROTE'; } catch (e) { out[k] = e.code; }
       }
       console.log(JSON.stringify(out));`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, { outside: 'EACCES', readonly: launcherInfo().namespaces ? 'EROFS' : 'EACCES', tmp: 'EACCES' });
  });

  it('creating any socket fails with EPERM (TCP listen, UDP bind)', async () => {
    const r = await runNode(
      policy,
      `const net = require('net'); const dgram = require('dgram');
       const tcp = new Promise((res) => { const s = net.createServer(); s.on('error', (e) => res(e.code)); s.listen(0, '127.0.0.1', () => res('LISTENING')); });
       const udp = new Promise((res) => { const s = dgram.createSocket('udp4'); s.on('error', (e) => res(e.code)); s.bind(0, '127.0.0.1', () => res('BOUND')); });
       Promise.all([tcp, udp]).then(([t, u]) => { console.log(JSON.stringify({ t, u })); process.exit(0); });`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, { t: 'EPERM', u: 'EPERM' });
  });

  it('runs as a uid/gid of its own from the range, with no supplementary groups; a fixed uid when one is given', async () => {
    const ids = 'console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), euid: process.geteuid(), groups: process.getgroups() }))';
    const r = await runNode(policy, ids);
    assert.equal(r.code, 0, r.stderr);
    const fixed = await runNode({ ...policy, uid: 65534, gid: 65534, uidRange: undefined }, ids);
    assert.equal(fixed.code, 0, fixed.stderr);
    // Node always lists the effective gid in getgroups(); root's groups (0, ...) must be gone.
    if (process.getuid!() === 0) {
      const own = r.json?.uid as number;
      assert.ok(own >= policy.uidRange!.first && own <= policy.uidRange!.last, String(own));
      assert.deepEqual(r.json, { uid: own, gid: own, euid: own, groups: [own] });
      assert.deepEqual(fixed.json, { uid: 65534, gid: 65534, euid: 65534, groups: [65534] });
    } else {
      assert.equal(r.json?.uid, process.getuid!());
      assert.equal(fixed.json?.uid, process.getuid!());
    }
  });

  it('the environment holds only the allowlist and the explicit settings', async () => {
    process.env.BULWARK_TEST_SECRET = 'sk-should-never-leak';
    process.env.BULWARK_TEST_ALLOWED = 'visible';
    try {
      const p = runtimePolicy({ readPaths: [readable], writePaths: [scratch], envAllow: ['BULWARK_TEST_ALLOWED'], env: { EXTRA: '1' } });
      const r = await runNode(p, 'console.log(JSON.stringify(process.env))');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.json, { BULWARK_TEST_ALLOWED: 'visible', PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', EXTRA: '1' });
    } finally {
      delete process.env.BULWARK_TEST_SECRET;
      delete process.env.BULWARK_TEST_ALLOWED;
    }
  });

  it('rlimits are applied: no core dumps, open files, processes, file size, CPU time', async () => {
    const p = runtimePolicy({
      readPaths: [readable],
      writePaths: [scratch],
      limits: { openFiles: 77, processes: 99, fileSizeBytes: 1024 * 1024, cpuSeconds: 33 },
    });
    // dash's ulimit: -c core, -n nofile, -p processes, -f 512-byte blocks, -t seconds
    const r = await runSandboxed(p, '/bin/sh', ['-c', 'echo $(ulimit -c) $(ulimit -n) $(ulimit -p) $(ulimit -f) $(ulimit -t)']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0 77 99 2048 33');
  });

  it('writing past the file-size limit fails (EFBIG / SIGXFSZ), scratch or not', async () => {
    const p = runtimePolicy({ readPaths: [readable], writePaths: [scratch], limits: { ...policy.limits, fileSizeBytes: 4096 } });
    const r = await runNode(
      p,
      `process.on('SIGXFSZ', () => {});
       let res; try { require('fs').writeFileSync(${JSON.stringify(path.join(scratch, 'big.bin'))}, Buffer.alloc(8192)); res = 'WROTE'; } catch (e) { res = e.code; }
       console.log(JSON.stringify({ res }));`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json?.res, 'EFBIG');
  });

  it('executing a file dropped in the scratch dir fails with EACCES', async () => {
    const r = await runNode(
      policy,
      `const fs = require('fs'); const f = ${JSON.stringify(path.join(scratch, 'dropped.sh'))};
       fs.copyFileSync('/bin/true', f); fs.chmodSync(f, 0o755);
       let res; try { require('child_process').execFileSync(f); res = 'RAN'; } catch (e) { res = e.code; }
       console.log(JSON.stringify({ res }));`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json?.res, 'EACCES');
  });

  it('no executable in-memory file: memfd_create fails with EPERM (python3 as the attacker)', async () => {
    const src = [
      'import os',
      'try:',
      '    fd = os.memfd_create("x", 0)',
      '    os.write(fd, open("/bin/true", "rb").read())',
      '    os.execve(fd, ["x"], {})',
      'except OSError as e:',
      '    print("denied", e.errno)',
    ].join('\n');
    const r = await runSandboxed(policy, '/usr/bin/python3', ['-c', src]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'denied 1\n');
  });

  it('a symlink planted in the scratch dir does not reach outside files', async () => {
    const link = path.join(scratch, 'link-to-secret');
    symlinkSync(path.join(outside, 'secret.txt'), link);
    const r = await runNode(
      policy,
      `let res; try { require('fs').readFileSync(${JSON.stringify(link)}); res = 'READ'; } catch (e) { res = e.code; } console.log(JSON.stringify({ res }));`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json?.res, 'EACCES');
  });

  it('/proc is not granted: reading /proc/self/status fails with EACCES', async () => {
    const r = await runNode(
      policy,
      `let res; try { require('fs').readFileSync('/proc/self/status'); res = 'READ'; } catch (e) { res = e.code; } console.log(JSON.stringify({ res }));`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json?.res, 'EACCES');
  });
});
