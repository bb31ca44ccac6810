import { z } from 'zod';
import path from 'node:path';
import { resolveAuditPath } from './config-paths.js';

/**
 * The [audit] table of bulwark.toml (owned by the audit subsystem). Unknown keys are errors.
 * Relative paths are relative to bulwark.toml's folder: callers pass the table through
 * resolveAuditConfigPaths(cfg.audit, cfg.dir) before use.
 */
const days = z.number().int().positive().max(36_500);

/**
 * [audit.retention]: how long prompt/response blobs stay hot (in the store), warm (compressed
 * monthly archives) and cold before they are purged, and where the archives live. Flags of
 * `bulwark audit retain` override each key.
 */
export const retentionConfigSchema = z
  .object({
    hot_days: days.optional(),
    warm_days: days.optional(),
    purge_days: days.optional(),
    /** Warm archive folder (relative to bulwark.toml's folder); default <db dir>/archive/warm. */
    warm_dir: z.string().min(1).optional(),
    /** Cold archive folder (relative to bulwark.toml's folder); default <db dir>/archive/cold. */
    cold_dir: z.string().min(1).optional(),
  })
  .strict()
  .refine((r) => r.hot_days === undefined || r.warm_days === undefined || r.hot_days < r.warm_days, {
    message: 'hot_days must be less than warm_days',
    path: ['warm_days'],
  })
  .refine((r) => r.warm_days === undefined || r.purge_days === undefined || r.warm_days < r.purge_days, {
    message: 'warm_days must be less than purge_days',
    path: ['purge_days'],
  });
export type RetentionConfig = z.infer<typeof retentionConfigSchema>;

/** [[audit.witnesses]]: a C2SP tlog-witness that cosigns this log's checkpoints. */
export const witnessConfigSchema = z
  .object({
    /** A label for messages; the key's own name is what signature lines carry. */
    name: z.string().min(1).max(128),
    /** The witness's submission prefix (requests go to <url>/add-checkpoint). */
    url: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL'),
    /** The witness's cosignature/v1 public key (vkey: <name>+<key id>+<base64>). */
    key: z.string().min(1),
  })
  .strict();
export type WitnessConfig = z.infer<typeof witnessConfigSchema>;

export const auditConfigSchema = z
  .object({
    /** SQLite path or postgres:// URL; --audit-db and BULWARK_AUDIT_DB take precedence. */
    db: z.string().min(1).optional(),
    /** Ed25519 checkpoint signing key (written by `bulwark audit keygen`). */
    key_file: z.string().min(1).optional(),
    /** External signer: argv run without a shell; note body on stdin, Ed25519 signature (raw or base64) on stdout. */
    sign_command: z.array(z.string().min(1)).min(1).optional(),
    /** The external signer's public key (C2SP vkey line); every signature is checked against it. */
    sign_command_key: z.string().min(1).optional(),
    /** Allow creating a per-user signing key on first use even in CI (CI=true). */
    generate_key: z.boolean().optional(),
    /** Verifier keys (C2SP vkey lines) `bulwark audit verify` trusts, read from the base revision's bulwark.toml. */
    trusted_keys: z.array(z.string().min(1)).optional(),
    /** Every checkpoint is also written here, away from the database. */
    checkpoint_file: z.string().min(1).optional(),
    /** Checkpoint origin line identifying this log (no newlines). */
    origin: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[^\s+][^\n]*$/, 'must be one line without leading whitespace or "+"')
      .optional(),
    /** Public key file (C2SP vkey) offered for trust on first use; default: <key_file>.pub. Not a trust anchor by itself. */
    trusted_key: z.string().min(1).optional(),
    /** Verifier state file (last trusted checkpoint per origin and key). */
    verify_state: z.string().min(1).optional(),
    /** How far an entry's time may go back relative to the previous entry before verify fails. */
    timestamp_tolerance_ms: z.number().int().min(0).max(86_400_000).optional(),
    retention: retentionConfigSchema.optional(),
    /** Witnesses asked to cosign each run's checkpoint (best effort unless witness_required). */
    witnesses: z.array(witnessConfigSchema).max(32).optional(),
    /** How long a run waits for each witness, ms. */
    witness_timeout_ms: z.number().int().min(100).max(120_000).optional(),
    /** A run fails (exit 5) when any configured witness does not cosign its checkpoint. */
    witness_required: z.boolean().optional(),
  })
  .strict();
export type AuditConfig = z.infer<typeof auditConfigSchema>;

export const DEFAULT_TIMESTAMP_TOLERANCE_MS = 5_000;

/** The table with relative paths resolved against the config file's folder (URLs untouched). */
export function resolveAuditConfigPaths(cfg: AuditConfig | undefined, dir: string): AuditConfig {
  const out: AuditConfig = { ...(cfg ?? {}) };
  const abs = (p: string | undefined) => resolveAuditPath(p, dir);
  out.db = abs(out.db);
  out.key_file = abs(out.key_file);
  out.checkpoint_file = abs(out.checkpoint_file);
  out.trusted_key = abs(out.trusted_key);
  out.verify_state = abs(out.verify_state);
  if (out.retention) {
    const r = { ...out.retention, warm_dir: abs(out.retention.warm_dir), cold_dir: abs(out.retention.cold_dir) };
    if (r.warm_dir === undefined) delete r.warm_dir;
    if (r.cold_dir === undefined) delete r.cold_dir;
    out.retention = r;
  }
  for (const k of Object.keys(out) as (keyof AuditConfig)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** Every file of the audit store a worker must never read, from the log actually opened and its [audit] table. */
export function auditStoreFiles(location: string, cfg: AuditConfig | undefined): string[] {
  const files = [location, cfg?.key_file, cfg?.checkpoint_file, cfg?.verify_state, cfg?.db]
    .filter((p): p is string => typeof p === 'string' && p.length > 0 && !/^postgres(ql)?:/i.test(p))
    .map((p) => path.resolve(p));
  return [...new Set(files)];
}
