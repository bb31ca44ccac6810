/**
 * Workers attacking each other, under the real launcher (build/Release/bulwark-sandbox): a fork bomb
 * next to a second worker's start, SysV IPC across two workers and past the sandbox's end, renice /
 * setpriority / sched_setaffinity / ioprio_set of another worker's process, chmod / utimensat /
 * setxattr of another worker's scratch dir. Each attack also runs as it did before workers had a
 * uid of their own (two workers sharing one fixed uid) or unconfined, where it must get through:
 * that is what proves each test can fail. The uid attacks need root (as any other user every worker
 * shares the caller's uid, which docs/sandbox.md states); they are skipped, saying so, otherwise.
 * The battery-abi*.test.ts wrappers run it again with the launcher limited to an older Landlock ABI
 * (BULWARK_LANDLOCK_ABI_MAX): below ABI 6 a PID namespace also hides the other worker (ESRCH), and
 * without Landlock the empty root holds neither /proc nor the other worker's scratch (ENOENT), so
 * the shared-uid controls, which need the other worker visible, run only at the real ABI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { launcherInfo } from '../../../src/sandbox/doctor.js';
import { spawnSandboxed, type SandboxedProcess } from '../../../src/sandbox/launcher.js';
import { runtimePolicy, type PolicyInput } from '../../../src/sandbox/policy.js';
import { DEFAULT_UID_RANGE } from '../../../src/sandbox/uid-range.js';

const isRoot = process.getuid?.() === 0;
const needsRoot = isRoot ? false : 'needs root: as another user every worker shares the caller uid (docs/sandbox.md, "What workers share")';
const PYTHON = '/usr/bin/python3';
/** Set by the battery-abi*.test.ts wrappers; unset: the kernel's ABI. */
const forcedAbi = process.env.BULWARK_LANDLOCK_ABI_MAX;
const abiInUse = launcherInfo().landlockAbi;
const pidNamespace = abiInUse < 6;
const emptyRoot = abiInUse === 0;
const modeName = forcedAbi === undefined ? `real ABI ${abiInUse}` : `forced ABI ${abiInUse}`;
/** Whether the forced mode hides one worker from another (PID namespace, empty root): its shared-uid control then runs at the real ABI only. */
const hiddenHere = (hidden: boolean): boolean => hidden && forcedAbi !== undefined;
/** How the workers ran before each had its own: one fixed uid for all (outside the default range). */
const SHARED_UID = 61000 + (process.pid % 4000);
const shared: PolicyInput = { uid: SHARED_UID, gid: SHARED_UID };

const live: SandboxedProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const p of live) p.kill();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Started {
  sp: SandboxedProcess;
  /** Resolves with the first stdout line matching `re`. */
  line(re: RegExp): Promise<string>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

async function start(input: PolicyInput, command: string, args: string[]): Promise<Started> {
  const sp = await spawnSandboxed(runtimePolicy({ timeoutSeconds: 60, ...input }), command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.push(sp);
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  sp.child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    for (const w of [...waiters]) {
      const m = stdout.split('\n').find((l) => w.re.test(l));
      if (m !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  sp.child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    sp.child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const line = (re: RegExp) =>
    Promise.race([
      new Promise<string>((resolve) => {
        const m = stdout.split('\n').find((l) => re.test(l));
        if (m !== undefined) resolve(m);
        else waiters.push({ re, resolve });
      }),
      done.then((d) => {
        throw new Error(`the worker ended (${d.signal ?? d.code}) before printing ${re}: ${d.stdout} ${d.stderr}`);
      }),
    ]);
  return { sp, line, done };
}

// ---------------------------------------------------------------------------------------------
// Attack programs (Python with ctypes: the raw system calls Node does not offer)
// ---------------------------------------------------------------------------------------------
const PY_PRELUDE = String.raw`
import ctypes, os, sys, time, errno as E, json
libc = ctypes.CDLL(None, use_errno=True)
def call(f, *a):
    r = f(*a)
    return 'OK' if r != -1 else E.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
`;

/** Forks sleepers until the process limit bites, says so, then waits. */
const FORK_BOMB = String.raw`
import os, sys, time
n = 0
while True:
    try:
        pid = os.fork()
    except OSError as e:
        print('saturated', n, e.errno, flush=True)
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    n += 1
time.sleep(120)
`;

/** argv: create|open KEY. Tries the three SysV kinds; prints one JSON line, then waits (create) or exits. */
const SYSV =
  PY_PRELUDE +
  String.raw`
mode, key = sys.argv[1], int(sys.argv[2])
flags = (0o1000 | 0o666) if mode == 'create' else 0o666   # IPC_CREAT
size = 256 * 1024 * 1024 if mode == 'create' else 0
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
r = {'shm': call(libc.shmget, key, size, flags), 'msg': call(libc.msgget, key + 1, flags), 'sem': call(libc.semget, key + 2, 1 if mode == 'create' else 0, flags)}
print(json.dumps(r), flush=True)
if mode == 'create':
    time.sleep(60)
`;

/** argv: PID. Tries to lower the other process's priority, move it to one CPU, change its I/O class. */
const RENICE =
  PY_PRELUDE +
  String.raw`
pid = int(sys.argv[1])
mask = (ctypes.c_ulong * 16)()
mask[0] = 1
SYS_ioprio_set = {'x86_64': 251, 'aarch64': 30}[os.uname().machine]
r = {
  'setpriority': call(libc.setpriority, 0, pid, 19),
  'sched_setaffinity': call(libc.sched_setaffinity, pid, ctypes.sizeof(mask), mask),
  'ioprio_set': call(libc.syscall, SYS_ioprio_set, 1, pid, (3 << 13)),
}
print(json.dumps(r), flush=True)
`;

/** argv: DIR. chmod, utimensat (explicit times and "now") and setxattr on another worker's dir. */
const TOUCH_OTHER =
  PY_PRELUDE +
  String.raw`
d = sys.argv[1].encode()
def osf(f):
    try:
        f(); return 'OK'
    except OSError as e:
        return E.errorcode.get(e.errno, str(e.errno))
r = {
  'chmod': osf(lambda: os.chmod(d, 0o777)),
  'utimensat': osf(lambda: os.utime(d, (0, 0))),
  'utimensat_now': osf(lambda: os.utime(d, None)),
  'setxattr': osf(lambda: os.setxattr(d, b'user.bulwark', b'x')),
}
print(json.dumps(r), flush=True)
`;

function processesOf(uid: number): number {
  let n = 0;
  for (const pid of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))) n++;
    } catch {
      // gone
    }
  }
  return n;
}

function sysvKeys(): Set<number> {
  const keys = new Set<number>();
  for (const f of ['shm', 'msg', 'sem']) {
    const lines = fs.readFileSync(`/proc/sysvipc/${f}`, 'utf8').trim().split('\n').slice(1);
    for (const l of lines) keys.add(Number(l.trim().split(/\s+/)[0]));
  }
  return keys;
}

function scratchFor(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-iso-scratch-'));
  dirs.push(d);
  return d;
}

/** Worker A's fork bomb, then worker B's start; returns what B printed and how it ended. */
async function forkBombThenStart(a: PolicyInput, b: PolicyInput): Promise<{ started: boolean; detail: string }> {
  const limits = { processes: 64 };
  const bomb = await start({ ...a, limits }, PYTHON, ['-c', FORK_BOMB]);
  await bomb.line(/^saturated/);
  let started = false;
  let detail = '';
  try {
    const second = await start({ ...b, limits }, process.execPath, ['-e', 'console.log("started")']);
    const r = await second.done;
    started = r.code === 0 && r.stdout.includes('started');
    detail = `${r.code ?? r.signal}: ${r.stderr.trim().split('\n')[0] ?? ''}`;
  } catch (e) {
    detail = (e as Error).message;
  } finally {
    bomb.sp.kill();
    await bomb.done;
  }
  return { started, detail };
}

describe(`workers are isolated from each other (real launcher, ${modeName})`, { timeout: 300_000 }, () => {
  it('each concurrent worker runs as a uid/gid of its own from the range, its scratch 0700 and owned by it', { skip: needsRoot }, async () => {
    const scratch = [scratchFor(), scratchFor()];
    const probe =
      'const fs=require("fs");const s=fs.statSync(process.argv[1]);console.log(JSON.stringify({uid:process.getuid(),gid:process.getgid(),owner:s.uid,mode:s.mode&0o777}))';
    const ws = await Promise.all(scratch.map((d) => start({ writePaths: [d] }, process.execPath, ['-e', probe, d])));
    const out = (await Promise.all(ws.map((w) => w.done))).map((r) => JSON.parse(r.stdout) as { uid: number; gid: number; owner: number; mode: number });
    assert.notEqual(out[0]!.uid, out[1]!.uid);
    for (const o of out) {
      assert.ok(o.uid >= DEFAULT_UID_RANGE.first && o.uid <= DEFAULT_UID_RANGE.last, JSON.stringify(o));
      assert.equal(o.gid, o.uid);
      assert.equal(o.owner, o.uid, 'scratch owned by its worker');
      assert.equal(o.mode, 0o700);
    }
  });

  it('a fork bomb in one worker does not stop a second worker from starting', { skip: needsRoot }, async () => {
    const r = await forkBombThenStart({}, {});
    assert.ok(r.started, `the second worker did not start: ${r.detail}`);
  });

  it('control: with one uid shared by both workers, the fork bomb stops the second worker', { skip: needsRoot }, async () => {
    const r = await forkBombThenStart(shared, shared);
    assert.equal(r.started, false, 'the second worker started although the uid was saturated');
    // the bomb's group was killed: its processes go within moments
    for (let i = 0; i < 100 && processesOf(SHARED_UID) > 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(processesOf(SHARED_UID), 0, 'nothing of the shared uid is left');
  });

  it('SysV shm/msg/sem: a worker cannot create a segment, a concurrent worker sees none, nothing outlives the sandbox', async () => {
    const key = 0x4b000000 + (process.pid % 0xffff) * 4;
    const before = sysvKeys();
    const a = await start({}, PYTHON, ['-c', SYSV, 'create', String(key)]);
    const made = JSON.parse(await a.line(/^\{/)) as Record<string, string>;
    assert.deepEqual(made, { shm: 'EPERM', msg: 'EPERM', sem: 'EPERM' });
    const b = await start({}, PYTHON, ['-c', SYSV, 'open', String(key)]);
    const seen = JSON.parse(await b.line(/^\{/)) as Record<string, string>;
    assert.deepEqual(seen, { shm: 'EPERM', msg: 'EPERM', sem: 'EPERM' });
    a.sp.kill();
    await Promise.all([a.done, b.done]);
    for (const k of [key, key + 1, key + 2]) assert.ok(!sysvKeys().has(k) || before.has(k), `key ${k} outlived the sandbox`);
  });

  it('as root the worker also has a private IPC namespace', { skip: needsRoot }, async () => {
    // Read from outside: the empty root (ABI 0) has no /proc inside.
    const w = await start({}, PYTHON, ['-c', 'import time; print("up", flush=True); time.sleep(60)']);
    try {
      await w.line(/^up/);
      const ns = fs.readlinkSync(`/proc/${w.sp.child.pid}/ns/ipc`);
      assert.match(ns, /^ipc:\[\d+\]$/);
      assert.notEqual(ns, fs.readlinkSync('/proc/self/ns/ipc'));
    } finally {
      w.sp.kill();
      await w.done;
    }
  });

  it('control: unconfined, a segment is shared between two processes and outlives its creator', async () => {
    const key = 0x4c000000 + (process.pid % 0xffff) * 4;
    const created = spawnSync(PYTHON, ['-c', SYSV.replace("if mode == 'create':\n    time.sleep(60)", ''), 'create', String(key)], { encoding: 'utf8' });
    try {
      assert.deepEqual(JSON.parse(created.stdout), { shm: 'OK', msg: 'OK', sem: 'OK' }, created.stderr);
      const opened = spawnSync(PYTHON, ['-c', SYSV, 'open', String(key)], { encoding: 'utf8' });
      assert.deepEqual(JSON.parse(opened.stdout), { shm: 'OK', msg: 'OK', sem: 'OK' }, opened.stderr);
      assert.ok(sysvKeys().has(key), 'the segment outlived its creator');
    } finally {
      const rm = String.raw`
import ctypes, sys
libc = ctypes.CDLL(None)
k = int(sys.argv[1])
libc.shmctl(libc.shmget(k, 0, 0), 0, None); libc.msgctl(libc.msgget(k + 1, 0), 0, None); libc.semctl(libc.semget(k + 2, 0, 0), 0, 0)
`;
      spawnSync(PYTHON, ['-c', rm, String(key)]);
    }
    assert.ok(!sysvKeys().has(key));
  });

  for (const mode of ['own uids', 'control: one shared uid'] as const) {
    const input = mode === 'own uids' ? {} : shared;
    const own = mode === 'own uids';
    // a shared-uid control whose other worker the forced mode hides runs at the real ABI only
    if (own || !hiddenHere(pidNamespace))
      it(`${mode}: setpriority, sched_setaffinity and ioprio_set of another worker's process ${own ? 'fail' : 'succeed'}`, { skip: needsRoot }, async () => {
        const victim = await start(input, '/bin/sleep', ['60']);
        try {
          const a = await start(input, PYTHON, ['-c', RENICE, String(victim.sp.child.pid)]);
          const r = await a.done;
          const got = JSON.parse(r.stdout) as Record<string, string>;
          // Below ABI 6 the PID namespace answers first: no such process.
          const denied = pidNamespace ? 'ESRCH' : 'EPERM';
          if (own) assert.deepEqual(got, { setpriority: denied, sched_setaffinity: denied, ioprio_set: denied }, r.stderr);
          else assert.deepEqual(got, { setpriority: 'OK', sched_setaffinity: 'OK', ioprio_set: 'OK' }, r.stderr);
        } finally {
          victim.sp.kill();
          await victim.done;
        }
      });

    if (own || !hiddenHere(emptyRoot))
      it(`${mode}: chmod, utimensat and setxattr of another worker's scratch dir ${own ? 'fail' : 'succeed'}`, { skip: needsRoot }, async () => {
        const scratchB = scratchFor();
        const b = await start({ ...input, writePaths: [scratchB] }, '/bin/sleep', ['60']);
        try {
          const before = fs.statSync(scratchB);
          const a = await start({ ...input, writePaths: [scratchFor()] }, PYTHON, ['-c', TOUCH_OTHER, scratchB]);
          const r = await a.done;
          const got = JSON.parse(r.stdout) as Record<string, string>;
          const after = fs.statSync(scratchB);
          if (own && emptyRoot) {
            // Without Landlock the other worker's scratch is not mounted in this worker's root.
            assert.deepEqual(got, { chmod: 'ENOENT', utimensat: 'ENOENT', utimensat_now: 'ENOENT', setxattr: 'ENOENT' }, r.stdout);
            assert.equal(after.mode, before.mode);
            assert.equal(after.mtimeMs, before.mtimeMs);
          } else if (own) {
            assert.equal(got.chmod, 'EPERM', r.stdout);
            assert.equal(got.utimensat, 'EPERM', r.stdout);
            assert.match(got.utimensat_now!, /^(EPERM|EACCES)$/, r.stdout);
            assert.match(got.setxattr!, /^(EPERM|EACCES)$/, r.stdout);
            assert.equal(after.mode, before.mode);
            assert.equal(after.mtimeMs, before.mtimeMs);
          } else {
            assert.equal(got.chmod, 'OK', r.stdout);
            assert.equal(got.utimensat, 'OK', r.stdout);
            assert.equal(after.mode & 0o777, 0o777);
          }
        } finally {
          b.sp.kill();
          await b.done;
        }
      });
  }
});
