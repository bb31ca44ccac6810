import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prepareGateResident } from '../../src/app/gate-resident/client.js';
import { residentPlace } from '../../src/app/gate-resident/place.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { procStatFields } from '../../src/sandbox/proc-stat.js';
import type { GateResult } from '../../src/gate/types.js';
import { edit, FixtureRepo } from '../gate/fixture.js';

const bin = path.join(packageRoot, 'bin', 'bulwark.js');

const files: Record<string, string> = {
  'bulwark.toml': '[gate]\nroots = ["*.settle"]\n',
  'app/pay.py': ['def fee(a):', '    return a * 2', '', 'def settle(a):', '    return fee(a) + len([a])', '', 'def banner():', '    return "hi"', ''].join(
    '\n',
  ),
};

interface Status {
  pid: number;
  repo: string;
  served: number;
  rssBytes: number;
  maxRssBytes: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether the process runs: a zombie (exited, not yet reaped by whoever adopted it) does not. */
function alive(pid: number): boolean {
  const state = procStatFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('bulwark gate --resident: a resident gate per repository, the same decision', () => {
  let repo: FixtureRepo;
  let runtime: string;
  let cache: string;
  let flaggedHead: string;
  let cleanHead: string;
  let env: NodeJS.ProcessEnv;

  const bulwark = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...env, ...extra }, timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const status = (extra: NodeJS.ProcessEnv = {}): Status | null => {
    const r = bulwark(['gate', 'resident', 'status', '--repo', repo.dir, '--json'], extra);
    assert.equal(r.code, JSON.parse(r.stdout) === null ? 1 : 0, r.stderr);
    return JSON.parse(r.stdout) as Status | null;
  };
  const gate = (head: string, more: string[] = [], extra: NodeJS.ProcessEnv = {}) =>
    bulwark(['gate', '--repo', repo.dir, '--base', 'main', '--head', head, '--cache-dir', cache, ...more], extra);
  const stop = (extra: NodeJS.ProcessEnv = {}) => assert.equal(bulwark(['gate', 'resident', 'stop', '--repo', repo.dir], extra).code, 0);

  before(() => {
    repo = new FixtureRepo(files);
    runtime = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resident-run-'));
    cache = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resident-cache-'));
    // this suite's resident gates live in a runtime folder of its own
    env = { ...process.env, XDG_RUNTIME_DIR: runtime, BULWARK_AUDIT_DB: '' };
    flaggedHead = repo.branch('flagged', { 'app/pay.py': edit(files['app/pay.py']!, 'a * 2', 'a * 3') });
    cleanHead = repo.branch('clean', { 'app/pay.py': edit(files['app/pay.py']!, '"hi"', '"hello"') });
  });
  after(() => {
    stop();
    repo.remove();
    rmSync(runtime, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  it('decides as the process of its own does, in text and JSON, flagged and not, and serves again from the same process', () => {
    stop();
    assert.equal(status(), null);
    for (const [head, code] of [
      [flaggedHead, 2],
      [cleanHead, 0],
    ] as const) {
      for (const json of [[], ['--json']]) {
        const own = gate(head, json);
        const resident = gate(head, [...json, '--resident']);
        assert.equal(own.code, code, own.stderr);
        assert.equal(resident.code, code, resident.stderr);
        assert.equal(resident.stdout, own.stdout);
        assert.equal(resident.stderr, '');
      }
    }
    const s = status();
    assert.ok(s);
    assert.equal(s.repo, repo.dir);
    assert.equal(s.served, 4);
    assert.ok(s.maxRssBytes >= s.rssBytes && s.rssBytes > 0);
    // a run from a folder inside the work tree reaches the same resident gate
    const fromInside = spawnSync(process.execPath, [bin, 'gate', '--base', 'main', '--head', flaggedHead, '--cache-dir', cache, '--resident', '--json'], {
      cwd: path.join(repo.dir, 'app'),
      encoding: 'utf8',
      env,
    });
    assert.equal(fromInside.status, 2, fromInside.stderr);
    assert.equal(fromInside.stdout, gate(flaggedHead, ['--json']).stdout);
    assert.equal((JSON.parse(fromInside.stdout) as GateResult).head, flaggedHead);
    assert.equal(status()!.pid, s.pid);
    assert.equal(status()!.served, 5);
  });

  it('keeps its socket and log private, and holds no key, token or secret of the environment it was started from', () => {
    stop();
    const secrets = {
      ANTHROPIC_API_KEY: 'sk-ant-resident-test',
      GITHUB_TOKEN: 'ghp_residenttest',
      BULWARK_AUDIT_KEY: 'ssh-ed25519-resident-test',
      AWS_SECRET_ACCESS_KEY: 'aws-resident',
    };
    const r = gate(flaggedHead, ['--resident'], secrets);
    assert.equal(r.code, 2, r.stderr);
    const s = status();
    assert.ok(s);
    const place = residentPlace(repo.dir, env);
    assert.equal(statSync(place.dir).mode & 0o777, 0o700);
    assert.equal(statSync(place.log).mode & 0o777, 0o600);
    assert.equal(statSync(place.socket).mode & 0o077, 0);
    const environ = readFileSync(`/proc/${s.pid}/environ`, 'utf8').split('\0');
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(!environ.some((e) => e.startsWith(`${name}=`) || e.includes(value)), `${name} reached the resident gate`);
    }
    assert.ok(environ.some((e) => e.startsWith('PATH=')));
    assert.match(readFileSync(place.log, 'utf8'), /serving .* \(pid \d+\)\n.*evaluated main\.\.[0-9a-f]{40} in \d+ ms/);
  });

  it('reports an evaluation error as the process of its own does: same line, same exit code', () => {
    const own = gate('no-such-branch');
    const resident = gate('no-such-branch', ['--resident']);
    assert.equal(own.code, 3);
    assert.equal(resident.code, 3);
    assert.equal(resident.stderr, own.stderr);
    assert.match(resident.stderr, /^bulwark: unknown revision: no-such-branch\n$/);
  });

  it('is replaced when the environment an evaluation reads changes, and not for one it does not read', async () => {
    assert.equal(gate(cleanHead, ['--resident']).code, 0);
    const before = status()!.pid;
    // authorship and the index of a commit in progress change nothing git reads from two commits
    assert.equal(gate(cleanHead, ['--resident'], { GIT_AUTHOR_NAME: 'someone', GIT_INDEX_FILE: '.git/index' }).code, 0);
    assert.equal(status()!.pid, before);
    // git's configuration does: a resident gate started with the old one is replaced
    const extra = { GIT_CONFIG_GLOBAL: path.join(runtime, 'other-gitconfig') };
    writeFileSync(extra.GIT_CONFIG_GLOBAL, '[core]\n\tquotepath = false\n');
    const r = gate(cleanHead, ['--resident'], extra);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const after = status(extra)!.pid;
    assert.notEqual(after, before);
    await until('the replaced resident gate to exit', () => !alive(before));
  });

  it('runs with the Node flags of the run that started it, and is replaced by a run with other flags', async () => {
    stop();
    const withFlag = spawnSync(
      process.execPath,
      ['--stack-size=1500', bin, 'gate', '--repo', repo.dir, '--base', 'main', '--head', flaggedHead, '--cache-dir', cache, '--resident'],
      {
        encoding: 'utf8',
        env,
      },
    );
    assert.equal(withFlag.status, 2, withFlag.stderr);
    const flagged = status()!.pid;
    assert.ok(cmdline(String(flagged)).split('\0').includes('--stack-size=1500'));
    assert.equal(gate(flaggedHead, ['--resident']).code, 2);
    const plain = status()!.pid;
    assert.notEqual(plain, flagged);
    assert.ok(!cmdline(String(plain)).includes('--stack-size'));
    await until('the replaced resident gate to exit', () => !alive(flagged));
  });

  it('replaces a socket left by a resident gate that died, and stops when asked or after its idle time', async () => {
    assert.equal(gate(flaggedHead, ['--resident']).code, 2);
    const killed = status()!.pid;
    process.kill(killed, 'SIGKILL');
    await until('the killed resident gate to exit', () => !alive(killed));
    assert.ok(existsSync(residentPlace(repo.dir, env).socket), 'a killed resident gate leaves its socket file');
    const r = gate(flaggedHead, ['--resident', '--resident-idle', '1']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, '');
    const fresh = status()!.pid;
    assert.notEqual(fresh, killed);
    await until('the idle resident gate to exit', () => !alive(fresh));
    assert.equal(status(), null);
    assert.ok(!existsSync(residentPlace(repo.dir, env).socket));
    assert.equal(gate(flaggedHead, ['--resident']).code, 2);
    const running = status()!.pid;
    const stopped = bulwark(['gate', 'resident', 'stop', '--repo', repo.dir]);
    assert.equal(stopped.stdout, 'resident gate stopped\n');
    await until('the stopped resident gate to exit', () => !alive(running));
    assert.equal(bulwark(['gate', 'resident', 'stop', '--repo', repo.dir]).stdout, 'no resident gate runs for this repository\n');
  });

  it('evaluates in its own process, saying why, when the folder is not private or the cache key is set', () => {
    stop();
    const shared = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resident-open-'));
    try {
      const own = gate(flaggedHead);
      const openEnv = { XDG_RUNTIME_DIR: shared };
      mkdirSync(residentPlace(repo.dir, { XDG_RUNTIME_DIR: shared }).dir, { mode: 0o755 });
      chmodSync(residentPlace(repo.dir, { XDG_RUNTIME_DIR: shared }).dir, 0o755);
      const open = gate(flaggedHead, ['--resident'], openEnv);
      assert.equal(open.code, 2);
      assert.equal(open.stdout, own.stdout);
      assert.match(open.stderr, /^bulwark gate: no resident gate: .* is open to others \(mode 755; it must be 700\); evaluating in this process\n$/);
      const keyed = gate(flaggedHead, ['--resident'], { BULWARK_GATE_CACHE_KEY: 'k'.repeat(32) });
      assert.equal(keyed.code, 2);
      assert.match(keyed.stderr, /no resident gate: BULWARK_GATE_CACHE_KEY is set, and the cache key is never handed to a resident process/);
      assert.equal(status(), null, 'no resident gate was started');
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('evaluates in its own process, saying why, in a repository with a promisor remote (git would fetch a missing object)', () => {
    const own = gate(flaggedHead);
    for (const [key, value] of [
      ['extensions.partialClone', 'origin'],
      ['remote.origin.promisor', 'true'],
    ] as const) {
      repo.git('config', key, value);
      try {
        const r = gate(flaggedHead, ['--resident']);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stdout, own.stdout);
        assert.match(
          r.stderr,
          /^bulwark gate: no resident gate: the resident gate declined: a partial clone: a missing object would be fetched with credentials a resident gate is not given; evaluating in this process\n$/,
          key,
        );
      } finally {
        repo.git('config', '--unset', key);
      }
    }
    // a promisor remote switched off is no partial clone: `false`, or an empty value (false to git)
    for (const off of ['false', '']) {
      repo.git('config', 'remote.origin.promisor', off);
      try {
        const r = gate(flaggedHead, ['--resident']);
        assert.equal(r.stderr, '', JSON.stringify(off));
        assert.equal(r.stdout, own.stdout);
      } finally {
        repo.git('config', '--unset', 'remote.origin.promisor');
      }
    }
  });

  it('refuses a --resident-idle that is not whole seconds, naming it', () => {
    const r = gate(flaggedHead, ['--resident', '--resident-idle', '10m']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, 'bulwark: --resident-idle: expected whole seconds from 1 to 604800, got "10m"\n');
  });

  it('decides as the process of its own does from a folder inside the work tree: default base, relative --config and --cache-dir, --no-cache, an audit log, a bad config', () => {
    const inside = path.join(repo.dir, 'app');
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(process.execPath, [bin, 'gate', '--head', flaggedHead, ...args], { cwd: inside, encoding: 'utf8', env: { ...env, ...extra } });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    for (const args of [
      ['--config', '../bulwark.toml', '--cache-dir', '../../rel-cache'],
      ['--no-cache', '--json'],
      ['--config', 'no-such.toml'],
    ]) {
      const own = run(args);
      const resident = run([...args, '--resident']);
      assert.deepEqual(resident, own, args.join(' '));
    }
    assert.match(run(['--config', 'no-such.toml']).stderr, /^bulwark: .*no-such\.toml/);
    // the decision is recorded by the asking process, the same entry either way
    const entries = (db: string) => {
      const show = bulwark(['audit', 'show', '--db', db, '--kind', 'gate_decision', '--json']);
      assert.equal(show.code, 0, show.stderr);
      return (JSON.parse(show.stdout) as { entry: { flagged: boolean; paths: string[][]; change_hash: string; head: string } }[]).map((e) => ({
        flagged: e.entry.flagged,
        paths: e.entry.paths,
        change_hash: e.entry.change_hash,
      }));
    };
    const audit = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resident-audit-'));
    try {
      assert.equal(run(['--audit-db', path.join(audit, 'own.db'), '--no-cache']).code, 2);
      assert.equal(run(['--audit-db', path.join(audit, 'resident.db'), '--no-cache', '--resident']).code, 2);
      assert.deepEqual(entries(path.join(audit, 'resident.db')), entries(path.join(audit, 'own.db')));
      assert.equal(entries(path.join(audit, 'own.db')).length, 1);
    } finally {
      rmSync(audit, { recursive: true, force: true });
    }
  });

  it('evaluates in its own process when git configuration comes from the environment, or the folder is in no work tree', () => {
    stop();
    const injected = gate(flaggedHead, ['--resident'], {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: 'Authorization: token t',
    });
    assert.equal(injected.code, 2);
    assert.match(
      injected.stderr,
      /^bulwark gate: no resident gate: GIT_CONFIG_COUNT is set, and git configuration from the environment is never handed to a resident process; evaluating in this process\n$/,
    );
    assert.equal(status(), null, 'no resident gate was started');
    const nowhere = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resident-nowhere-'));
    try {
      const own = bulwark(['gate', '--repo', nowhere, '--base', 'main', '--head', 'HEAD']);
      const resident = bulwark(['gate', '--repo', nowhere, '--base', 'main', '--head', 'HEAD', '--resident']);
      assert.equal(own.code, 3);
      assert.equal(resident.code, 3);
      assert.equal(resident.stderr, `bulwark gate: no resident gate: ${nowhere} is not in a git work tree; evaluating in this process\n${own.stderr}`);
    } finally {
      rmSync(nowhere, { recursive: true, force: true });
    }
  });

  it('two runs that start it at once get the same decision, and one resident gate is left', async () => {
    stop();
    const place = residentPlace(repo.dir, env);
    const both = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
            const c = spawn(
              process.execPath,
              [bin, 'gate', '--repo', repo.dir, '--base', 'main', '--head', flaggedHead, '--cache-dir', cache, '--resident', '--json'],
              { env },
            );
            let stdout = '';
            let stderr = '';
            c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
            c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
            c.on('close', (code) => resolve({ code, stdout, stderr }));
          }),
      ),
    );
    for (const r of both) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, '');
    }
    assert.equal(both[0]!.stdout, both[1]!.stdout);
    // a resident gate whose socket name another took over leaves within its ownership check
    const servers = () => readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && alive(Number(pid)) && cmdline(pid).includes(place.socket));
    await until('one resident gate to be left', () => servers().length === 1, 15_000);
    assert.equal(String(status()!.pid), servers()[0]);
  });

  it('says so, exit 3, when what answers on the socket does not stop', async () => {
    stop();
    const place = residentPlace(repo.dir, env);
    const fake = net.createServer((c) => c.once('data', () => c.end('{"ok":false,"kind":"bad-request","message":"request.op: expected evaluate"}\n')));
    await new Promise<void>((r) => fake.listen(place.socket, r));
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, [bin, 'gate', 'resident', 'stop', '--repo', repo.dir], { env });
        let stderr = '';
        c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        c.on('close', (code) => resolve({ code, stderr }));
      });
      assert.equal(r.code, 3);
      assert.equal(r.stderr, `bulwark: resident gate: the resident gate on ${place.socket} did not stop: it answered request.op: expected evaluate\n`);
    } finally {
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });

  it('a stopped resident gate (a signal, a debugger) is given up on: the run evaluates in its own process, and status says so', async () => {
    stop();
    assert.equal(gate(flaggedHead, ['--resident']).code, 2);
    const pid = status()!.pid;
    const own = gate(flaggedHead);
    process.kill(pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const r = gate(flaggedHead, ['--resident']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, own.stdout);
      const place = residentPlace(repo.dir, env);
      assert.equal(
        r.stderr,
        `bulwark gate: no resident gate: the resident gate on ${place.socket} did not acknowledge the request within 5 s; evaluating in this process\n`,
      );
      assert.ok(Date.now() - t0 < 60_000);
      const st = bulwark(['gate', 'resident', 'status', '--repo', repo.dir]);
      assert.equal(st.code, 3);
      assert.equal(st.stderr, `bulwark: resident gate: the resident gate on ${place.socket} did not answer within 5 s\n`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // running again, it answers as before (the requests it read while stopped had no one to answer)
    assert.equal(gate(flaggedHead, ['--resident']).stdout, own.stdout);
    assert.equal(status()!.pid, pid);
  });

  it('a resident gate stopped after it acknowledged the request is given up on while the run waits', async () => {
    stop();
    const place = residentPlace(repo.dir, env);
    // it acknowledges for a process that is then stopped, and never answers
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    await until('sleep to start', () => alive(sleeper.pid!));
    process.kill(sleeper.pid!, 'SIGSTOP');
    const fake = net.createServer((c) => c.once('data', () => c.write(`{"ok":true,"op":"accepted","pid":${sleeper.pid}}\n`)));
    await new Promise<void>((r) => fake.listen(place.socket, r));
    try {
      const t0 = Date.now();
      const outcome = await prepareGateResident({ repo: repo.dir, base: 'main', head: flaggedHead, cache: false }, { idleMs: 1000, env });
      assert.ok('fallback' in outcome);
      assert.equal(outcome.fallback, `the resident gate (pid ${sleeper.pid}) is stopped`);
      assert.ok(Date.now() - t0 < 10_000, `gave up after ${Date.now() - t0} ms`);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });

  it('evaluates in its own process when it cannot identify its build (a rebuild under it), and starts no resident gate', async () => {
    stop();
    const outcome = await prepareGateResident(
      { repo: repo.dir, base: 'main', head: flaggedHead, cache: false },
      {
        idleMs: 60_000,
        env,
        identify: () => {
          throw new Error("ENOENT: no such file or directory, scandir 'dist/src/gate'");
        },
      },
    );
    assert.deepEqual(outcome, { fallback: "cannot identify this build: ENOENT: no such file or directory, scandir 'dist/src/gate'" });
    assert.equal(status(), null);
  });

  it("replaces a resident gate of an earlier build that cannot read this build's request", async () => {
    stop();
    const place = residentPlace(repo.dir, env);
    // as a build before acknowledgements answers a request with a relative --repo, and stops when asked
    const old = net.createServer((c) =>
      c.once('data', (d: Buffer) => {
        const isStop = d.toString().includes('"op":"stop"');
        c.end(isStop ? '{"ok":true,"op":"stop"}\n' : '{"ok":false,"kind":"bad-request","message":"request.flags.repo: expected an absolute path"}\n');
        if (isStop) old.close();
      }),
    );
    await new Promise<void>((r) => old.listen(place.socket, r));
    // in this process: the old one answers from it too
    const outcome = await prepareGateResident({ repo: repo.dir, base: 'main', head: flaggedHead, cache: false }, { idleMs: 60_000, env });
    assert.ok('prepared' in outcome, JSON.stringify(outcome).slice(0, 300));
    assert.equal(outcome.prepared.statics.flagged, true);
    assert.equal(status()!.served, 1, 'answered by a resident gate of this build');
  });

  it('never takes a broken answer for a decision: a socket that closes or answers garbage leaves the evaluation to the caller', async () => {
    stop();
    const place = residentPlace(repo.dir, env);
    for (const reply of [null, 'not json\n', '{"ok":true,"op":"evaluate","prepared":{"repo":"/r"}}\n']) {
      const fake = net.createServer((c) => {
        c.once('data', () => (reply === null ? c.destroy() : c.end(reply)));
      });
      await new Promise<void>((r) => fake.listen(place.socket, r));
      try {
        const outcome = await prepareGateResident({ repo: repo.dir, base: 'main', head: flaggedHead, cache: false }, { idleMs: 1000, env });
        assert.ok('fallback' in outcome, JSON.stringify(outcome).slice(0, 200));
        assert.match(
          outcome.fallback,
          reply === null ? /the connection (ended|failed)/ : reply.startsWith('not') ? /response: not JSON/ : /response\.prepared\.config: expected an object/,
        );
      } finally {
        await new Promise<void>((r) => fake.close(() => r()));
      }
    }
  });
});

describe('bulwark gate --resident after edit upon edit: what it keeps between runs decides nothing differently', () => {
  const tsFiles: Record<string, string> = {
    'bulwark.toml': '[gate]\nroots = ["*.processPayment"]\n',
    'web/pay.ts': ["import { fee } from './fee.js';", 'export function processPayment(x: number): number {', '  return fee(x);', '}', ''].join('\n'),
    'web/fee.ts': ['export function fee(x: number): number {', '  return x + 1;', '}', ''].join('\n'),
    'web/banner.ts': ['export function banner(x: number): string {', '  return `hi ${x}`;', '}', ''].join('\n'),
    'web/tax.ts': ['export function tax(x: number): number {', '  return x * 2;', '}', ''].join('\n'),
  };
  let repo: FixtureRepo;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const bulwark = (args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  before(() => {
    repo = new FixtureRepo(tsFiles);
    work = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resident-edits-'));
    mkdirSync(path.join(work, 'run'), { mode: 0o700 });
    env = { ...process.env, XDG_RUNTIME_DIR: path.join(work, 'run'), BULWARK_AUDIT_DB: '' };
  });
  after(() => {
    bulwark(['gate', 'resident', 'stop', '--repo', repo.dir]);
    repo.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('each run with a cache folder of its own, both kept from edit to edit: the same output every time', () => {
    const heads: [string, number][] = [
      [repo.branch('e1', { 'web/fee.ts': edit(tsFiles['web/fee.ts']!, 'x + 1', 'x + 2') }), 2],
      [repo.branch('e2', { 'web/banner.ts': edit(tsFiles['web/banner.ts']!, 'hi', 'hello') }), 0],
      [
        repo.branch('e3', {
          'web/fee.ts': edit(tsFiles['web/fee.ts']!, 'return x + 1;', 'return tax(x);').replace(
            'export function fee',
            "import { tax } from './tax.js';\nexport function fee",
          ),
          'web/tax.ts': edit(tsFiles['web/tax.ts']!, 'x * 2', 'x * 3'),
        }),
        2,
      ],
      [repo.branch('e4', { 'web/tax.ts': edit(tsFiles['web/tax.ts']!, 'x * 2', 'x * 4') }), 0],
    ];
    // twice through: the second time, every head's graph and entry was written by a run before
    for (const [head, code] of [...heads, ...heads]) {
      const common = ['gate', '--repo', repo.dir, '--base', 'main', '--head', head, '--json'];
      const own = bulwark([...common, '--cache-dir', path.join(work, 'own')]);
      const resident = bulwark([...common, '--cache-dir', path.join(work, 'resident'), '--resident']);
      assert.equal(own.code, code, own.stderr);
      assert.equal(resident.code, code, resident.stderr);
      assert.equal(resident.stderr, '');
      assert.equal(resident.stdout, own.stdout, `head ${head}`);
    }
    const s = JSON.parse(bulwark(['gate', 'resident', 'status', '--repo', repo.dir, '--json']).stdout) as Status;
    assert.equal(s.served, 8, 'one resident gate served every run');
  });
});
