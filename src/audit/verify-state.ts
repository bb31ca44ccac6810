import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../domain/errors.js';
import { writeFileAtomic } from './log.js';

/**
 * The verifier's memory, kept outside the database (as transparency-log clients keep their last
 * verified checkpoint): for each log origin, the key it trusts for that log and the largest
 * checkpoint it accepted. Later runs require the log to still contain exactly that prefix, which
 * catches truncation, rollback to a backup and wholesale replacement even when the attacker
 * re-signs nothing; and a log of a known origin signed by another key fails unless a rotation
 * statement signed by the pinned key hands over to it.
 */

export const trustedCheckpointSchema = z.strictObject({
  origin: z.string().min(1),
  /** The verifier key (vkey text) pinned for this origin: the key of the newest trusted checkpoint. */
  key: z.string().min(1),
  treeSize: z.number().int().nonnegative(),
  rootHash: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
  /** Pinned on first use (--trust-on-first-use), not from an anchor given to the verifier. */
  tofu: z.boolean().optional(),
});
export type TrustedCheckpoint = z.infer<typeof trustedCheckpointSchema>;

const stateV1Schema = z.strictObject({
  version: z.literal(1),
  logs: z.record(z.string(), trustedCheckpointSchema),
});

const stateSchema = z.strictObject({
  version: z.literal(2),
  /** Keyed by origin: one pinned key per log. */
  logs: z.record(z.string(), trustedCheckpointSchema),
});
export type VerifierState = z.infer<typeof stateSchema>;

export function emptyState(): VerifierState {
  return { version: 2, logs: {} };
}

export function readVerifierState(file: string): VerifierState | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`verifier state ${file} is not valid JSON: ${(e as Error).message}`);
  }
  // Version 1 kept one record per origin and key; its largest record per origin becomes the pin.
  const v1 = stateV1Schema.safeParse(raw);
  if (v1.success) return mergeTrusted(undefined, Object.values(v1.data.logs));
  const res = stateSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new UsageError(`verifier state ${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  for (const [k, v] of Object.entries(res.data.logs)) {
    if (k !== v.origin) throw new UsageError(`verifier state ${file}: logs.${k}: record is for origin ${JSON.stringify(v.origin)}`);
  }
  return res.data;
}

/**
 * Records newly trusted checkpoints. Never moves backwards: a smaller size never replaces a larger
 * one (verify has already checked the new one extends the old one). A record pinned from an
 * anchor stays so: a later first-use flag never marks it tofu again.
 */
export function mergeTrusted(state: VerifierState | undefined, trusted: TrustedCheckpoint[]): VerifierState {
  const next: VerifierState = { version: 2, logs: { ...(state?.logs ?? {}) } };
  for (const t of trusted) {
    const old = next.logs[t.origin];
    if (!old || t.treeSize >= old.treeSize) {
      const tofu = t.tofu === true && (old === undefined || old.tofu === true);
      const { tofu: _t, ...rest } = t;
      next.logs[t.origin] = tofu ? { ...rest, tofu: true } : rest;
    }
  }
  return next;
}

export function writeVerifierState(file: string, state: VerifierState): void {
  const sorted: VerifierState = { version: 2, logs: Object.fromEntries(Object.entries(state.logs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  writeFileAtomic(file, JSON.stringify(sorted, null, 2) + '\n');
}
