import { decodeEntry } from '../domain/audit-entries.js';
import { parseVerifierKey, type VerifierKey } from './note.js';
import { checkRotation, keysReachable, type Rotation } from './rotation.js';
import type { LogStore } from './store.js';
import type { TrustedCheckpoint, VerifierState } from './verify-state.js';

/**
 * Which keys verify may accept checkpoints from, for one log. The roots of trust are the anchors
 * handed to the verifier and the key its state pinned for this origin; the signer's own public
 * key is one only on an explicit first use. Valid key_rotation entries extend the roots.
 */

interface TrustInputs {
  store: LogStore;
  trustedKeys: VerifierKey[];
  candidateKey?: VerifierKey;
  trustOnFirstUse?: boolean;
  state?: VerifierState;
  acceptNewOrigin?: boolean;
}

export interface TrustResolution {
  /** Accepted keys; `from` is the smallest tree size a key's checkpoint may have (after its hand-over). */
  keys: { key: VerifierKey; from: number; source: string }[];
  /** What the state pinned for this origin. */
  pinned?: TrustedCheckpoint;
  firstUse: boolean;
  rotations: number;
}

type Problem = { code: 'no_trust_anchor' | 'key_rotation_invalid' | 'trusted_origin_changed'; message: string; index?: number };

export async function resolveTrust(opts: TrustInputs, origin: string | null, add: (p: Problem) => void): Promise<TrustResolution> {
  const roots = new Map<string, { key: VerifierKey; source: string }>();
  for (const k of opts.trustedKeys) roots.set(k.text, { key: k, source: 'anchor' });
  const pinned = origin !== null ? opts.state?.logs[origin] : undefined;
  if (pinned && !roots.has(pinned.key))
    roots.set(pinned.key, { key: parseVerifierKey(pinned.key), source: `pinned by the verifier state${pinned.tofu ? ' on first use' : ''}` });
  let firstUse = false;
  if (roots.size === 0) {
    if (opts.trustOnFirstUse && opts.candidateKey) {
      roots.set(opts.candidateKey.text, { key: opts.candidateKey, source: 'trusted on first use' });
      firstUse = true;
    } else {
      add({
        code: 'no_trust_anchor',
        message: `no trust anchor for log ${JSON.stringify(origin)}: pass --trusted-key FILE, list the key in the base revision's bulwark.toml [audit] trusted_keys${
          opts.candidateKey ? `, or pin the signer's key ${opts.candidateKey.text} with --trust-on-first-use` : ''
        }`,
      });
      return { keys: [], firstUse, rotations: 0 };
    }
  }
  if (!pinned && origin !== null && !opts.acceptNewOrigin) {
    // A key this verifier knows for another log, now on a new origin: the database was replaced.
    for (const { key } of roots.values()) {
      const others = Object.values(opts.state?.logs ?? {}).filter((t) => t.key === key.text && t.origin !== origin);
      if (others.length > 0) {
        add({
          code: 'trusted_origin_changed',
          message: `this verifier trusts key ${key.name} for log ${others.map((o) => JSON.stringify(o.origin)).join(', ')}, but this database is log ${JSON.stringify(origin)}: the database was replaced (pass --accept-new-log if it is really a new log)`,
        });
      }
    }
  }
  const rotations: Rotation[] = [];
  if (origin !== null) {
    // The kind column only selects candidates: each entry's bytes are decoded and its statement
    // checked here, and the column is compared with the bytes while streaming. A rotation hidden
    // behind a wrong column only removes trust (its new key's checkpoints then fail).
    for (const row of await opts.store.queryEntries({ kind: 'key_rotation' })) {
      try {
        const entry = decodeEntry(row.bytes);
        if (entry.kind !== 'key_rotation') continue;
        rotations.push(checkRotation(row.index, entry, origin));
      } catch (e) {
        add({ code: 'key_rotation_invalid', index: row.index, message: (e as Error).message });
      }
    }
  }
  const reach = keysReachable(
    [...roots.values()].map((r) => r.key),
    rotations,
  );
  const keys = reach.map((r) => ({ ...r, source: roots.get(r.key.text)?.source ?? 'by key rotation' }));
  return { keys, ...(pinned ? { pinned } : {}), firstUse, rotations: rotations.length };
}
