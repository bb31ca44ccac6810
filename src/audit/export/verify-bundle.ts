import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeEntry } from '../../domain/audit-entries.js';
import { leafHash, rangeRefs, foldRange, verifyConsistency } from '../merkle.js';
import { openCheckpoint, openNote, type VerifierKey } from '../note.js';
import { canonicalJson, prettyCanonicalJson } from '../../domain/canonical-json.js';
import { BUNDLE_FORMAT, manifestSigningText, type Manifest } from './bundle.js';
import { changesLayoutOf, DERIVED_FILES, deriveTables, rowCounts, type IndexedEntry } from './derive.js';
import { rootFromFrontier } from './merkle-range.js';

/**
 * Offline verification of an evidence bundle: needs only the bundle folder(s) and the audit log's
 * trusted public key. Every check is independent of the exporter: signatures, file hashes, Merkle
 * roots recomputed from the entries, the consistency proof, and the tables re-derived from the
 * entries. Problems are collected (first one is the headline); `ok` only when there are none.
 */

export interface BundleReport {
  ok: boolean;
  dir: string;
  period: { from: string; to: string } | null;
  origin: string | null;
  entries: { start: number; end: number } | null;
  rowCounts: Record<string, number> | null;
  previous: { dir: string; ok: boolean } | null;
  problems: string[];
}

const sha256hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const fromB64 = (s: string): Buffer => Buffer.from(s, 'base64');

export interface VerifyBundleOptions {
  dir: string;
  trustedKeys: VerifierKey[];
  previousDir?: string;
}

function readManifest(dir: string, problems: string[]): { manifest: Manifest; bytes: Buffer } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(dir, 'manifest.json'));
  } catch (err) {
    problems.push(`manifest.json cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return undefined;
  }
  try {
    const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
    if (typeof manifest !== 'object' || manifest === null || manifest.format !== BUNDLE_FORMAT) {
      problems.push(`manifest.json is not a ${BUNDLE_FORMAT} manifest`);
      return undefined;
    }
    return { manifest, bytes };
  } catch {
    problems.push('manifest.json is not JSON');
    return undefined;
  }
}

export function verifyBundle(opts: VerifyBundleOptions): BundleReport {
  const dir = path.resolve(opts.dir);
  const problems: string[] = [];
  const report: BundleReport = { ok: false, dir, period: null, origin: null, entries: null, rowCounts: null, previous: null, problems };
  const read = readManifest(dir, problems);
  if (!read) return report;
  const { manifest } = read;
  const { signature, ...body } = manifest as Manifest & Record<string, unknown>;
  report.period = manifest.period ?? null;
  report.origin = manifest.log?.origin ?? null;

  // 1. The manifest is signed by the trusted key and the signature covers exactly this body.
  try {
    const { text } = openNote(String(signature ?? ''), opts.trustedKeys);
    if (text !== manifestSigningText(body)) problems.push('manifest.json was changed after it was signed (signed hash differs)');
  } catch (err) {
    problems.push(`manifest signature: ${(err as Error).message}`);
  }
  if (read.bytes.toString('utf8') !== prettyCanonicalJson(manifest)) problems.push('manifest.json is not in its canonical form');

  // 2. Every file matches its hash; nothing was added.
  const listed = manifest.files ?? {};
  const present = readdirSync(dir)
    .filter((f) => f !== 'manifest.json')
    .sort();
  for (const f of present) if (!(f in listed)) problems.push(`${f} is not listed in the manifest (added after export)`);
  const contents = new Map<string, string>();
  for (const [name, hash] of Object.entries(listed).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      problems.push(`manifest lists an invalid file name ${JSON.stringify(name)}`);
      continue;
    }
    let data: Buffer;
    try {
      data = readFileSync(path.join(dir, name));
    } catch {
      problems.push(`${name} is missing`);
      continue;
    }
    if (sha256hex(data) !== hash) problems.push(`${name} does not match its SHA-256 in the manifest`);
    contents.set(name, data.toString('utf8'));
  }

  // 3. Checkpoints, frontier, entries, roots, consistency.
  const log = manifest.log;
  let entries: IndexedEntry[] | undefined;
  let endRoot: Buffer | undefined;
  try {
    const cpStart = openCheckpoint(log.start.checkpoint, opts.trustedKeys);
    const cpEnd = openCheckpoint(log.end.checkpoint, opts.trustedKeys);
    for (const [label, cp, ref] of [
      ['start', cpStart, log.start],
      ['end', cpEnd, log.end],
    ] as const) {
      if (cp.origin !== log.origin)
        problems.push(`${label} checkpoint is for origin ${JSON.stringify(cp.origin)}, manifest says ${JSON.stringify(log.origin)}`);
      if (cp.treeSize !== ref.size || cp.rootHash.toString('base64') !== ref.root)
        problems.push(`${label} checkpoint (size ${cp.treeSize}) does not match the manifest's ${label} size/root`);
    }
    endRoot = cpEnd.rootHash;
    report.entries = { start: cpStart.treeSize, end: cpEnd.treeSize };
    const frontier = log.frontier.map(fromB64);
    if (frontier.length !== rangeRefs(0, cpStart.treeSize).length || !Buffer.from(foldRange(frontier)).equals(cpStart.rootHash)) {
      problems.push('the frontier does not fold to the start checkpoint root');
    }
    const text = contents.get('entries.jsonl');
    if (text === undefined) problems.push('entries.jsonl is missing');
    else {
      const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
      if (!text.endsWith('\n') && text !== '') problems.push('entries.jsonl does not end with a newline');
      if (lines.length !== cpEnd.treeSize - cpStart.treeSize) {
        problems.push(`entries.jsonl has ${lines.length} entries, the checkpoints cover ${cpEnd.treeSize - cpStart.treeSize}`);
      }
      const parsed: IndexedEntry[] = [];
      const leaves: Buffer[] = [];
      lines.forEach((line, i) => {
        const bytes = Buffer.from(line, 'utf8');
        leaves.push(leafHash(bytes));
        try {
          parsed.push({ index: cpStart.treeSize + i, entry: decodeEntry(bytes) });
        } catch (err) {
          problems.push(`entries.jsonl line ${i + 1} (log index ${cpStart.treeSize + i}): ${(err as Error).message}`);
        }
      });
      try {
        if (!Buffer.from(rootFromFrontier(cpStart.treeSize, frontier, leaves)).equals(cpEnd.rootHash)) {
          problems.push('the entries do not produce the end checkpoint root: entries were added, removed, reordered or changed');
        }
      } catch (err) {
        problems.push(`cannot rebuild the end root: ${(err as Error).message}`);
      }
      if (parsed.length === lines.length) entries = parsed;
    }
    if (cpStart.treeSize > 0 && cpStart.treeSize < cpEnd.treeSize) {
      try {
        verifyConsistency(cpStart.treeSize, cpEnd.treeSize, cpStart.rootHash, cpEnd.rootHash, log.consistency_proof.map(fromB64));
      } catch (err) {
        problems.push(`consistency proof start→end: ${(err as Error).message}`);
      }
    } else if (cpStart.treeSize > cpEnd.treeSize) problems.push('start checkpoint is after the end checkpoint');
  } catch (err) {
    problems.push(`checkpoints: ${(err as Error).message}`);
  }

  // 4. Tables say exactly what the entries say.
  if (entries) {
    const changes = contents.get('changes.csv');
    const derived = deriveTables(entries, { changesLayout: changes === undefined ? 'current' : changesLayoutOf(changes) });
    for (const f of DERIVED_FILES) {
      if (contents.has(f) && contents.get(f) !== derived[f]) problems.push(`${f} differs from what the log entries say`);
      if (!(f in listed)) problems.push(`${f} is not in the bundle`);
    }
    const counts = rowCounts(entries);
    report.rowCounts = counts;
    if (canonicalJson(counts) !== canonicalJson(manifest.row_counts ?? {})) problems.push('row_counts in the manifest differ from the entries');
    const integrity = contents.get('integrity_report.json');
    if (integrity !== undefined) {
      try {
        const r = JSON.parse(integrity) as { ok?: boolean; blobs?: { summary?: { missing?: number } } };
        if (r.ok !== true) problems.push(`integrity_report.json records problems at export (missing blobs: ${r.blobs?.summary?.missing ?? '?'})`);
      } catch {
        problems.push('integrity_report.json is not JSON');
      }
    }
  }

  // 5. The chain to the previous bundle.
  if (opts.previousDir !== undefined) {
    const prev = verifyBundle({ dir: opts.previousDir, trustedKeys: opts.trustedKeys });
    report.previous = { dir: prev.dir, ok: prev.ok };
    for (const p of prev.problems) problems.push(`previous bundle: ${p}`);
    const link = manifest.previous;
    if (!link) problems.push('the manifest names no previous bundle');
    else {
      let prevBytes: Buffer | undefined;
      try {
        prevBytes = readFileSync(path.join(opts.previousDir, 'manifest.json'));
      } catch {
        /* reported by the previous bundle's own verification */
      }
      if (prevBytes && sha256hex(prevBytes) !== link.manifest_sha256) problems.push('the previous bundle manifest hash does not match');
      // Sizes alone do not chain: a log rewritten after the previous export (and re-signed) has the
      // same size there but another root. The link must name the previous bundle's signed end root.
      const prevEndRoot = prev.ok && prevBytes ? previousEndRoot(prevBytes) : undefined;
      if (prevEndRoot !== undefined && link.end.root !== prevEndRoot)
        problems.push("the manifest link does not name the previous bundle's end root: the log was rewritten since that bundle");
      if (prev.entries && prev.entries.end !== report.entries?.start) {
        problems.push(`bundles are not contiguous: the previous ends at entry ${prev.entries.end}, this one starts at ${report.entries?.start ?? '?'}`);
      }
      if (endRoot && prev.entries && link.end.size === prev.entries.end) {
        try {
          if (link.end.size > 0 && link.end.size < (report.entries?.end ?? 0)) {
            verifyConsistency(link.end.size, report.entries!.end, fromB64(link.end.root), endRoot, link.consistency_proof.map(fromB64));
          }
        } catch (err) {
          problems.push(`consistency proof previous→end: ${(err as Error).message}`);
        }
      } else if (prev.entries) problems.push('the manifest link does not match the previous bundle end checkpoint');
    }
  }
  report.ok = problems.length === 0;
  return report;
}

function previousEndRoot(manifestBytes: Buffer): string | undefined {
  try {
    return (JSON.parse(manifestBytes.toString('utf8')) as Manifest).log.end.root;
  } catch {
    return undefined; // unreadable: already reported by the previous bundle's own verification
  }
}

/** One line per fact and problem, for the CLI. */
export function formatBundleReport(r: BundleReport): string {
  const lines = [
    `bundle ${r.dir}: ${r.ok ? 'OK' : 'FAILED'}`,
    `  period ${r.period ? `${r.period.from} .. ${r.period.to}` : '?'}  log ${r.origin ?? '?'}  entries ${r.entries ? `${r.entries.start}..${r.entries.end}` : '?'}`,
  ];
  if (r.rowCounts)
    lines.push(
      '  rows ' +
        Object.entries(r.rowCounts)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
    );
  if (r.previous) lines.push(`  previous ${r.previous.dir}: ${r.previous.ok ? 'OK, chained' : 'FAILED'}`);
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  return lines.join('\n') + '\n';
}
