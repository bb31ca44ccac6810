import { z } from 'zod';
import path from 'node:path';

/**
 * The [audit] table of bulwark.toml (owned by the audit subsystem). Unknown keys are errors.
 * Paths are used as given (relative paths resolve against the working directory).
 */
export const auditConfigSchema = z
  .object({
    /** SQLite path or postgres:// URL; --audit-db and BULWARK_AUDIT_DB take precedence. */
    db: z.string().min(1).optional(),
    /** Ed25519 checkpoint signing key (written by `bulwark audit keygen`). */
    key_file: z.string().min(1).optional(),
    /** Every checkpoint is also written here, away from the database. */
    checkpoint_file: z.string().min(1).optional(),
    /** Checkpoint origin line identifying this log (no newlines). */
    origin: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[^\s+][^\n]*$/, 'must be one line without leading whitespace or "+"')
      .optional(),
    /** Public key (C2SP vkey) the verifier trusts; default: <key_file>.pub. */
    trusted_key: z.string().min(1).optional(),
    /** Verifier state file (last trusted checkpoint per origin and key). */
    verify_state: z.string().min(1).optional(),
    /** How far an entry's time may go back relative to the previous entry before verify fails. */
    timestamp_tolerance_ms: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();
export type AuditConfig = z.infer<typeof auditConfigSchema>;

export const DEFAULT_TIMESTAMP_TOLERANCE_MS = 5_000;

/** The table with relative paths resolved against the config file's folder (URLs untouched). */
export function resolveAuditConfigPaths(cfg: AuditConfig | undefined, dir: string): AuditConfig {
  const out: AuditConfig = { ...(cfg ?? {}) };
  const abs = (p: string | undefined) => (p === undefined || /^postgres(ql)?:\/\//i.test(p) ? p : path.resolve(dir, p));
  out.db = abs(out.db);
  out.key_file = abs(out.key_file);
  out.checkpoint_file = abs(out.checkpoint_file);
  out.trusted_key = abs(out.trusted_key);
  out.verify_state = abs(out.verify_state);
  for (const k of Object.keys(out) as (keyof AuditConfig)[]) if (out[k] === undefined) delete out[k];
  return out;
}
