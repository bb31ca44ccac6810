import type { EntryInput, EntryOf } from '../domain/audit-entries.js';
import { NoteError, parseVerifierKey, signNoteWith, verifiedSigners, type NoteSigner, type VerifierKey } from './note.js';

/**
 * Key-rotation statements: a signed note
 *
 *     bulwark audit key rotation v1
 *     <origin>
 *     <old vkey>
 *     <new vkey>
 *
 * signed by the old key and by the new key, recorded in the log as a `key_rotation` entry. The old
 * key's signature is the hand-over (an attacker holding only the runner's files cannot make it for
 * a key the verifier trusts); the new key's signature shows its holder accepted the log.
 */

const HEADER = 'bulwark audit key rotation v1';

export function rotationText(origin: string, oldKey: VerifierKey, newKey: VerifierKey): string {
  return `${HEADER}\n${origin}\n${oldKey.text}\n${newKey.text}\n`;
}

export async function rotationEntry(origin: string, current: NoteSigner, next: NoteSigner): Promise<EntryInput> {
  const statement = await signNoteWith(rotationText(origin, current.verifier, next.verifier), [current, next]);
  return { kind: 'key_rotation', old_key: current.verifier.text, new_key: next.verifier.text, statement };
}

export interface Rotation {
  index: number;
  oldKey: VerifierKey;
  newKey: VerifierKey;
}

/** Checks one key_rotation entry: the statement names this origin and both keys, and both signed it. */
export function checkRotation(index: number, entry: EntryOf<'key_rotation'>, origin: string): Rotation {
  let oldKey: VerifierKey;
  let newKey: VerifierKey;
  try {
    oldKey = parseVerifierKey(entry.old_key);
    newKey = parseVerifierKey(entry.new_key);
  } catch (e) {
    throw new NoteError(`key rotation at entry ${index}: ${(e as Error).message}`);
  }
  let signed;
  try {
    signed = verifiedSigners(entry.statement, [oldKey, newKey]);
  } catch (e) {
    throw new NoteError(`key rotation at entry ${index}: ${(e as Error).message}`);
  }
  if (signed.text !== rotationText(origin, oldKey, newKey)) {
    throw new NoteError(`key rotation at entry ${index}: the statement does not name this log's origin and the entry's two keys`);
  }
  if (!signed.keys.includes(oldKey)) throw new NoteError(`key rotation at entry ${index}: the statement is not signed by the old key ${oldKey.name}`);
  if (!signed.keys.includes(newKey)) throw new NoteError(`key rotation at entry ${index}: the statement is not signed by the new key ${newKey.name}`);
  return { index, oldKey, newKey };
}

/**
 * The keys reachable from `anchors` through valid rotations (either direction: both keys signed
 * each statement), with the entry index from which each rotated-in key may sign.
 */
export function keysReachable(anchors: VerifierKey[], rotations: Rotation[]): { key: VerifierKey; from: number }[] {
  const out = new Map<string, { key: VerifierKey; from: number }>();
  for (const a of anchors) out.set(a.text, { key: a, from: 0 });
  for (let changed = true; changed;) {
    changed = false;
    for (const r of rotations) {
      const hasOld = out.get(r.oldKey.text);
      const hasNew = out.get(r.newKey.text);
      if (hasOld && !hasNew) {
        out.set(r.newKey.text, { key: r.newKey, from: r.index + 1 });
        changed = true;
      } else if (hasNew && !hasOld) {
        out.set(r.oldKey.text, { key: r.oldKey, from: 0 });
        changed = true;
      }
    }
  }
  return [...out.values()];
}
