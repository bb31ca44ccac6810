import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { writeKeyPair } from '../../src/audit/keys.js';
import { openAuditLogImpl, type AuditLogImpl } from '../../src/audit/log.js';
import { parseSignerKey, parseVerifierKey, type SignerKey, type VerifierKey } from '../../src/audit/note.js';
import { readFileSync } from 'node:fs';

export interface TempLogDir {
  dir: string;
  db: string;
  keyFile: string;
  pubFile: string;
  signer: SignerKey;
  verifier: VerifierKey;
  open(opts?: { origin?: string; checkpointFile?: string; db?: string }): Promise<AuditLogImpl>;
  cleanup(): void;
}

/** A temp dir (outside any git work tree) with a fresh key pair and a DB path. */
export function tempLogDir(prefix = 'bulwark-audit-'): TempLogDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const keyFile = path.join(dir, 'keys', 'audit-key');
  const res = writeKeyPair(keyFile, { name: 'test-audit' });
  const db = path.join(dir, 'audit.db');
  return {
    dir,
    db,
    keyFile,
    pubFile: res.publicKeyFile,
    signer: parseSignerKey(readFileSync(keyFile, 'utf8')),
    verifier: parseVerifierKey(res.verifierKey),
    open: (opts = {}) =>
      openAuditLogImpl({ location: opts.db ?? db, keyFile, origin: opts.origin, checkpointFile: opts.checkpointFile, notice: () => undefined }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function llmCall(runId: string, i: number, blob: string | null, time?: string): EntryInput {
  return {
    kind: 'llm_call',
    ...(time ? { time } : {}),
    run_id: runId,
    stage: 'security',
    agent_id: 'reviewer',
    provider: 'anthropic',
    model_requested: 'claude-x',
    model_returned: 'claude-x-2026',
    params: { temperature: 0, max_tokens: 1024 },
    input_hash: `sha256:${'a'.repeat(63)}${i % 10}`,
    output_hash: `sha256:${'b'.repeat(64)}`,
    latency_ms: 100 + i,
    tokens_in: 10 * i,
    tokens_out: 5,
    status: 'ok',
    error_class: null,
    blob,
  };
}

/** Raw access, as a database owner (an attacker with file access) would have. */
export function raw(db: string): Database.Database {
  return new Database(db);
}

/** Drops the append-only triggers; the returned function puts them back (a careful attacker). */
export function dropTriggers(d: Database.Database): () => void {
  const rows = d.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string }[];
  for (const r of rows) d.exec(`DROP TRIGGER "${r.name}"`);
  return () => rows.forEach((r) => d.exec(r.sql));
}
