/** The policy model: runtimePolicy contents, validation (exit 3 naming the path), launcher argv, report parsing, config. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode, SandboxError, UsageError } from '../../src/domain/errors.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { applySandboxConfig, sandboxConfigSchema } from '../../src/sandbox/config.js';
import { enforcementByLayer, sandboxMode } from '../../src/sandbox/enforcement.js';
import { describePolicy, renderPolicyText } from '../../src/sandbox/describe.js';
import { launcherArgs, launcherEnv, launcherError, parseLauncherReport } from '../../src/sandbox/launcher-args.js';
import { DEFAULT_LIMITS, runtimePolicy, validatePolicy } from '../../src/sandbox/policy.js';
import { openTempDir } from './launcher-harness.js';

let root: string;
before(() => {
  root = openTempDir('policy');
});
after(() => {
  spawnSync('rm', ['-rf', root]);
});

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${String(e)}`);
    assert.equal(e.exitCode, ExitCode.Usage);
    return e.message;
  }
  assert.fail('expected a UsageError');
}

describe('runtimePolicy', () => {
  it('adds Node, the system libraries and binaries, the package code and /dev/null, and nothing private', () => {
    const p = runtimePolicy({ readPaths: [root] });
    assert.ok(p.execPaths.includes(realpathSync(process.execPath)));
    assert.ok(p.execPaths.includes(realpathSync('/usr/lib')));
    assert.ok(p.readPaths.includes(realpathSync(path.join(packageRoot, 'dist'))));
    assert.ok(p.readPaths.includes(root));
    assert.deepEqual(p.writePaths, ['/dev/null']);
    assert.equal(p.uid, 65534);
    assert.equal(p.gid, 65534);
    assert.equal(p.allowDegraded, false);
    assert.deepEqual(p.limits, DEFAULT_LIMITS);
    const home = os.homedir();
    for (const x of [...p.readPaths, ...p.writePaths, ...p.execPaths]) {
      assert.ok(!x.startsWith('/proc'), x);
      assert.notEqual(x, '/root');
      assert.notEqual(x, home);
      assert.notEqual(x, '/');
    }
    validatePolicy(p);
  });

  it('merges partial limits over the defaults', () => {
    const p = runtimePolicy({ limits: { openFiles: 99 } });
    assert.deepEqual(p.limits, { ...DEFAULT_LIMITS, openFiles: 99 });
  });
});

describe('validatePolicy', () => {
  it('a path that does not exist: exit 3 naming it', () => {
    const missing = path.join(root, 'nope');
    const msg = usageMessage(() => validatePolicy(runtimePolicy({ readPaths: [missing] })));
    assert.match(msg, /read path does not exist/);
    assert.ok(msg.includes(missing));
  });

  it('a rule path through a symlink inside a writable path is refused', () => {
    const scratch = path.join(root, 'scratch-sym');
    const target = path.join(root, 'target');
    mkdirSync(scratch);
    mkdirSync(target);
    symlinkSync(target, path.join(scratch, 'link'));
    const msg = usageMessage(() => validatePolicy(runtimePolicy({ writePaths: [scratch], readPaths: [path.join(scratch, 'link')] })));
    assert.match(msg, /goes through symlink .*link inside writable path/);
    // The same target named directly is fine (positive control).
    validatePolicy(runtimePolicy({ writePaths: [scratch], readPaths: [target] }));
  });

  it('never grants /proc, /, /root, $HOME, the audit store or a deny path', () => {
    const dbDir = path.join(root, 'auditdb');
    mkdirSync(dbDir);
    const saved = process.env.BULWARK_AUDIT_DB;
    process.env.BULWARK_AUDIT_DB = path.join(dbDir, 'audit.db');
    try {
      for (const bad of ['/proc', '/proc/self', '/', '/root', os.homedir(), dbDir]) {
        assert.match(
          usageMessage(() => validatePolicy(runtimePolicy({ readPaths: [bad] }))),
          /never granted/,
          bad,
        );
      }
    } finally {
      if (saved === undefined) delete process.env.BULWARK_AUDIT_DB;
      else process.env.BULWARK_AUDIT_DB = saved;
    }
    const keys = path.join(root, 'keys');
    mkdirSync(keys);
    assert.match(
      usageMessage(() => validatePolicy(runtimePolicy({ readPaths: [root], denyPaths: [keys] }))),
      /would grant/,
    );
  });

  it('a write path overlapping an exec path is refused (the sandbox could run what it writes)', () => {
    const dir = path.join(root, 'tools');
    mkdirSync(dir);
    assert.match(
      usageMessage(() => validatePolicy(runtimePolicy({ writePaths: [dir], execPaths: [dir] }))),
      /overlaps exec path/,
    );
    assert.match(
      usageMessage(() => validatePolicy(runtimePolicy({ writePaths: [dir], execPaths: [root] }))),
      /overlaps exec path/,
    );
  });

  it('schema errors name the field', () => {
    assert.match(
      usageMessage(() => validatePolicy({ ...runtimePolicy(), readPaths: ['relative/path'] })),
      /readPaths\.0: must be an absolute path/,
    );
    assert.match(
      usageMessage(() => validatePolicy({ ...runtimePolicy(), uid: 0 })),
      /uid/,
    );
    assert.match(
      usageMessage(() => validatePolicy({ ...runtimePolicy(), envAllow: ['A=B'] })),
      /envAllow/,
    );
    assert.match(
      usageMessage(() => validatePolicy({ ...runtimePolicy(), envAllow: ['LD_PRELOAD'] })),
      /loader variables/,
    );
    assert.match(
      usageMessage(() => validatePolicy({ ...runtimePolicy(), env: { GLIBC_TUNABLES: 'x' } })),
      /env\.GLIBC_TUNABLES/,
    );
  });
});

describe('launcher command line and report', () => {
  it('puts the report fd first and the command after --', () => {
    const p = runtimePolicy({ readPaths: [root], envAllow: ['TERM'], timeoutSeconds: 5 });
    const argv = launcherArgs(p, '/usr/bin/node', ['-e', '--ro'], { keepFds: [3], reportFd: 4, parentPid: 1234 });
    assert.deepEqual(argv.slice(0, 4), ['--report-fd', '4', '--parent-pid', '1234']);
    const dd = argv.indexOf('--');
    assert.deepEqual(argv.slice(dd), ['--', '/usr/bin/node', '-e', '--ro']);
    const opts = argv.slice(0, dd);
    assert.ok(opts.join(' ').includes(`--ro ${root}`));
    assert.ok(opts.join(' ').includes('--rw /dev/null'));
    assert.ok(opts.join(' ').includes('--keep-fd 3'));
    assert.ok(opts.join(' ').includes('--env TERM'));
    assert.ok(opts.join(' ').includes('--env PATH'));
    assert.ok(!opts.join(' ').includes('/usr/local/bin:/usr/bin:/bin'), 'env values must not be on the command line');
    process.env.TERM_FOR_TEST = 'x';
    const env = launcherEnv({ ...p, envAllow: ['TERM_FOR_TEST', 'PATH'] }, { TERM_FOR_TEST: 'vt100', PATH: '/evil', SECRET: 's' });
    assert.deepEqual(env, { TERM_FOR_TEST: 'vt100', PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' });
    delete process.env.TERM_FOR_TEST;
    assert.ok(opts.join(' ').includes('--deny /proc'));
    assert.ok(opts.join(' ').includes('--uid 65534 --gid 65534'));
    assert.ok(!opts.includes('--allow-degraded'));
    assert.ok(launcherArgs({ ...p, allowDegraded: true }, 'x', [], { keepFds: [], reportFd: 3, parentPid: 1 }).includes('--allow-degraded'));
  });

  it('parses degraded and error lines; policy errors are exit 3, layer errors exit 4', () => {
    const r = parseLauncherReport('degraded landlock-scope ABI 5 < 6: not scoped\nnoise\nerror landlock landlock_restrict_self: Operation not permitted\n');
    assert.deepEqual(r.degraded, ['landlock-scope: ABI 5 < 6: not scoped']);
    assert.deepEqual(r.errors, [{ layer: 'landlock', message: 'landlock_restrict_self: Operation not permitted' }]);
    const e4 = launcherError(r, 108, null);
    assert.ok(e4 instanceof SandboxError);
    assert.equal(e4.exitCode, ExitCode.Sandbox);
    assert.match(e4.message, /landlock cannot be enforced/);
    const e3 = launcherError(parseLauncherReport('error policy read path /x: No such file or directory\n'), 101, null);
    assert.ok(e3 instanceof UsageError);
    assert.match(e3.message, /\/x/);
    assert.match(launcherError({ degraded: [], errors: [] }, 109, null).message, /seccomp/);
    assert.ok(launcherError(parseLauncherReport('error exec /x/y: No such file or directory\n'), 111, null) instanceof UsageError);
    const denied = launcherError(parseLauncherReport('error exec /opt/tool: Permission denied\n'), 111, null);
    assert.ok(denied instanceof SandboxError);
    assert.match(denied.message, /could not be started .*exec path.*\/opt\/tool: Permission denied/);
  });
});

describe('[sandbox] config', () => {
  it('is strict and folds into the policy', () => {
    assert.equal(sandboxConfigSchema.safeParse({ bogus: 1 }).success, false);
    assert.equal(sandboxConfigSchema.safeParse({ limits: { open_files: 5 } }).success, false);
    const cfg = sandboxConfigSchema.parse({
      uid: 1234,
      gid: 1235,
      allow_degraded: true,
      timeout_seconds: 9,
      extra_read_paths: [root],
      limits: { cpu_seconds: 7 },
    });
    const p = runtimePolicy(applySandboxConfig({ readPaths: ['/etc/ld.so.cache'] }, cfg));
    assert.equal(p.uid, 1234);
    assert.equal(p.gid, 1235);
    assert.equal(p.allowDegraded, true);
    assert.equal(p.timeoutSeconds, 9);
    assert.equal(p.limits.cpuSeconds, 7);
    assert.equal(p.limits.openFiles, DEFAULT_LIMITS.openFiles);
    assert.ok(p.readPaths.includes(root));
    // Explicit values win over the file.
    assert.equal(runtimePolicy(applySandboxConfig({ allowDegraded: false }, cfg)).allowDegraded, false);
  });
});

describe('policy description', () => {
  it('names paths, denied syscalls and layers; an old kernel shows missing layers', () => {
    const p = runtimePolicy({ readPaths: [root], endpoints: [{ host: 'api.example.com', port: 443 }] });
    const d = describePolicy(p, { platform: 'linux', landlockAbi: 7, namespaces: true, seccomp: true, arch: 'x86_64', euid: 0 });
    assert.ok(d.layers.every((l) => l.status === 'enforced'));
    const text = renderPolicyText(d);
    assert.ok(text.includes(`${root}: read files`));
    assert.match(text, /socket: EPERM/);
    assert.match(text, /api\.example\.com:443/);
    assert.match(text, /Landlock ABI 7/);
    const old = describePolicy(p, { platform: 'linux', landlockAbi: 2, seccomp: true, arch: 'x86_64', euid: 1000 });
    const byName = Object.fromEntries(old.layers.map((l) => [l.name, l.status]));
    assert.equal(byName.landlock, 'missing');
    assert.equal(byName['landlock-scope'], 'missing');
    assert.equal(byName.identity, 'not applicable');
  });
});

describe('enforcement by layer: what stands in for each missing Landlock feature', () => {
  const facts = (landlockAbi: number, namespaces: boolean, euid = 0) => ({ landlockAbi, namespaces, seccomp: true, euid });
  const byLayer = (f: ReturnType<typeof facts>) => Object.fromEntries(enforcementByLayer(f).map((l) => [l.layer, l]));
  it('at ABI 7 with namespaces every required layer holds, and the Landlock limits are stated', () => {
    const l = byLayer(facts(7, true));
    assert.ok(Object.values(l).every((x) => x.enforced || !x.required));
    assert.match(l['metadata of unlisted paths (stat, readlink, inotify)']!.mechanism, /NOT confined/);
    assert.match(l['code mapped from scratch (ld.so, mmap PROT_EXEC)']!.mechanism, /noexec/);
    assert.equal(sandboxMode(facts(7, true)), 'landlock+namespaces');
  });
  it('below ABI 3 read-only bind mounts stand in for truncate; without namespaces it is missing', () => {
    assert.match(byLayer(facts(2, true))['files: truncate']!.mechanism, /read-only bind mounts/);
    const l = byLayer(facts(2, false, 1000));
    assert.equal(l['files: truncate']!.enforced, false);
    assert.match(l['files: truncate']!.mechanism, /MISSING/);
    assert.equal(l['signals and process control']!.enforced, false);
    assert.equal(l['code mapped from scratch (ld.so, mmap PROT_EXEC)']!.required, false);
  });
  it('below ABI 6 the PID and network namespaces stand in for scoping; ABI 1 refuses every cross-directory rename', () => {
    const l = byLayer(facts(1, true));
    assert.match(l['signals and process control']!.mechanism, /PID namespace/);
    assert.match(l['abstract unix sockets']!.mechanism, /network namespace/);
    assert.match(l['files: rename/link across directories']!.mechanism, /EXDEV/);
  });
  it('without Landlock an empty root confines files, metadata included; with nothing it is all missing', () => {
    const l = byLayer(facts(0, true));
    assert.equal(sandboxMode(facts(0, true)), 'empty-root');
    assert.ok(Object.values(l).every((x) => x.enforced || !x.required));
    assert.equal(l['metadata of unlisted paths (stat, readlink, inotify)']!.enforced, true);
    const none = byLayer(facts(0, false));
    for (const k of ['files: read', 'files: write', 'exec', 'signals and process control']) assert.equal(none[k]!.enforced, false, k);
  });
  it("as root with a uid per worker: signals below ABI 6 are scoped by the uid too, IPC is private, RLIMIT_NPROC is the worker's own", () => {
    const own = Object.fromEntries(enforcementByLayer({ ...facts(3, false), ownUid: true }).map((l) => [l.layer, l]));
    assert.equal(own['signals and process control']!.enforced, true);
    assert.match(own['signals and process control']!.mechanism, /uid of its own/);
    assert.doesNotMatch(own['signals and process control']!.mechanism, /PID namespace/);
    assert.equal(own['IPC (SysV, POSIX message queues)']!.enforced, true);
    assert.match(own['IPC (SysV, POSIX message queues)']!.mechanism, /private IPC namespace/);
    assert.match(own['process limits']!.mechanism, /worker's own uid/);
    const both = byLayer(facts(3, true));
    assert.match(both['signals and process control']!.mechanism, /PID namespace/);
    assert.doesNotMatch(both['signals and process control']!.mechanism, /uid of its own/, 'no own uid unless the facts say so');
    assert.match(both['process limits']!.mechanism, /share the limit/);
  });
  it('not root: IPC rests on the seccomp denial alone and the uid, with its process limit, is shared', () => {
    const l = byLayer(facts(7, true, 1000));
    assert.equal(l['IPC (SysV, POSIX message queues)']!.enforced, true);
    assert.match(l['IPC (SysV, POSIX message queues)']!.mechanism, /seccomp denies .* no private IPC namespace/);
    assert.match(l['process limits']!.mechanism, /shared by every worker/);
    const ignored = Object.fromEntries(enforcementByLayer({ ...facts(7, true, 1000), ownUid: true }).map((x) => [x.layer, x]));
    assert.match(ignored['process limits']!.mechanism, /shared by every worker/, 'a uid of its own needs root');
    const noSeccomp = Object.fromEntries(enforcementByLayer({ ...facts(7, true, 1000), seccomp: false }).map((x) => [x.layer, x]));
    assert.equal(noSeccomp['IPC (SysV, POSIX message queues)']!.enforced, false);
  });
});
