import { z } from 'zod';

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
