import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../domain/errors.js';
import { writeFileAtomic } from './log.js';

/**
 * The verifier's memory, kept outside the database (as transparency-log clients keep their last
 * verified checkpoint): for each log origin and trusted key, the largest checkpoint it accepted.
 * Later runs require the log to still contain exactly that prefix, which catches truncation,
 * rollback to a backup and wholesale replacement even when the attacker re-signs nothing.
 */

export const trustedCheckpointSchema = z.strictObject({
  origin: z.string().min(1),
  /** The verifier key (vkey text) the checkpoint was signed with. */
  key: z.string().min(1),
  treeSize: z.number().int().nonnegative(),
  rootHash: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
});
export type TrustedCheckpoint = z.infer<typeof trustedCheckpointSchema>;

const stateSchema = z.strictObject({
  version: z.literal(1),
  logs: z.record(z.string(), trustedCheckpointSchema),
});
export type VerifierState = z.infer<typeof stateSchema>;

export function stateKey(origin: string, key: string): string {
  return `${origin}\n${key}`;
}

export function emptyState(): VerifierState {
  return { version: 1, logs: {} };
}

export function readVerifierState(file: string): VerifierState | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`verifier state ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const res = stateSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new UsageError(`verifier state ${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return res.data;
}

/**
 * Records newly trusted checkpoints. Never moves backwards: a smaller size never replaces a larger
 * one (verify has already checked the new one extends the old one).
 */
export function mergeTrusted(state: VerifierState | undefined, trusted: TrustedCheckpoint[]): VerifierState {
  const next: VerifierState = { version: 1, logs: { ...(state?.logs ?? {}) } };
  for (const t of trusted) {
    const k = stateKey(t.origin, t.key);
    const old = next.logs[k];
    if (!old || t.treeSize >= old.treeSize) next.logs[k] = t;
  }
  return next;
}

export function writeVerifierState(file: string, state: VerifierState): void {
  const sorted: VerifierState = { version: 1, logs: Object.fromEntries(Object.entries(state.logs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  writeFileAtomic(file, JSON.stringify(sorted, null, 2) + '\n');
}
