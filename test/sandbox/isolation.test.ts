/**
 * The parts of per-worker isolation that do not need two workers: the uid range's syntax, uid
 * allocation across processes (real lock files, a real second Node process), the cgroup checks on
 * hosts that cannot give one, a worker cgroup's limit files, and the launcher's `--cgroup` step
 * (real launcher, against a directory standing in for a cgroup).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SandboxError, UsageError } from '../../src/domain/errors.js';
import { applySandboxConfig, sandboxConfigSchema } from '../../src/sandbox/config.js';
import { runtimePolicy } from '../../src/sandbox/policy.js';
import { cgroup2Mount, createWorkerCgroup, DEFAULT_CGROUP, prepareCgroupParent } from '../../src/sandbox/cgroup.js';
import { defaultLauncherPath } from '../../src/sandbox/launcher.js';
import { parseUidRange } from '../../src/sandbox/uid-range.js';
import { allocateWorkerUid } from '../../src/sandbox/worker-uid.js';

const dirs: string[] = [];
const tmp = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `bulwark-${prefix}-`));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const MOUNTINFO = (fstype: string, mount: string) =>
  `22 1 0:21 / /proc rw,nosuid - proc proc rw\n30 25 0:26 / ${mount} rw,nosuid,nodev,noexec - ${fstype} ${fstype} rw\n`;

describe('uid_range', () => {
  it('parses FIRST-LAST and refuses what would be unsafe', () => {
    assert.deepEqual(parseUidRange('60600-60999'), { first: 60600, last: 60999 });
    assert.deepEqual(parseUidRange(' 100000 - 100009 '), { first: 100000, last: 100009 });
    for (const bad of ['60600', '0-10', '10-5', '65000-66000', 'a-b', '1-4294967295']) assert.throws(() => parseUidRange(bad), UsageError, bad);
    assert.throws(() => parseUidRange('65000-66000'), /65534/);
  });
});

describe('[sandbox] uid_range and [sandbox.cgroup]', () => {
  it('reach the policy; a fixed uid means no range; both together are refused naming the key', () => {
    const cfg = sandboxConfigSchema.parse({
      uid_range: '70000-70099',
      cgroup: { mode: 'required', memory_max_bytes: 1 << 30, pids_max: 128, cpu_max_percent: 200 },
    });
    const p = runtimePolicy(applySandboxConfig({}, cfg));
    assert.deepEqual(p.uidRange, { first: 70000, last: 70099 });
    assert.deepEqual(p.cgroup, { mode: 'required', memoryBytes: 1 << 30, pids: 128, cpuPercent: 200 });
    const fixed = runtimePolicy(applySandboxConfig({}, sandboxConfigSchema.parse({ uid: 5000, gid: 5000 })));
    assert.equal(fixed.uidRange, undefined);
    assert.equal(fixed.uid, 5000);
    assert.deepEqual(runtimePolicy({}).uidRange, { first: 60600, last: 60999 });
    const both = sandboxConfigSchema.safeParse({ uid_range: '70000-70099', uid: 5000 });
    assert.equal(both.success, false);
    assert.deepEqual(both.error?.issues[0]?.path, ['uid_range']);
    const bad = sandboxConfigSchema.safeParse({ uid_range: '65000-66000' });
    assert.match(bad.error?.issues[0]?.message ?? '', /65534/);
  });
});

describe('worker uid allocation', () => {
  it('gives concurrent workers distinct uids, none named in /etc/passwd, and a uid back once released', () => {
    const locks = tmp('uidlocks');
    const range = { first: 3_000_000_000, last: 3_000_000_002 };
    const a = allocateWorkerUid(range, locks);
    const b = allocateWorkerUid(range, locks);
    const c = allocateWorkerUid(range, locks);
    assert.equal(new Set([a.uid, b.uid, c.uid]).size, 3);
    assert.throws(
      () => allocateWorkerUid(range, locks),
      (e: unknown) => e instanceof SandboxError && /no free worker uid in 3000000000-3000000002/.test(e.message),
    );
    b.release();
    b.release();
    const d = allocateWorkerUid(range, locks);
    assert.equal(d.uid, b.uid);
    for (const w of [a, c, d]) w.release();
  });

  it('skips uids that /etc/passwd names', () => {
    // an account no process runs as is still never handed out
    const named = Number(
      fs
        .readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => Number(l.split(':')[2]) > 0)!
        .split(':')[2],
    );
    assert.throws(() => allocateWorkerUid({ first: named, last: named }, tmp('uidlocks')), SandboxError);
  });

  it('a uid held by another Bulwark process is not given out here', async () => {
    const locks = tmp('uidlocks');
    const mod = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/sandbox/worker-uid.js');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { allocateWorkerUid } = await import(${JSON.stringify(mod)}); const w = allocateWorkerUid({ first: 3000000100, last: 3000000100 }, ${JSON.stringify(locks)}); console.log('held', w.uid); process.stdin.once('data', () => { w.release(); process.exit(0); });`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout.on('data', (c: Buffer) => c.toString().includes('held') && resolve()));
    assert.throws(() => allocateWorkerUid({ first: 3_000_000_100, last: 3_000_000_100 }, locks), SandboxError);
    holder.stdin.write('x');
    await new Promise((r) => holder.once('exit', r));
    const w = allocateWorkerUid({ first: 3_000_000_100, last: 3_000_000_100 }, locks);
    assert.equal(w.uid, 3_000_000_100);
    w.release();
  });
});

describe('cgroup v2 support', () => {
  it('finds the cgroup2 mount in mountinfo', () => {
    assert.equal(cgroup2Mount(MOUNTINFO('cgroup2', '/sys/fs/cgroup')), '/sys/fs/cgroup');
    assert.equal(cgroup2Mount(MOUNTINFO('tmpfs', '/sys/fs/cgroup')), undefined);
  });

  it('says why not, and creates nothing, when it cannot give workers a cgroup', () => {
    assert.match(prepareCgroupParent({ ...DEFAULT_CGROUP, mode: 'off' }).reason, /off/);
    assert.match(prepareCgroupParent(DEFAULT_CGROUP, { mountinfo: MOUNTINFO('tmpfs', '/x'), euid: 0 }).reason, /no cgroup v2 hierarchy/);
    assert.match(prepareCgroupParent(DEFAULT_CGROUP, { mountinfo: MOUNTINFO('cgroup2', '/x'), euid: 1000 }).reason, /not root and no delegated cgroup/);
    // a v2 mount offering only hugetlb (a hybrid host): nothing is created under it
    const mount = tmp('cg2');
    fs.writeFileSync(path.join(mount, 'cgroup.controllers'), 'hugetlb\n');
    fs.writeFileSync(path.join(mount, 'cgroup.subtree_control'), '');
    const s = prepareCgroupParent(DEFAULT_CGROUP, { mountinfo: MOUNTINFO('cgroup2', mount), euid: 0 });
    assert.equal(s.available, false);
    assert.match(s.reason, /does not offer memory, pids, cpu \(offered: hugetlb/);
    assert.deepEqual(fs.readdirSync(mount).sort(), ['cgroup.controllers', 'cgroup.subtree_control']);
    const outside = prepareCgroupParent({ ...DEFAULT_CGROUP, parent: '/elsewhere' }, { mountinfo: MOUNTINFO('cgroup2', mount), euid: 0 });
    assert.match(outside.reason, /not under the cgroup v2 mount/);
  });

  it('a worker cgroup gets the configured limits', async () => {
    const parent = tmp('cgparent');
    const cg = createWorkerCgroup(parent, { ...DEFAULT_CGROUP, memoryBytes: 256 * 1024 * 1024, pids: 64, cpuPercent: 50 }, '60601');
    const read = (f: string) => fs.readFileSync(path.join(cg.dir, f), 'utf8');
    assert.equal(read('memory.max'), String(256 * 1024 * 1024));
    assert.equal(read('pids.max'), '64');
    assert.equal(read('cpu.max'), '50000 100000');
    for (const f of fs.readdirSync(cg.dir)) fs.rmSync(path.join(cg.dir, f));
    await cg.remove();
    assert.equal(fs.existsSync(cg.dir), false);
  });
});

describe('the launcher joins the cgroup it is given (real launcher)', () => {
  const run = (args: string[]) =>
    spawnSync(defaultLauncherPath(), [...args, '--exec', '/bin', '--exec', '/usr', '--exec', '/lib', '--', '/bin/true'], { encoding: 'utf8' });

  it('writes its own pid to cgroup.procs before running the command', () => {
    const dir = tmp('fakecg');
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
    const r = run(['--cgroup', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8'), /^\d+\n$/);
  });

  it('refuses to run, with the isolation status, when the cgroup cannot be joined', () => {
    const dir = tmp('fakecg');
    const r = run(['--cgroup', path.join(dir, 'missing')]);
    assert.equal(r.status, 114, r.stderr);
    assert.match(r.stderr, /bulwark-sandbox: isolation: open .*cgroup\.procs/);
    fs.symlinkSync('/dev/null', path.join(dir, 'cgroup.procs'));
    const linked = run(['--cgroup', dir]);
    assert.equal(linked.status, 114, 'a link planted as cgroup.procs is not followed');
  });
});
