/**
 * Console server time on a large log: 1,000,000 entries from 10,000 runs (a review's shape: start,
 * gate decision with a path, three stages of about 30 model calls each, coverage, finish; every
 * tenth run flagged and approved), written through the real audit log API into SQLite.
 *
 *   target: run list first page ≤ 200 ms, run page ≤ 300 ms (server time, median of N requests)
 *
 *   node dist/bench/console/pages.js [--runs 10000] [--requests 20] [--db FILE (reuse)]
 *
 * The server time is measured in-process through the app's fetch handler (Hono's `app.request`),
 * which is the whole request path minus the socket: auth, index refresh from the log's tail,
 * rendering. The index is built once at start from the whole log; its time is printed too.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openAuditLog, writeKeyPair, type EntryInput } from '../../src/audit/index.js';
import { openStore } from '../../src/audit/log.js';
import { createConsoleApp } from '../../src/console/app.js';
import type { ConsoleContext } from '../../src/console/context.js';
import { RunIndex } from '../../src/console/run-index.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const RUNS = Number(opt('--runs', '10000'));
const REQUESTS = Number(opt('--requests', '20'));
const CALLS_PER_STAGE = 30;
const LIST_TARGET_MS = 200;
const RUN_TARGET_MS = 300;
const hex = (n: number, w = 64) => n.toString(16).padStart(w, '0').slice(-w);

function runEntries(i: number, t0: number): EntryInput[] {
  const runId = `review-20261201T000000-${hex(i, 8)}`;
  let ms = t0 + i * 60_000;
  const time = () => new Date(ms++).toISOString();
  const flagged = i % 10 === 0;
  const change = `sha256:${hex(i)}`;
  const out: EntryInput[] = [
    {
      kind: 'run_started',
      run_id: runId,
      command: 'review',
      time: time(),
      head: hex(i, 40),
      base: hex(i + 1, 40),
      change_hash: change,
      pr: { provider: 'github', number: i + 1, repository: `acme/repo-${i % 7}`, title: `change ${i}` },
    },
    {
      kind: 'gate_decision',
      run_id: runId,
      time: time(),
      flagged,
      reasons: flagged ? ['pay.ledger.post → pay.fees.fee (changed)'] : [],
      zones: flagged ? ['ledger'] : [],
      paths: flagged ? [['pay.ledger.post', 'pay.fees.fee']] : [],
      change_hash: change,
    },
  ];
  for (const stage of ['static-analysis', 'security-review', 'summary']) {
    out.push({ kind: 'stage_started', run_id: runId, stage, time: time() });
    for (let c = 0; c < CALLS_PER_STAGE; c++) {
      out.push({
        kind: 'llm_call',
        run_id: runId,
        stage,
        agent_id: `${stage}#1`,
        provider: 'openai',
        model_requested: 'gpt-4.1-mini',
        model_returned: 'gpt-4.1-mini-2025-01-01',
        params: { temperature: 0, max_tokens: 4096 },
        input_hash: `sha256:${hex(i * 1000 + c)}`,
        output_hash: `sha256:${hex(i * 1000 + c + 1)}`,
        latency_ms: 400 + (c % 50),
        tokens_in: 2000,
        tokens_out: 300,
        status: 'ok',
        error_class: null,
        blob: null,
        time: time(),
      });
    }
    out.push({ kind: 'stage_finished', run_id: runId, stage, status: 'ok', duration_ms: 1500, findings: 0, time: time() });
  }
  out.push({ kind: 'coverage', run_id: runId, files: [{ path: 'pay/fees.py', status: 'reviewed' }], time: time() });
  out.push({
    kind: 'run_finished',
    run_id: runId,
    status: flagged ? 'approval_required' : 'pass',
    exit_code: flagged ? 2 : 0,
    duration_ms: 9000,
    time: time(),
  });
  return out;
}

async function build(db: string): Promise<void> {
  const keyFile = path.join(path.dirname(db), 'key');
  writeKeyPair(keyFile);
  const log = await openAuditLog({ location: db, keyFile, notice: () => undefined });
  const t0 = Date.parse('2026-10-01T00:00:00.000Z');
  const started = performance.now();
  let batch: EntryInput[] = [];
  for (let i = 0; i < RUNS; i++) {
    batch.push(...runEntries(i, t0));
    if (i % 10 === 0)
      batch.push({
        kind: 'approval',
        reviewer: 'alice@example.test',
        change_hash: `sha256:${hex(i)}`,
        decision: 'approve',
        method: 'cli',
        signature: 'bench',
        time: new Date(t0 + i * 60_000 + 200).toISOString(),
      });
    if (batch.length >= 20_000) {
      await log.appendMany(batch);
      batch = [];
    }
  }
  if (batch.length) await log.appendMany(batch);
  await log.checkpoint();
  console.log(`built ${(await log.size()).toLocaleString('en-US')} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await log.close();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const reuse = args.includes('--db') ? opt('--db', '') : null;
  const dir = reuse ? null : mkdtempSync(path.join(tmpdir(), 'bulwark-console-bench-'));
  const db = reuse ?? path.join(dir!, 'audit.db');
  try {
    if (!existsSync(db)) await build(db);
    const store = await openStore(db, { mustExist: true, readonly: true });
    const index = new RunIndex(store);
    let t = performance.now();
    const cpu0 = process.cpuUsage();
    await index.refresh();
    const indexMs = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    const indexCpuMs = (cpu.user + cpu.system) / 1000;
    const ctx: ConsoleContext = {
      store,
      location: db,
      index,
      repoDir: null,
      trustedKeys: [],
      witnesses: null,
      evidenceDir: null,
      version: 'bench',
      verify: { last: null, running: null, error: null },
    };
    const app = createConsoleApp(ctx, { token: 'bench', secureCookie: false });
    const get = async (url: string): Promise<number> => {
      t = performance.now();
      const res = await app.request(url, { headers: { authorization: 'Bearer bench' } });
      const body = await res.text();
      const ms = performance.now() - t;
      if (res.status !== 200 || body.length < 500) throw new Error(`${url}: ${res.status}`);
      return ms;
    };
    const middle = index.order[Math.floor(index.order.length / 2)]!.runId;
    await get('/runs');
    await get(`/runs/${middle}`);
    const list: number[] = [];
    const filtered: number[] = [];
    const run: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      list.push(await get('/runs'));
      filtered.push(await get('/runs?gate=flagged&repo=repo-3&model=gpt'));
      run.push(await get(`/runs/${index.order[(i * 7919) % index.order.length]!.runId}`));
    }
    const l = median(list);
    const f = median(filtered);
    const r = median(run);
    console.log(
      `log: ${index.size.toLocaleString('en-US')} entries, ${index.order.length.toLocaleString('en-US')} runs; index built at start in ${indexMs.toFixed(0)} ms wall, ${indexCpuMs.toFixed(0)} ms CPU`,
    );
    console.log(`run list, first page:        median ${l.toFixed(1)} ms = ${(l / LIST_TARGET_MS).toFixed(3)} × the 200 ms target`);
    console.log(`run list, filtered:          median ${f.toFixed(1)} ms = ${(f / LIST_TARGET_MS).toFixed(3)} × the 200 ms target`);
    console.log(`run page (${CALLS_PER_STAGE * 3} model calls): median ${r.toFixed(1)} ms = ${(r / RUN_TARGET_MS).toFixed(3)} × the 300 ms target`);
    await store.close();
    if (l > LIST_TARGET_MS || r > RUN_TARGET_MS) process.exitCode = 1;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
