import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../src/domain/errors.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { BIN, auditEntries, runCli } from '../helpers/cli.js';
import { procStatFields } from '../../src/sandbox/proc-stat.js';

/**
 * SIGTERM/SIGINT during `bulwark review`: the real CLI in a child process, the real sandboxed
 * worker, a model server that never answers. The run must stop its workers, record
 * run_finished/cancelled, sign a checkpoint and exit 6; a second signal exits at once. Either way
 * no temporary folder is left (the stage's scratch, the base configuration's copy).
 */

interface ProcInfo {
  pid: number;
  ppid: number;
  start: string;
}

function procTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = procStatFields(Number(name));
    // undefined: exited while we looked
    if (fields) out.push({ pid: Number(name), ppid: Number(fields[1]), start: fields[19]! });
  }
  return out;
}

/** Every process below `root` (children, grandchildren, ...), with its start time. */
function descendants(root: number): ProcInfo[] {
  const table = procTable();
  const found: ProcInfo[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const kids = table.filter((p) => frontier.includes(p.ppid));
    found.push(...kids);
    frontier = kids.map((k) => k.pid);
  }
  return found;
}

/** Those of `procs` still alive (same pid and start time: not a reused pid); zombies count as gone. */
function stillAlive(procs: ProcInfo[]): ProcInfo[] {
  return procs.filter((p) => {
    const fields = procStatFields(p.pid);
    return fields !== undefined && fields[19] === p.start && fields[0] !== 'Z';
  });
}

async function waitGone(procs: ProcInfo[], ms: number): Promise<ProcInfo[]> {
  const until = Date.now() + ms;
  let alive = stillAlive(procs);
  while (alive.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    alive = stillAlive(procs);
  }
  return alive;
}

describe('cancelling a review (SIGTERM/SIGINT)', () => {
  let repo: GitRepo;
  let tmp: string;
  let llm: FakeServer;
  let env: NodeJS.ProcessEnv;
  /** Resolves at each model request (the stage is under way in its worker). */
  let onRequest: () => void = () => undefined;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-cancel-'));
    repo = makeGitRepo('bulwark-cancel-repo-');
    chmodSync(repo.dir, 0o755);
    repo.writeAll({
      'bulwark.toml': 'topology = "review/topology.toml"\n',
      'review/topology.toml': '[[pipeline.stages]]\nname = "security"\nprompt_file = "prompts/security.md"\n',
      'review/prompts/security.md': 'Review for security defects.\n',
      'src/pay.js': 'export const pay = (a) => a;\n',
    });
    repo.commit('base');
    repo.checkout('feature', true);
    repo.write('src/pay.js', 'export const pay = (a, b) => a + b;\n');
    repo.commit('change');
    llm = await startFakeOpenAi({
      apiKey: 'sk-test',
      respond: () => {
        onRequest();
        return { type: 'hang' };
      },
    });
    env = {
      PATH: process.env.PATH,
      HOME: tmp,
      XDG_STATE_HOME: path.join(tmp, 'state'),
      XDG_CONFIG_HOME: path.join(tmp, 'config'),
      XDG_CACHE_HOME: path.join(tmp, 'cache'),
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: llm.url,
      NO_COLOR: '1',
    };
  });

  after(async () => {
    await llm.close();
    repo.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A TMPDIR of the review's own (the sandbox uid traverses it, as it does /tmp), to see what it leaves there. */
  function privateTmpDir(name: string): string {
    const dir = path.join(tmp, `tmpdir-${name}`);
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(tmp, 0o755);
    return dir;
  }

  /** Starts a review, waits until its stage's model call is in flight, returns the child and its processes then. */
  async function startReview(
    db: string,
    tmpDir: string,
  ): Promise<{ child: ChildProcess; exit: Promise<{ code: number | null; signal: string | null; stderr: string }>; procs: ProcInfo[]; stderr: () => string }> {
    const requested = new Promise<void>((resolve) => (onRequest = resolve));
    const child = spawn(process.execPath, [BIN, 'review', '--repo', repo.dir, '--base', 'main', '--head', 'feature', '--format', 'json', '--audit-db', db], {
      env: { ...env, TMPDIR: tmpDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stderr })),
    );
    const early = exit.then((r) => {
      throw new Error(`review ended before its model call: ${r.code ?? r.signal} ${r.stderr}`);
    });
    await Promise.race([requested, early]);
    early.catch(() => undefined);
    const procs = descendants(child.pid!);
    // the launcher and the sandboxed worker, at least
    assert.ok(procs.length >= 2, `expected the worker below the CLI, found ${JSON.stringify(procs)}`);
    // the scan below sees what it is meant to: the stage's scratch and the base configuration's copy
    const made = readdirSync(tmpDir).sort();
    assert.ok(
      made.some((n) => n.startsWith('bulwark-stage-security-')) && made.some((n) => n.startsWith('bulwark-base-config-')),
      `expected the run's temporary folders in ${tmpDir}, found ${made.join(', ')}`,
    );
    return { child, exit, procs, stderr: () => stderr };
  }

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} mid-stage: workers stopped, run_finished/cancelled recorded and signed, exit 6, the log verifies`, async () => {
      const db = path.join(tmp, `audit-${sig}.db`);
      const tmpDir = privateTmpDir(sig);
      const { child, exit, procs } = await startReview(db, tmpDir);
      child.kill(sig);
      const r = await exit;
      assert.equal(r.code, ExitCode.Cancelled, `exit ${r.code ?? r.signal}: ${r.stderr}`);
      assert.match(r.stderr, /cancel/);
      assert.deepEqual(await waitGone(procs, 5_000), [], 'worker processes outlived the cancelled run');
      assert.deepEqual(readdirSync(tmpDir), [], 'temporary folders outlived the cancelled run');

      const entries = await auditEntries(db);
      const last = entries.at(-1)!;
      assert.equal(last.kind, 'run_finished');
      assert.equal((last as { status: string }).status, 'cancelled');
      assert.equal((last as { exit_code: number }).exit_code, ExitCode.Cancelled);
      const stage = entries.find((e) => e.kind === 'stage_finished') as { status: string } | undefined;
      assert.equal(stage?.status, 'failed');

      // the per-user key the run signed with is the verifier's anchor here
      const v = await runCli(['audit', 'verify', '--db', db, '--no-state-update', '--trusted-key', path.join(tmp, 'config', 'bulwark', 'audit-key.pub')], env);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, / 0 entries after the last checkpoint/);
    });
  }

  it('a second signal exits at once (128 + signal number) and still leaves no worker behind', async () => {
    const db = path.join(tmp, 'audit-twice.db');
    const tmpDir = privateTmpDir('twice');
    const { child, exit, procs, stderr } = await startReview(db, tmpDir);
    child.kill('SIGTERM');
    // two signals sent back to back may reach the process as one (standard signals do not queue):
    // the second goes once the first has been taken, as a second Ctrl-C would: as soon as the line
    // saying so arrives, not on a poll (a cancellation that ends within the poll's wait exits 6)
    await new Promise<void>((resolve) => {
      const taken = (): void => {
        if (!/cancelling the run/.test(stderr())) return;
        child.stderr!.off('data', taken);
        child.kill('SIGTERM');
        resolve();
      };
      child.stderr!.on('data', taken);
      taken();
    });
    const r = await exit;
    assert.equal(r.code, 128 + os.constants.signals.SIGTERM, `exit ${r.code ?? r.signal}: ${r.stderr}`);
    assert.match(r.stderr, /again/);
    assert.deepEqual(await waitGone(procs, 5_000), [], 'worker processes outlived the forced exit');
    // the stage's scratch holds what the pull request's content made: not left in the temp folder
    assert.deepEqual(readdirSync(tmpDir), [], 'temporary folders outlived the forced exit');
  });
});
