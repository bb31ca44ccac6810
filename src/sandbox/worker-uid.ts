/**
 * A uid/gid of its own for each concurrent worker, when Bulwark runs as root. Per-uid kernel
 * accounting and permission checks (RLIMIT_NPROC, setpriority, sched_setaffinity, ioprio_set,
 * kill, chmod/utimensat/setxattr of files the uid owns) then reach no other worker.
 *
 * Allocation is safe across concurrent Bulwark processes on one host: each uid is held through a
 * lock (proper-lockfile: an atomic mkdir under the runtime dir, refreshed while held, taken over
 * only once stale) and is skipped when /etc/passwd or /etc/group names it or when any process still
 * runs with it (left over from a crashed run, or someone else's use of the block).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { SandboxError } from '../domain/errors.js';
import type { UidRange } from './uid-range.js';

/** Where the per-uid locks live (root only; /run is per boot, so no lock outlives a reboot). */
export const DEFAULT_UID_LOCK_DIR = '/run/bulwark/worker-uids';
/** A lock not refreshed for this long is stale (its holder died or hung) and may be taken over. */
const LOCK_STALE_MS = 30_000;

/** Numeric ids named in an /etc/passwd- or /etc/group-style file (third field). */
function namedIds(file: string): Set<number> {
  const ids = new Set<number>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return ids;
  }
  for (const line of text.split('\n')) {
    const id = Number(line.split(':')[2]);
    if (Number.isInteger(id)) ids.add(id);
  }
  return ids;
}

/**
 * Uids (real, effective, saved or fs) and gids of every running process we can see. Reading every
 * /proc/PID/status costs ~20 ms on a host with 150 processes, so one scan serves the workers started
 * within IDS_SCAN_TTL_MS: uids this process hands out are locked anyway, and what the scan is for
 * (leftovers of a crashed run, other software using the block) does not appear within that time.
 */
const IDS_SCAN_TTL_MS = 2000;
let lastScan: { at: number; ids: { uids: Set<number>; gids: Set<number> } } | undefined;
function idsInUse(): { uids: Set<number>; gids: Set<number> } {
  const now = Date.now();
  if (lastScan && now - lastScan.at < IDS_SCAN_TTL_MS) return lastScan.ids;
  lastScan = { at: now, ids: scanIds() };
  return lastScan.ids;
}

function scanIds(): { uids: Set<number>; gids: Set<number> } {
  const uids = new Set<number>();
  const gids = new Set<number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return { uids, gids };
  }
  for (const pid of pids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    for (const [key, set] of [
      ['Uid', uids],
      ['Gid', gids],
    ] as const) {
      const line = new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(status);
      for (const v of line?.[1]?.split(/\s+/) ?? []) set.add(Number(v));
    }
  }
  return { uids, gids };
}

export interface WorkerUid {
  uid: number;
  gid: number;
  /** Frees the uid for another worker; call once every process of the worker is gone. Idempotent. */
  release(): void;
}

/**
 * Takes a free uid from `range` (gid = uid). Starts at a random point so concurrent processes
 * rarely contend for the same lock. Throws SandboxError (exit 4) when every uid is taken.
 */
export function allocateWorkerUid(range: UidRange, lockDir: string = DEFAULT_UID_LOCK_DIR): WorkerUid {
  mkdirSync(lockDir, { recursive: true, mode: 0o700 });
  const passwd = namedIds('/etc/passwd');
  const group = namedIds('/etc/group');
  const size = range.last - range.first + 1;
  const start = Math.floor(Math.random() * size);
  let inUse: ReturnType<typeof idsInUse> | undefined;
  let compromised = false;
  for (let i = 0; i < size; i++) {
    const uid = range.first + ((start + i) % size);
    if (passwd.has(uid) || group.has(uid)) continue;
    let unlock: () => void;
    try {
      unlock = lockfile.lockSync(path.join(lockDir, String(uid)), {
        realpath: false,
        stale: LOCK_STALE_MS,
        // Only if this process stalled past the stale time and another took the uid over: the
        // worker keeps running; the other process's collision check sees its processes.
        onCompromised: () => {
          compromised = true;
        },
      });
    } catch {
      continue; // held by a live worker
    }
    inUse ??= idsInUse();
    if (inUse.uids.has(uid) || inUse.gids.has(uid)) {
      unlock();
      continue;
    }
    let released = false;
    return {
      uid,
      gid: uid,
      release: () => {
        if (released) return;
        released = true;
        try {
          if (!compromised) unlock();
        } catch {
          // the lock dir was removed under us: nothing left to free
        }
      },
    };
  }
  throw new SandboxError(
    `sandbox: no free worker uid in ${range.first}-${range.last} (every uid is locked under ${lockDir}, named in /etc/passwd or /etc/group, or in use by a process); widen [sandbox] uid_range`,
  );
}
