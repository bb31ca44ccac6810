/**
 * Audit log benchmark. Prints figures and their ratio to the performance targets:
 *   durable appends/s grouped ≥ 5,000 · verify 1,000,000 entries ≤ 5 s · one inclusion proof ≤ 1 ms.
 * Usage: node dist/bench/audit/audit-bench.js [--entries N] [--keep DIR]
 * Everything runs against real SQLite files (WAL, synchronous=FULL) in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { writeKeyPair } from '../../src/audit/keys.js';
import { openAuditLogImpl, openStore } from '../../src/audit/log.js';
import { verifyInclusion } from '../../src/audit/merkle.js';
import { parseVerifierKey } from '../../src/audit/note.js';
import { verifyLog } from '../../src/audit/verify.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const TOTAL = arg('--entries', 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-audit-bench-'));
const keyFile = path.join(dir, 'key');
const vkey = parseVerifierKey(writeKeyPair(keyFile, { name: 'bench' }).verifierKey);

/** A realistic llm_call entry (the most common and largest kind). */
function call(i: number): EntryInput {
  const hex = i.toString(16).padStart(64, '0');
  return {
    kind: 'llm_call',
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

function line(label: string, value: string, ratio: number, target: string): void {
  process.stdout.write(`${label.padEnd(42)} ${value.padStart(16)}   ratio to target ${ratio.toFixed(2)} (${target}; ≥ 1.00 meets it)\n`);
}

async function main(): Promise<void> {
  process.stdout.write(
    `bulwark audit bench: ${TOTAL} entries, node ${process.version}, ${os.cpus().length} cpus, load average ${os.loadavg()[0]!.toFixed(1)}, temp ${dir}\n`,
  );

  // 1. One entry per durable transaction.
  {
    const log = await openAuditLogImpl({ location: path.join(dir, 'single.db'), keyFile, notice: () => undefined });
    const n = 500;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await log.append(call(i));
    const s = (performance.now() - t0) / 1000;
    await log.close();
    process.stdout.write(`${'durable appends/s, one per transaction'.padEnd(42)} ${(n / s).toFixed(0).padStart(16)}   (no target; each commit is fsynced)\n`);
  }

  // 2. Grouped appends, and build the big log with the same API.
  const bigDb = path.join(dir, 'big.db');
  const log = await openAuditLogImpl({ location: bigDb, keyFile, notice: () => undefined });
  {
    const group = 1_000;
    const n = Math.min(TOTAL, 50_000);
    const t0 = performance.now();
    for (let i = 0; i < n; i += group) await log.appendMany(Array.from({ length: Math.min(group, n - i) }, (_, j) => call(i + j)));
    const s = (performance.now() - t0) / 1000;
    line(`durable appends/s, grouped by ${group}`, (n / s).toFixed(0), n / s / 5_000, 'target ≥ 5,000/s');
    const b0 = performance.now();
    for (let i = n; i < TOTAL; i += 10_000) await log.appendMany(Array.from({ length: Math.min(10_000, TOTAL - i) }, (_, j) => call(i + j)));
    process.stdout.write(
      `(built ${TOTAL} entries in ${((performance.now() - b0) / 1000 + s).toFixed(1)} s; load average now ${os.loadavg()[0]!.toFixed(1)})\n`,
    );
  }
  await log.checkpoint();

  // 3. One inclusion proof in the full tree (median of many, and the first cold one).
  {
    const size = await log.size();
    const root = await log.rootAt(size);
    const times: number[] = [];
    for (let k = 0; k < 1_001; k++) {
      const index = Math.floor((k * 7_919_993) % size);
      const t0 = performance.now();
      const proof = await log.inclusionProof(index, size);
      const entry = await log.store.getEntry(index);
      times.push(performance.now() - t0);
      verifyInclusion(index, size, entry!.leafHash, proof, root);
    }
    const cold = times[0]!;
    const sorted = times.slice(1).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    line('inclusion proof (median of 1,000), ms', median.toFixed(3), 1 / median, 'target ≤ 1 ms');
    process.stdout.write(`${'inclusion proof, first (cold) one, ms'.padEnd(42)} ${cold.toFixed(3).padStart(16)}\n`);
  }
  await log.close();

  // 4. Full verify from a freshly opened store: default checks, then with --schema.
  for (const schema of [false, true]) {
    const store = await openStore(bigDb, { mustExist: true, readonly: true });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const report = await verifyLog({ store, trustedKeys: [vkey], schema });
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    await store.close();
    if (!report.ok) throw new Error(`verify failed: ${JSON.stringify(report.problems.slice(0, 3))}`);
    const scaled = (s * 1_000_000) / TOTAL;
    line(`verify ${TOTAL} entries${schema ? ' (--schema)' : ''}, s wall`, s.toFixed(2), 5 / scaled, 'target ≤ 5 s per 1,000,000');
    // On a shared, loaded machine wall time includes waiting for a CPU; CPU time does not.
    line(`verify ${TOTAL} entries${schema ? ' (--schema)' : ''}, s CPU`, cpuS.toFixed(2), 5 / ((cpuS * 1_000_000) / TOTAL), 'same target, CPU time');
  }
}

main()
  .catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  });
