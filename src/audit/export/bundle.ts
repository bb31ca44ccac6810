import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, InternalError } from '../../domain/errors.js';
import { blobRefs, decodeEntry, type Entry } from '../../domain/audit-entries.js';
import type { AuditLog } from '../index.js';
import { leafHash, rangeRefs, foldRange } from '../merkle.js';
import { formatCheckpointBody, openCheckpoint, signNoteWith, type NoteSigner } from '../note.js';
import { canonicalJson, prettyCanonicalJson } from '../../domain/canonical-json.js';
import { deriveTables, rowCounts, type IndexedEntry } from './derive.js';
import { rootFromFrontier } from './merkle-range.js';
import { periodLabel, type Period } from './period.js';
import { BUNDLE_README } from './readme.js';

export const BUNDLE_FORMAT = 'bulwark-evidence-bundle/1';
export const MANIFEST_NOTE_HEADER = 'bulwark evidence manifest v1';

export interface CheckpointRef {
  size: number;
  /** Base64 root hash, as in the checkpoint body. */
  root: string;
  /** The signed checkpoint note. */
  checkpoint: string;
}

/** manifest.json without its signature; the signature covers canonicalJson(body). */
export interface ManifestBody {
  format: typeof BUNDLE_FORMAT;
  generator: { name: 'bulwark'; version: string };
  period: { from: string; to: string };
  query: Period['query'];
  log: {
    origin: string;
    start: CheckpointRef;
    end: CheckpointRef;
    /** Base64 hashes of rangeRefs(0, start.size): the left edge of the tree before the period. */
    frontier: string[];
    /** Base64 RFC 9162 consistency proof from start.size to end.size. */
    consistency_proof: string[];
  };
  previous: null | {
    manifest_sha256: string;
    end: { size: number; root: string };
    consistency_proof: string[];
  };
  row_counts: Record<string, number>;
  /** Hex SHA-256 of every other file in the bundle. */
  files: Record<string, string>;
}

export interface Manifest extends ManifestBody {
  /** C2SP signed note over "bulwark evidence manifest v1\n<hex sha256 of canonicalJson(body)>\n". */
  signature: string;
}

export interface ExportOptions {
  log: AuditLog;
  period: Period;
  outDir: string;
  /** The log's checkpoint signer: a key in memory or `[audit] sign_command` (see signer.ts). */
  signer: NoteSigner;
  generatorVersion: string;
  previousDir?: string;
  /** bulwark.toml text in force (the snapshot); undefined when the repository has none. */
  configSnapshot?: string;
}

export interface ExportResult {
  outDir: string;
  manifest: Manifest;
  files: string[];
}

const sha256hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

export function manifestSigningText(body: ManifestBody): string {
  return `${MANIFEST_NOTE_HEADER}\n${sha256hex(canonicalJson(body))}\n`;
}

/** Index range [start, end) of the entries whose time falls in the period (log order). */
async function periodRange(log: AuditLog, period: Period, size: number): Promise<{ start: number; end: number }> {
  let start = size;
  let end = -1;
  for await (const batch of log.store.readEntries(0, size)) {
    for (const e of batch) {
      if (e.timeMs >= period.fromMs && e.timeMs < period.toMs) {
        if (e.index < start) start = e.index;
        end = e.index + 1;
      }
    }
  }
  if (end < start) {
    // Empty period: an empty range placed after every entry older than the period.
    let before = 0;
    for await (const batch of log.store.readEntries(0, size)) for (const e of batch) if (e.timeMs < period.fromMs) before = e.index + 1;
    return { start: before, end: before };
  }
  return { start, end };
}

type BlobStatus = 'stored' | 'warm' | 'cold' | 'purged' | 'missing';

async function blobStatuses(
  log: AuditLog,
  entries: readonly IndexedEntry[],
  size: number,
): Promise<{ address: string; log_index: number; status: BlobStatus; archive?: string }[]> {
  const moved = new Map<string, { to: 'warm' | 'cold' | 'purged'; archive?: string }>();
  for await (const batch of log.store.readEntries(0, size)) {
    for (const row of batch) {
      if (row.kind !== 'retention_move') continue;
      const e = decodeEntry(row.bytes);
      if (e.kind === 'retention_move') for (const b of e.blobs) moved.set(b, { to: e.to, ...(e.archive !== undefined ? { archive: e.archive } : {}) });
    }
  }
  const out: { address: string; log_index: number; status: BlobStatus; archive?: string }[] = [];
  for (const { index, entry } of entries) {
    for (const address of blobRefs(entry)) {
      const m = moved.get(address);
      if (m) out.push({ address, log_index: index, status: m.to, ...(m.archive !== undefined ? { archive: m.archive } : {}) });
      else out.push({ address, log_index: index, status: (await log.store.getBlob(address)) ? 'stored' : 'missing' });
    }
  }
  return out;
}

function readPrevious(dir: string, signer: NoteSigner, origin: string): { manifestSha256: string; endSize: number; endRoot: Buffer } {
  const file = path.join(dir, 'manifest.json');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`--previous ${dir}: cannot read manifest.json (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(bytes.toString('utf8')) as Manifest;
  } catch {
    throw new UsageError(`--previous ${file} is not JSON`);
  }
  let cp;
  try {
    cp = openCheckpoint(m.log?.end?.checkpoint ?? '', [signer.verifier]);
  } catch (err) {
    throw new UsageError(`--previous ${file}: end checkpoint does not verify with this log's key: ${(err as Error).message}`);
  }
  if (cp.origin !== origin) throw new UsageError(`--previous ${file} is for log ${JSON.stringify(cp.origin)}, not ${JSON.stringify(origin)}`);
  return { manifestSha256: sha256hex(bytes), endSize: cp.treeSize, endRoot: cp.rootHash };
}

/**
 * Writes an evidence bundle for the period. The same log contents and parameters give
 * byte-identical files: rows follow log order, numbers and times have fixed formats, JSON is
 * canonical, checkpoints are signed with deterministic Ed25519, and no wall-clock time is written.
 * Files are written to a temporary sibling folder and renamed into place, so a failure leaves
 * nothing half-written.
 */
export async function exportBundle(opts: ExportOptions): Promise<ExportResult> {
  const { log, period, signer } = opts;
  const outDir = path.resolve(opts.outDir);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new UsageError(`--out ${outDir} exists and is not empty`);

  const size = await log.store.size();
  const { start, end } = await periodRange(log, period, size);

  const entries: IndexedEntry[] = [];
  const lines: string[] = [];
  const leaves: Uint8Array[] = [];
  let expected = start;
  for await (const batch of log.store.readEntries(start, end)) {
    for (const row of batch) {
      if (row.index !== expected) throw new InternalError(`audit log is damaged: entry ${expected} is missing; run bulwark audit verify`);
      expected++;
      const leaf = leafHash(row.bytes);
      if (!leaf.equals(Buffer.from(row.leafHash)))
        throw new InternalError(`audit log is damaged: entry ${row.index} does not match its leaf hash; run bulwark audit verify`);
      let entry: Entry;
      try {
        entry = decodeEntry(row.bytes);
      } catch (err) {
        throw new InternalError(`audit log is damaged: entry ${row.index}: ${(err as Error).message}; run bulwark audit verify`);
      }
      entries.push({ index: row.index, entry });
      lines.push(Buffer.from(row.bytes).toString('utf8'));
      leaves.push(leaf);
    }
  }
  if (expected !== end) throw new InternalError(`audit log is damaged: entries ${expected}..${end - 1} are missing; run bulwark audit verify`);

  // Roots: the frontier comes from the subtree cache, so it is checked against the cached root and
  // the end root is recomputed from it and the entries themselves.
  const frontierRefs = rangeRefs(0, start);
  const frontier = await log.store.getNodes(frontierRefs);
  if (frontier.some((h) => h === undefined))
    throw new InternalError(`audit log is damaged: subtree hashes for size ${start} are missing; run bulwark audit verify`);
  const startRoot = foldRange(frontier as Uint8Array[]);
  const endRoot = rootFromFrontier(start, frontier as Uint8Array[], leaves);
  if (!Buffer.from(endRoot).equals(Buffer.from(await log.rootAt(end)))) {
    throw new InternalError(`audit log is damaged: root at ${end} disagrees with its entries; run bulwark audit verify`);
  }
  let previous: ManifestBody['previous'] = null;
  if (opts.previousDir !== undefined) {
    const prev = readPrevious(opts.previousDir, signer, log.origin);
    if (prev.endSize > end) throw new UsageError(`--previous bundle ends at entry ${prev.endSize}, after this bundle's end ${end}`);
    const prevRoot = await log.rootAt(prev.endSize);
    if (!Buffer.from(prevRoot).equals(prev.endRoot)) {
      throw new InternalError(`the log's first ${prev.endSize} entries no longer match the previous bundle's end checkpoint: the log was rewritten`);
    }
    const proof = prev.endSize > 0 && prev.endSize < end ? await log.consistencyProof(prev.endSize, end) : [];
    previous = { manifest_sha256: prev.manifestSha256, end: { size: prev.endSize, root: b64(prev.endRoot) }, consistency_proof: proof.map(b64) };
  }
  // signed once the cheap checks above passed: with sign_command each signature may be an HSM's or a KMS's
  const cpStart = await signNoteWith(formatCheckpointBody({ origin: log.origin, treeSize: start, rootHash: startRoot }), [signer]);
  const cpEnd = await signNoteWith(formatCheckpointBody({ origin: log.origin, treeSize: end, rootHash: endRoot }), [signer]);
  const consistency = start > 0 && start < end ? await log.consistencyProof(start, end) : [];

  const tables = deriveTables(entries);
  const blobs = await blobStatuses(log, entries, size);
  const blobSummary = { referenced: blobs.length, stored: 0, warm: 0, cold: 0, purged: 0, missing: 0 } as Record<string, number>;
  for (const b of blobs) blobSummary[b.status] = (blobSummary[b.status] ?? 0) + 1;
  const integrity = {
    entries: { first_index: start, end_index: end, count: entries.length },
    checks: {
      leaf_hashes_recomputed: true,
      entries_canonical_and_valid: true,
      dense_indices: true,
      end_root_recomputed_from_entries: true,
      consistency_proof_included: consistency.length > 0 || start === 0 || start === end,
      previous_bundle_linked: previous !== null,
    },
    blobs: { summary: blobSummary, items: blobs },
    ok: blobSummary.missing === 0,
  };

  const files: Record<string, string> = {
    'entries.jsonl': lines.map((l) => l + '\n').join(''),
    ...tables,
    'integrity_report.json': prettyCanonicalJson(integrity),
    'config_snapshot.toml': opts.configSnapshot ?? '# no bulwark.toml was found when this bundle was exported\n',
    'README.md': BUNDLE_README,
  };
  const body: ManifestBody = {
    format: BUNDLE_FORMAT,
    generator: { name: 'bulwark', version: opts.generatorVersion },
    period: periodLabel(period),
    query: period.query,
    log: {
      origin: log.origin,
      start: { size: start, root: b64(startRoot), checkpoint: cpStart },
      end: { size: end, root: b64(endRoot), checkpoint: cpEnd },
      frontier: (frontier as Uint8Array[]).map(b64),
      consistency_proof: consistency.map(b64),
    },
    previous,
    row_counts: rowCounts(entries),
    files: Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha256hex(text)])),
  };
  const manifest: Manifest = { ...body, signature: await signNoteWith(manifestSigningText(body), [signer]) };
  files['manifest.json'] = prettyCanonicalJson(manifest);

  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(tmp, name), text, { mode: 0o644 });
    if (existsSync(outDir)) rmSync(outDir, { recursive: true }); // known empty
    mkdirSync(path.dirname(outDir), { recursive: true });
    renameSync(tmp, outDir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { outDir, manifest, files: Object.keys(files).sort() };
}
