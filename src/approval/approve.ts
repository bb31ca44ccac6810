import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AppendResult, AuditLog } from '../audit/index.js';
import type { EntryOf } from '../domain/audit-entries.js';
import { UsageError } from '../domain/errors.js';
import { canonicalJson } from '../domain/canonical-json.js';
import { changeHashFromRepo, isChangeHash } from './change-hash.js';
import { runFacts, runsForChange } from './log-facts.js';
import { APPROVAL_NAMESPACE, sshSign, sshVerify } from './ssh-signature.js';

const execFileP = promisify(execFile);

export type ApprovalEntry = EntryOf<'approval'>;
export type Decision = ApprovalEntry['decision'];

/**
 * The exact bytes a reviewer signs: canonical JSON of what the approval entry asserts. Verification
 * rebuilds it from the entry's fields, so changing any of them invalidates the signature.
 */
export function approvalPayload(a: {
  run_id?: string | undefined;
  reviewer: string;
  change_hash: string;
  decision: string;
  method: string;
  time: string;
}): string {
  return canonicalJson({
    namespace: APPROVAL_NAMESPACE,
    v: 1,
    ...(a.run_id !== undefined ? { run_id: a.run_id } : {}),
    reviewer: a.reviewer,
    change_hash: a.change_hash,
    decision: a.decision,
    method: a.method,
    time: a.time,
  });
}

/** Author identities (emails and names, lower-cased) of every commit in mergeBase..head. */
export async function changeAuthors(repoDir: string, mergeBase: string, head: string): Promise<Set<string>> {
  const { stdout } = await execFileP('git', ['-C', repoDir, 'log', '--format=%ae%x00%an%x00%ce', `${mergeBase}..${head}`], { maxBuffer: 64 << 20 });
  const out = new Set<string>();
  for (const line of stdout.split('\n')) for (const id of line.split('\0')) if (id.trim()) out.add(id.trim().toLowerCase());
  return out;
}

/** The reviewer counts as an author when their principal matches any author email or name. */
export function isAuthor(reviewer: string, authors: Iterable<string>, aliases: readonly string[] = []): boolean {
  const ids = new Set([reviewer, ...aliases].map((x) => x.toLowerCase()));
  for (const a of authors) if (ids.has(a.toLowerCase())) return true;
  return false;
}

export interface ApproveOptions {
  log: AuditLog;
  runId?: string;
  changeHash?: string;
  reviewer: string;
  keyFile: string;
  allowedSignersFile: string;
  /** Checkout holding the run's commits: the change hash and authors are recomputed from it. */
  repoDir: string;
  decision?: Decision;
  comment?: string;
  now?: () => Date;
}

export interface ApproveResult {
  entry: ApprovalEntry;
  appended: AppendResult;
  runIds: string[];
}

/**
 * Records a signed approval (or rejection) of a change. Refuses — before anything is written — when
 * the run is unknown, the given change hash does not match the run's, the checkout's base...head
 * does not hash to it, the reviewer authored a commit of the change, or the key is not the
 * reviewer's in the allowed-signers file.
 */
export async function approveChange(opts: ApproveOptions): Promise<ApproveResult> {
  const store = opts.log.store;
  if (opts.runId === undefined && opts.changeHash === undefined) throw new UsageError('approve needs --run ID or --change HASH');
  if (opts.changeHash !== undefined && !isChangeHash(opts.changeHash)) throw new UsageError(`--change "${opts.changeHash}" is not sha256:<64 hex>`);
  if (opts.comment !== undefined && opts.comment.length > 4096) throw new UsageError(`--comment is ${opts.comment.length} characters; at most 4096`);
  if (opts.reviewer.length === 0 || opts.reviewer.length > 256) throw new UsageError('--reviewer must be 1..256 characters');

  let runIds: string[];
  let changeHash: string;
  if (opts.runId !== undefined) {
    const facts = await runFacts(store, opts.runId);
    if (!facts) throw new UsageError(`run ${opts.runId} is not in the audit log ${opts.log.location}`);
    if (!facts.changeHash) throw new UsageError(`run ${opts.runId} recorded no change hash; it cannot be approved`);
    if (opts.changeHash !== undefined && opts.changeHash !== facts.changeHash) {
      throw new UsageError(`change hash ${opts.changeHash} does not match run ${opts.runId} (${facts.changeHash})`);
    }
    changeHash = facts.changeHash;
    runIds = [opts.runId];
  } else {
    changeHash = opts.changeHash!;
    runIds = await runsForChange(store, changeHash);
    if (runIds.length === 0) throw new UsageError(`no run in the audit log reviewed change ${changeHash}`);
  }

  const facts = (await runFacts(store, runIds[runIds.length - 1]!))!;
  const { base, head } = facts.started?.entry ?? {};
  if (!base || !head) throw new UsageError(`run ${facts.runId} recorded no base/head; the change's authors cannot be checked`);
  const local = await changeHashFromRepo(opts.repoDir, base, head);
  if (local.changeHash !== changeHash) {
    throw new UsageError(`change hash of ${base}...${head} in ${opts.repoDir} is ${local.changeHash}, not the reviewed ${changeHash}`);
  }
  const authors = await changeAuthors(opts.repoDir, local.mergeBase, local.head);
  if (isAuthor(opts.reviewer, authors)) throw new UsageError(`reviewer ${opts.reviewer} is an author of the change; an approval must come from someone else`);

  const time = (opts.now ?? (() => new Date()))().toISOString();
  const decision = opts.decision ?? 'approve';
  const fields = {
    ...(opts.runId !== undefined ? { run_id: opts.runId } : {}),
    reviewer: opts.reviewer,
    change_hash: changeHash,
    decision,
    method: 'cli' as const,
    time,
  };
  const payload = approvalPayload(fields);
  const signature = await sshSign(opts.keyFile, payload);
  // Checked before appending: an unknown key or a key of someone else never reaches the log.
  const info = await sshVerify({ allowedSignersFile: opts.allowedSignersFile, principal: opts.reviewer, signature, data: payload });
  const entry: ApprovalEntry = {
    v: 1,
    kind: 'approval',
    ...fields,
    signature,
    key_fingerprint: info.fingerprint,
    ...(facts.gate ? { zones: facts.gate.entry.zones } : {}),
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
  };
  const { v: _v, ...input } = entry;
  const appended = await opts.log.append(input);
  return { entry, appended, runIds };
}

/** Re-checks a recorded CLI approval's signature against the allowed-signers file. */
export async function verifyApprovalSignature(entry: ApprovalEntry, allowedSignersFile: string): Promise<void> {
  if (entry.method !== 'cli') throw new UsageError(`approval by ${entry.reviewer} has method ${entry.method}, not an SSH signature`);
  const info = await sshVerify({ allowedSignersFile, principal: entry.reviewer, signature: entry.signature, data: approvalPayload(entry) });
  if (entry.key_fingerprint !== undefined && entry.key_fingerprint !== info.fingerprint) {
    throw new UsageError(`approval by ${entry.reviewer} names key ${entry.key_fingerprint} but was signed by ${info.fingerprint}`);
  }
}
