import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { changeHashFromRepo } from '../../src/approval/change-hash.js';
import { openAuditLog, type AuditLog } from '../../src/audit/index.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';

/**
 * A reviewed change for approval tests: a real git repo (author author@example.test) with a change
 * on a branch, SSH keys for a reviewer, the author and an outsider, an allowed-signers file listing
 * the first two, and a real SQLite audit log holding the run's start and its gate decision.
 */
export interface ApprovalFixture {
  dir: string;
  repo: GitRepo;
  base: string;
  head: string;
  changeHash: string;
  keys: { alice: string; bob: string; author: string; mallory: string };
  allowedSigners: string;
  dbPath: string;
  log: AuditLog;
  runId: string;
  cleanup(): Promise<void>;
}

export async function makeApprovalFixture(opts: { flagged?: boolean; zones?: string[]; dbPath?: string } = {}): Promise<ApprovalFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-approval-'));
  const repo = makeGitRepo();
  repo.write('lending/loan.py', 'def approve_loan(x):\n    return x > 1\n');
  const base = repo.commit('base');
  repo.checkout('feature', true);
  repo.write('lending/loan.py', 'def approve_loan(x):\n    return x > 0\n');
  const head = repo.commit('lower the bar');
  const { changeHash } = await changeHashFromRepo(repo.dir, base, head);

  const key = (name: string): string => {
    const f = path.join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', f]);
    return f;
  };
  const keys = { alice: key('alice'), bob: key('bob'), author: key('author'), mallory: key('mallory') };
  const allowedSigners = path.join(dir, 'allowed_signers');
  const pub = (f: string): string => readFileSync(f + '.pub', 'utf8').trim();
  writeFileSync(allowedSigners, `alice@bank.example ${pub(keys.alice)}\nbob@bank.example ${pub(keys.bob)}\nauthor@example.test ${pub(keys.author)}\n`);
  const dbPath = opts.dbPath ?? path.join(dir, 'audit.db');
  const log = await openAuditLog({ location: dbPath, keyFile: path.join(dir, 'audit.key'), origin: 'bank.example/bulwark-test', notice: () => undefined });
  const runId = 'run-0001';
  await log.append({
    kind: 'run_started',
    run_id: runId,
    command: 'review',
    repo: repo.dir,
    base,
    head,
    change_hash: changeHash,
    time: '2026-11-16T10:00:00.000Z',
  });
  await log.append({
    kind: 'gate_decision',
    run_id: runId,
    flagged: opts.flagged ?? true,
    reasons: ['lending/loan.py: approve_loan is a regulated root'],
    zones: opts.zones ?? ['lending'],
    change_hash: changeHash,
    time: '2026-11-16T10:00:01.000Z',
  });
  return {
    dir,
    repo,
    base,
    head,
    changeHash,
    keys,
    allowedSigners,
    dbPath,
    log,
    runId,
    async cleanup() {
      await log.close().catch(() => undefined);
      repo.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
