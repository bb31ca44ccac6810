/**
 * Process lifecycle under the real launcher: kept and closed fds, timeout, parent death, the whole
 * process group going away with the command, and the report of a launcher that refuses to run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnSandboxed } from '../../src/sandbox/launcher.js';
import { runtimePolicy, type SandboxPolicy } from '../../src/sandbox/policy.js';
import { openTempDir, runNode, runSandboxed } from './launcher-harness.js';

let root: string;
let scratch: string;
let policy: SandboxPolicy;

before(() => {
  root = openTempDir('lifecycle');
  scratch = path.join(root, 'scratch');
  mkdirSync(scratch);
  policy = runtimePolicy({ writePaths: [scratch] });
});
after(() => {
  spawnSync('rm', ['-rf', root]);
});

/** Alive and not a zombie (a container's pid 1 may not reap orphans promptly). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe('file descriptors', () => {
  it('keeps the channel fd (a working socket) and closes every other inherited fd', async () => {
    const extraFile = path.join(root, 'extra.txt');
    writeFileSync(extraFile, 'x');
    const fd = openSync(extraFile, 'r');
    const { ino } = fstatSync(fd);
    try {
      const sp = await spawnSandboxed(
        policy,
        process.execPath,
        [
          '-e',
          `const net = require('net'); const fs = require('fs');
           const inodes = []; for (let i = 0; i < 256; i++) { try { inodes.push(fs.fstatSync(i).ino); } catch {} }
           const s = new net.Socket({ fd: 3, readable: true, writable: true });
           s.end(JSON.stringify({ inodes }) + '\\n');`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe', 'pipe', fd], keepFds: [3] },
      );
      const channel = sp.child.stdio[3] as net.Socket;
      let got = '';
      channel.on('data', (c: Buffer) => (got += c.toString()));
      const code = await new Promise((r) => sp.child.once('close', r));
      assert.equal(code, 0);
      // fd 3 answered over the socket; the extra file (stdio[4]) must not be open under any number.
      const inodes = (JSON.parse(got) as { inodes: number[] }).inodes;
      assert.ok(inodes.length >= 4);
      assert.ok(!inodes.includes(ino), 'the extra fd leaked into the sandbox');
    } finally {
      closeSync(fd);
    }
  });

  it('without keepFds every extra stdio entry is kept (positive control for the test above)', async () => {
    const fd = openSync(path.join(root, 'extra.txt'), 'r');
    try {
      const r = await runNode(policy, `console.log(JSON.stringify({ text: require('fs').readFileSync(3, 'utf8') }))`, {
        stdio: ['ignore', 'pipe', 'pipe', fd],
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json?.text, 'x');
    } finally {
      closeSync(fd);
    }
  });
});

describe('time and parent', () => {
  it('the timeout kills the command with SIGKILL', async () => {
    const p = { ...policy, timeoutSeconds: 1 };
    const r = await runSandboxed(p, process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.timedOut, true);
  });

  it('background processes die with the command (setsid/setpgid denied, group killed)', async () => {
    const r = await runSandboxed(policy, '/bin/sh', ['-c', 'sleep 300 </dev/null >/dev/null 2>&1 & echo $!; setsid true 2>/dev/null; echo setsid=$?']);
    assert.equal(r.code, 0, r.stderr);
    const [bg, setsid] = r.stdout.trim().split('\n');
    assert.match(setsid!, /^setsid=[1-9]/);
    const pid = Number(bg);
    assert.ok(pid > 0);
    assert.ok(await waitUntil(() => !isRunning(pid), 30_000), `background pid ${pid} survived the sandbox`);
  });

  it('when the parent exits (process.exit) while a sandbox runs, its background processes go too', async () => {
    const pidFile = path.join(root, 'bg-pid.txt');
    const driver = `
      import { spawnSandboxed } from ${JSON.stringify(new URL('../../src/sandbox/launcher.js', import.meta.url).href)};
      import { runtimePolicy } from ${JSON.stringify(new URL('../../src/sandbox/policy.js', import.meta.url).href)};
      import { writeFileSync } from 'node:fs';
      const sp = await spawnSandboxed(runtimePolicy({ writePaths: [${JSON.stringify(scratch)}] }), '/bin/sh',
        ['-c', 'sleep 300 </dev/null >/dev/null 2>&1 & echo $!; sleep 300'], { stdio: ['ignore', 'pipe', 'ignore'] });
      sp.child.stdout.once('data', (d) => { writeFileSync(${JSON.stringify(pidFile)}, String(d).trim()); process.exit(0); });`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', driver], { stdio: 'ignore' });
    try {
      const code = await new Promise((r) => parent.once('exit', r));
      assert.equal(code, 0);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(pid > 0);
      assert.ok(await waitUntil(() => !isRunning(pid), 30_000), `background pid ${pid} outlived the parent`);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('when the parent is SIGKILLed, what the sandbox started in the background dies too (reaper)', async () => {
    const pidFile = path.join(root, 'bg-pid-kill.txt');
    const driver = `
      import { spawnSandboxed } from ${JSON.stringify(new URL('../../src/sandbox/launcher.js', import.meta.url).href)};
      import { runtimePolicy } from ${JSON.stringify(new URL('../../src/sandbox/policy.js', import.meta.url).href)};
      import { writeFileSync } from 'node:fs';
      const sp = await spawnSandboxed(runtimePolicy({ writePaths: [${JSON.stringify(scratch)}] }), '/bin/sh',
        ['-c', 'sleep 300 </dev/null >/dev/null 2>&1 & echo $!; sleep 300'], { stdio: ['ignore', 'pipe', 'ignore'] });
      sp.child.stdout.once('data', (d) => writeFileSync(${JSON.stringify(pidFile)}, String(d).trim()));
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', driver], { stdio: 'ignore' });
    try {
      assert.ok(
        await waitUntil(() => {
          try {
            return readFileSync(pidFile, 'utf8').length > 0;
          } catch {
            return false;
          }
        }, 60_000),
        'sandbox did not start',
      );
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(isRunning(pid));
      parent.kill('SIGKILL');
      assert.ok(await waitUntil(() => !isRunning(pid), 30_000), `background pid ${pid} outlived a SIGKILLed parent`);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('the command dies when its parent dies (PDEATHSIG)', async () => {
    const pidFile = path.join(root, 'pid.txt');
    // An intermediate Node process is the parent: it starts the sandboxed sleeper, then we kill it.
    const driver = `
      import { spawnSandboxed } from ${JSON.stringify(new URL('../../src/sandbox/launcher.js', import.meta.url).href)};
      import { runtimePolicy } from ${JSON.stringify(new URL('../../src/sandbox/policy.js', import.meta.url).href)};
      import { writeFileSync } from 'node:fs';
      const sp = await spawnSandboxed(runtimePolicy({ writePaths: [${JSON.stringify(scratch)}] }), '/bin/sleep', ['300'], { stdio: 'ignore' });
      writeFileSync(${JSON.stringify(pidFile)}, String(sp.child.pid));
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', driver], { stdio: 'ignore' });
    try {
      assert.ok(
        await waitUntil(() => {
          try {
            return readFileSync(pidFile, 'utf8').length > 0;
          } catch {
            return false;
          }
        }, 60_000),
        'sandboxed child did not start',
      );
      const pid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(isRunning(pid));
      parent.kill('SIGKILL');
      assert.ok(await waitUntil(() => !isRunning(pid), 30_000), `sandboxed pid ${pid} outlived its parent`);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
