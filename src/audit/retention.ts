import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { UsageError } from '../domain/errors.js';
import { decodeBlob } from './blobs.js';
import { blobRefs, decodeEntry } from '../domain/audit-entries.js';
import type { AuditLog } from './index.js';
import type { StoredBlob } from './store.js';

/**
 * Tiered retention of prompt/response blobs: hot (in the store, queryable) → warm (compressed
 * monthly archive files) → cold (the same archives in the cold location) → purged. Only blobs
 * move; entries and their content hashes stay in the log forever, so the Merkle proofs and verify
 * keep working and a restored blob is checked against its address.
 *
 * Every step is recorded first and performed second: the archive file is written and read back,
 * then the `retention_move` entry is appended, then the hot copy or the archive is removed. A crash
 * in between leaves an extra copy, which the next run removes — never a blob the log cannot
 * account for. Verify reads the entries and reports "purged per policy" instead of "missing".
 */

const DAY = 86_400_000;

export interface RetentionOptions {
  log: AuditLog;
  warmDir: string;
  coldDir: string;
  hotDays?: number;
  warmDays?: number;
  purgeDays?: number;
  dryRun?: boolean;
  /** The clock ages are judged by and the retention_move entries are stamped with (default: the wall clock). */
  now?: () => Date;
}

export type RetentionAction =
  | { action: 'archive'; to: 'warm' | 'cold'; month: string; blobs: string[]; archive: string }
  | { action: 'move-archive'; from: string; archive: string; blobs: string[] }
  | { action: 'purge'; from: 'hot' | 'archive'; archive?: string; blobs: string[] }
  | { action: 'cleanup-hot-copy'; blobs: string[] };

export interface RetentionResult {
  dryRun: boolean;
  policy: string;
  actions: RetentionAction[];
  /** Log indices of the retention_move entries appended (empty on dry runs). */
  entries: number[];
}

interface BlobState {
  /** Latest time (ms) of an entry referencing the blob: its age counts from there. */
  lastRefMs: number;
  tier: 'hot' | 'warm' | 'cold' | 'purged';
  archive?: string;
}

const sha256hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

function month(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Writes `data` to `file` durably (temp file, fsync, rename). */
function writeDurable(file: string, data: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Archive file format: brotli of JSON lines {address, encoding, size, data(base64)}, sorted by address. */
export function packArchive(blobs: StoredBlob[]): Buffer {
  const lines = [...blobs]
    .sort((a, b) => (a.address < b.address ? -1 : 1))
    .map((b) => JSON.stringify({ address: b.address, encoding: b.encoding, size: b.size, data: Buffer.from(b.data).toString('base64') }) + '\n');
  return brotliCompressSync(Buffer.from(lines.join(''), 'utf8'));
}

/** Reads an archive back, checking every blob against its content address. */
export function unpackArchive(data: Uint8Array): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const text = brotliDecompressSync(data).toString('utf8');
  for (const line of text.split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as { address: string; encoding: string; size: number; data: string };
    const content = decodeBlob({ address: rec.address, encoding: rec.encoding, size: rec.size, data: Buffer.from(rec.data, 'base64') });
    out.set(rec.address, content);
  }
  return out;
}

/** Where an archive named in a retention_move entry lives: "warm/…" or "cold/…" under the tier dirs. */
function archivePath(name: string, warmDir: string, coldDir: string): string {
  const [tier, ...rest] = name.split('/');
  const rel = rest.join('/');
  if ((tier !== 'warm' && tier !== 'cold') || rel.includes('..') || path.isAbsolute(rel)) throw new UsageError(`invalid archive name ${name}`);
  return path.join(tier === 'warm' ? warmDir : coldDir, rel);
}

/** Reads a blob back from the warm or cold archive the log says holds it. */
export async function readArchivedBlob(log: AuditLog, address: string, dirs: { warmDir: string; coldDir: string }): Promise<Buffer | undefined> {
  const state = await blobStates(log);
  const s = state.get(address);
  if (!s?.archive || (s.tier !== 'warm' && s.tier !== 'cold')) return undefined;
  const file = archivePath(s.archive, dirs.warmDir, dirs.coldDir);
  return unpackArchive(readFileSync(file)).get(address);
}

async function blobStates(log: AuditLog): Promise<Map<string, BlobState>> {
  const size = await log.store.size();
  const states = new Map<string, BlobState>();
  for await (const batch of log.store.readEntries(0, size)) {
    for (const row of batch) {
      const e = decodeEntry(row.bytes);
      if (e.kind === 'retention_move') {
        for (const b of e.blobs) {
          const s = states.get(b) ?? { lastRefMs: 0, tier: 'hot' as const };
          s.tier = e.to;
          if (e.archive !== undefined) s.archive = e.archive;
          else delete s.archive;
          states.set(b, s);
        }
        continue;
      }
      for (const b of blobRefs(e)) {
        const s = states.get(b) ?? { lastRefMs: 0, tier: 'hot' as const };
        s.lastRefMs = Math.max(s.lastRefMs, row.timeMs);
        states.set(b, s);
      }
    }
  }
  return states;
}

export async function applyRetention(opts: RetentionOptions): Promise<RetentionResult> {
  const hotDays = opts.hotDays ?? 90;
  const warmDays = opts.warmDays ?? 730;
  const purgeDays = opts.purgeDays ?? 2555;
  if (!(hotDays < warmDays && warmDays < purgeDays))
    throw new UsageError(`retention durations must increase: hot ${hotDays}d < warm ${warmDays}d < purge ${purgeDays}d`);
  const clock = opts.now ?? (() => new Date());
  const now = clock().getTime();
  const policy = `hot ${hotDays}d, warm until ${warmDays}d, cold until ${purgeDays}d, then purged`;
  const dryRun = opts.dryRun ?? false;
  const { log, warmDir, coldDir } = opts;
  const target = (ageMs: number): BlobState['tier'] =>
    ageMs >= purgeDays * DAY ? 'purged' : ageMs >= warmDays * DAY ? 'cold' : ageMs >= hotDays * DAY ? 'warm' : 'hot';

  // One retention run at a time per archive location: two would archive the same blobs twice.
  let release = (): void => undefined;
  if (!dryRun) {
    mkdirSync(warmDir, { recursive: true });
    const lock = path.join(warmDir, '.bulwark-retain.lock');
    try {
      closeSync(openSync(lock, 'wx'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new UsageError(`another bulwark audit retain holds ${lock} (remove it if no retain is running)`);
      throw err;
    }
    release = () => rmSync(lock, { force: true });
  }
  try {
    return await retainLocked();
  } finally {
    release();
  }

  async function retainLocked(): Promise<RetentionResult> {
    const states = await blobStates(log);
    const stored = new Set(await log.store.listBlobAddresses());
    const actions: RetentionAction[] = [];
    const appended: number[] = [];
    const record = async (blobs: string[], to: 'warm' | 'cold' | 'purged', archive?: string, archiveHash?: string): Promise<void> => {
      // Stamped by the clock the ages were judged by: under an injected clock the wall clock would
      // date the move to another day than the run that decided it (and so to another export period).
      const res = await log.append(
        {
          kind: 'retention_move',
          blobs,
          to,
          policy,
          ...(archive !== undefined ? { archive } : {}),
          ...(archiveHash !== undefined ? { archive_hash: `sha256:${archiveHash}` } : {}),
        },
        { now: clock },
      );
      appended.push(res.index);
    };

    // Hot copies of blobs the log already moved (a crash after the entry, before the delete).
    const leftovers = [...states]
      .filter(([a, s]) => s.tier !== 'hot' && stored.has(a))
      .map(([a]) => a)
      .sort();
    if (leftovers.length > 0) {
      actions.push({ action: 'cleanup-hot-copy', blobs: leftovers });
      if (!dryRun) for (const a of leftovers) await log.store.deleteBlob(a);
    }

    // 1. Hot blobs past the hot period: into a new archive per (tier, month), or purged outright.
    const groups = new Map<string, string[]>();
    const purgeHot: string[] = [];
    for (const [address, s] of [...states].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (s.tier !== 'hot' || !stored.has(address)) continue;
      const t = target(now - s.lastRefMs);
      if (t === 'hot') continue;
      if (t === 'purged') purgeHot.push(address);
      else {
        const key = `${t}/${month(s.lastRefMs)}`;
        groups.set(key, [...(groups.get(key) ?? []), address]);
      }
    }
    for (const [key, blobs] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [tier, m] = key.split('/') as ['warm' | 'cold', string];
      const data: StoredBlob[] = [];
      for (const a of blobs) {
        const b = await log.store.getBlob(a);
        if (b) data.push(b);
      }
      const packed = packArchive(data);
      const hash = sha256hex(packed);
      const name = `${tier}/${m}/${m}-${hash.slice(0, 16)}.jsonl.br`;
      actions.push({ action: 'archive', to: tier, month: m, blobs, archive: name });
      if (dryRun) continue;
      const file = archivePath(name, warmDir, coldDir);
      writeDurable(file, packed);
      const back = unpackArchive(readFileSync(file));
      for (const a of blobs) if (!back.has(a)) throw new UsageError(`archive ${file} lost blob ${a} on read-back; nothing was recorded`);
      await record(blobs, tier, name, hash);
      for (const a of blobs) await log.store.deleteBlob(a);
    }
    if (purgeHot.length > 0) {
      actions.push({ action: 'purge', from: 'hot', blobs: purgeHot });
      if (!dryRun) {
        await record(purgeHot, 'purged');
        for (const a of purgeHot) await log.store.deleteBlob(a);
      }
    }

    // 2. Archives: warm → cold when every blob in it is past the warm period; purge when past purge.
    const archives = new Map<string, { tier: 'warm' | 'cold'; blobs: string[]; newest: number }>();
    for (const [address, s] of states) {
      if ((s.tier !== 'warm' && s.tier !== 'cold') || !s.archive) continue;
      const a = archives.get(s.archive) ?? { tier: s.tier, blobs: [], newest: 0 };
      a.blobs.push(address);
      a.newest = Math.max(a.newest, s.lastRefMs);
      archives.set(s.archive, a);
    }
    for (const [name, a] of [...archives].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const t = target(now - a.newest);
      const blobs = a.blobs.sort();
      const file = archivePath(name, warmDir, coldDir);
      if (t === 'purged') {
        actions.push({ action: 'purge', from: 'archive', archive: name, blobs });
        if (dryRun) continue;
        await record(blobs, 'purged', name);
        rmSync(file, { force: true });
      } else if (t === 'cold' && a.tier === 'warm') {
        const coldName = 'cold/' + name.slice('warm/'.length);
        actions.push({ action: 'move-archive', from: name, archive: coldName, blobs });
        if (dryRun) continue;
        if (!existsSync(file)) throw new UsageError(`warm archive ${file} named by the log is missing; not moving it`);
        const data = readFileSync(file);
        // Checked like a fresh archive: moving a damaged one would record it under a new hash as if intact.
        let back: Map<string, Buffer>;
        try {
          back = unpackArchive(data);
        } catch (err) {
          throw new UsageError(`warm archive ${file} is damaged (${(err as Error).message}); not moving it`);
        }
        for (const b of blobs) if (!back.has(b)) throw new UsageError(`warm archive ${file} does not hold blob ${b} the log puts there; not moving it`);
        const dest = archivePath(coldName, warmDir, coldDir);
        writeDurable(dest, data);
        await record(blobs, 'cold', coldName, sha256hex(data));
        rmSync(file, { force: true });
      }
    }
    return { dryRun, policy, actions, entries: appended };
  }
}
