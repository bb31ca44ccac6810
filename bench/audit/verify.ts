/**
 * Verify speed: builds a SQLite log of N entries (default 1,000,000) in a temp dir, runs the real
 * `bulwark audit verify` CLI in a child process on it, and prints its CPU time next to a plain
 * SHA-256 loop over the same bytes in the same run (one hash per leaf over 0x00 ‖ entry bytes and
 * one per internal node over 0x01 ‖ left ‖ right: the hashing any verifier must do), with the ratio.
 * Target: ≤ 5 s CPU per 1,000,000 entries.
 * Usage: node dist/bench/audit/verify.js [--entries N] [--keep]
 */
import crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { canonicalBytes, type Entry } from '../../src/domain/audit-entries.js';
import { writeKeyPair } from '../../src/audit/keys.js';
import { openAuditLogImpl } from '../../src/audit/log.js';
import { leafHash, nodesForAppend, rangeRefs } from '../../src/audit/merkle.js';
import { cliEntry, timeChild } from '../lib/child-time.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const TOTAL = arg('--entries', 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-verify-bench-'));
const keyFile = path.join(dir, 'key');
const pub = writeKeyPair(keyFile, { name: 'bench' }).publicKeyFile;
const db = path.join(dir, 'audit.db');
const BASE = Date.parse('2026-01-05T10:00:00.000Z');

/** A realistic llm_call entry (the most common and largest kind), already in canonical form. */
function call(i: number): Entry {
  const hex = i.toString(16).padStart(64, '0');
  return {
    v: 1,
    kind: 'llm_call',
    time: new Date(BASE + i).toISOString(),
    run_id: `run-${Math.floor(i / 50)}`,
    stage: 'security',
    agent_id: 'reviewer',
    provider: 'anthropic',
    model_requested: 'claude-sonnet',
    model_returned: 'claude-sonnet-20260101',
    params: { temperature: 0, max_tokens: 4096 },
    input_hash: `sha256:${hex}`,
    output_hash: `sha256:${hex}`,
    latency_ms: 800 + (i % 400),
    tokens_in: 3000 + (i % 1000),
    tokens_out: 400 + (i % 100),
    status: 'ok',
    error_class: null,
    blob: null,
  };
}

async function build(): Promise<Uint8Array[]> {
  const log = await openAuditLogImpl({ location: db, keyFile, origin: 'bench.example/verify', notice: () => undefined });
  const all: Uint8Array[] = [];
  // Straight into the store (what appendMany does, without re-validating a million generated entries).
  for (let first = 0; first < TOTAL; first += 20_000) {
    const n = Math.min(20_000, TOTAL - first);
    const rows = Array.from({ length: n }, (_, j) => {
      const e = call(first + j);
      const bytes = canonicalBytes(e);
      all.push(bytes);
      return { bytes, leafHash: leafHash(bytes), kind: 'llm_call' as const, timeMs: BASE + first + j, runId: (e as { run_id: string }).run_id };
    });
    await log.store.writeTransaction(async (tx) => {
      const frontier = (await tx.getNodes(rangeRefs(0, first))) as Uint8Array[];
      await tx.insertEntries(first, rows);
      await tx.insertNodes(
        nodesForAppend(
          first,
          frontier,
          rows.map((r) => r.leafHash),
        ),
      );
    });
  }
  await log.checkpoint();
  await log.close();
  return all;
}

/** The hashing floor: one SHA-256 per leaf and per internal node, over the same bytes. */
function sha256Loop(entries: Uint8Array[]): number {
  const hash = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;
  const h = (data: Uint8Array): Buffer => (hash ? hash('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest());
  const cpu0 = process.cpuUsage();
  const leaf = Buffer.alloc(4096);
  const node = Buffer.alloc(65, 1);
  let prev: Buffer = Buffer.alloc(32);
  for (const e of entries) {
    leaf[0] = 0;
    leaf.set(e, 1);
    const l = h(leaf.subarray(0, e.length + 1));
    prev.copy(node, 1);
    l.copy(node, 33);
    prev = h(node);
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1e6;
}

async function main(): Promise<void> {
  process.stdout.write(
    `bulwark verify bench: ${TOTAL} entries, node ${process.version}, ${os.cpus().length} cpus, load average ${os.loadavg()[0]!.toFixed(1)}\n`,
  );
  const b0 = performance.now();
  const entries = await build();
  const bytes = entries.reduce((a, e) => a + e.length, 0);
  process.stdout.write(`built in ${((performance.now() - b0) / 1000).toFixed(1)} s: ${(bytes / 1e6).toFixed(0)} MB of entries\n`);
  const shaCpu = sha256Loop(entries);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  const t = timeChild([process.execPath, cliEntry, 'audit', 'verify', '--db', db, '--trusted-key', pub, '--no-state-update'], { env, cwd: dir });
  if (t.code !== 0) throw new Error(`verify exited ${t.code}: ${t.stderr}`);
  const cpuS = t.cpuMs / 1000;
  const per1M = (cpuS * 1_000_000) / TOTAL;
  const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)} ${value}\n`);
  line('SHA-256 loop (leaves + nodes), s CPU', shaCpu.toFixed(2));
  line(`bulwark audit verify (CLI process), s CPU`, `${cpuS.toFixed(2)} (wall ${(t.wallMs / 1000).toFixed(2)})`);
  line('ratio verify / SHA-256 loop', (cpuS / shaCpu).toFixed(2));
  line('ratio to target (5 s CPU per 1,000,000; ≥ 1.00 meets it)', (5 / per1M).toFixed(2));
}

main()
  .catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  });
