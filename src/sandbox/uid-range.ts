// A block of uids workers run as, and how a configured one is read: kept apart from
// worker-uid.ts so that loading a configuration does not load its file locking.
import { UsageError } from '../domain/errors.js';

/** The uids workers run as, both ends included. */
export interface UidRange {
  first: number;
  last: number;
}

/**
 * The default block: inside Debian's 60000-64999 "reserved for global allocation", clear of
 * systemd-homed (60001-60513) and systemd's dynamic users (61184-65519), and below 65536 so a
 * container with a 16-bit uid map can use it. 400 uids = 400 workers at once on one host.
 */
export const DEFAULT_UID_RANGE: UidRange = { first: 60600, last: 60999 };

/** Parses "FIRST-LAST" (inclusive); both ends 1..4294967294, never 0 or 65534 (nobody). */
export function parseUidRange(text: string, where = 'uid_range'): UidRange {
  const m = /^\s*(\d{1,10})\s*-\s*(\d{1,10})\s*$/.exec(text);
  if (!m) throw new UsageError(`${where}: expected "FIRST-LAST" (e.g. "60600-60999"), got ${JSON.stringify(text)}`);
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (first < 1 || last > 0xfffffffe || first > last) throw new UsageError(`${where}: "${text}" must satisfy 1 <= FIRST <= LAST <= 4294967294`);
  if (first <= 65534 && 65534 <= last) throw new UsageError(`${where}: "${text}" includes 65534 (nobody), which other software shares`);
  return { first, last };
}
