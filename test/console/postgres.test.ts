import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadVerifierKey, openAuditLog, writeKeyPair } from '../../src/audit/index.js';
import { openStore } from '../../src/audit/log.js';
import type { LogStore } from '../../src/audit/store.js';
import { startConsole, type RunningConsole } from '../../src/console/serve.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

/** The console over a PostgreSQL log (the many-runner setup), through its real HTTP server. */
describe('console over PostgreSQL', () => {
  let db: TestDatabase;
  let dir: string;
  let store: LogStore;
  let con: RunningConsole;
  const runId = 'review-20261201T120000-0000beef';
  const get = async (p: string) => {
    const res = await fetch(`${con.url}${p}`, { headers: { authorization: `Bearer ${con.token}` } });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };

  before(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-console-pg-'));
    const keyFile = path.join(dir, 'key');
    writeKeyPair(keyFile);
    const log = await openAuditLog({ location: db.ownerUrl, keyFile, notice: () => undefined });
    const details = await log.putBlob(JSON.stringify({ mutants: [] }));
    const blob = await log.putBlob(JSON.stringify({ request: { messages: [{ role: 'user', content: 'review payments/fees.py' }] } }));
    await log.appendMany([
      {
        kind: 'run_started',
        run_id: runId,
        command: 'review',
        head: 'a'.repeat(40),
        base: 'b'.repeat(40),
        change_hash: `sha256:${'c'.repeat(64)}`,
        pr: { provider: 'gitlab', number: 3, repository: 'bank/core', title: 'fee <b>change</b>' },
      },
      {
        kind: 'gate_decision',
        run_id: runId,
        flagged: true,
        reasons: ['core.post ⇢ core.fee (changed)'],
        zones: ['ledger'],
        paths: [['core.post', 'core.fee']],
        path_facts: [{ changed: 1, name_only: [0], zones: ['ledger', null] }],
        change_hash: `sha256:${'c'.repeat(64)}`,
        layer: 'classifier',
        signal_score: 7,
        signal_threshold: 4,
        classifier: 'openai/gpt-x: regulated (confidence 0.9): a rounding mode in a fee helper',
      },
      {
        kind: 'mutation_run',
        run_id: runId,
        base: 'b'.repeat(40),
        head: 'a'.repeat(40),
        test_command: 'pytest -q',
        generated: 10,
        killed: 6,
        survived: 3,
        timeout: 1,
        error: 0,
        skipped_non_compiling: 0,
        skipped_equivalent: 1,
        skipped_over_limit: 0,
        score: 0.7,
        min_score: 0.8,
        findings: 1,
        blocking: true,
        wall_ms: 9000,
        details_blob: details,
      },
      { kind: 'stage_started', run_id: runId, stage: 'security' },
      {
        kind: 'llm_call',
        run_id: runId,
        stage: 'security',
        agent_id: 'security#1',
        provider: 'openai',
        model_requested: 'gpt-x',
        model_returned: 'gpt-x',
        params: { temperature: 0 },
        input_hash: `sha256:${'d'.repeat(64)}`,
        output_hash: `sha256:${'e'.repeat(64)}`,
        latency_ms: 812,
        tokens_in: 1000,
        tokens_out: 200,
        status: 'ok',
        error_class: null,
        blob,
      },
      { kind: 'stage_finished', run_id: runId, stage: 'security', status: 'ok', duration_ms: 900, findings: 0 },
      { kind: 'run_finished', run_id: runId, status: 'approval_required', exit_code: 2, duration_ms: 1200 },
    ]);
    await log.checkpoint();
    await log.close();
    store = await openStore(db.ownerUrl, { mustExist: true, readonly: true });
    con = await startConsole({
      store,
      location: 'postgres',
      host: '127.0.0.1',
      port: 0,
      repoDir: null,
      trustedKeys: [loadVerifierKey(`${keyFile}.pub`)],
      evidenceDir: null,
      version: 'test',
    });
  });

  after(async () => {
    await con?.close();
    await store?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists and shows the run, its drawn path and its prompt blob', async () => {
    const list = await get('/runs?gate=flagged');
    assert.equal(list.status, 200);
    assert.ok(list.text.includes(runId));
    assert.ok(list.text.includes('fee &lt;b&gt;change&lt;/b&gt;'));
    const run = await get(`/runs/${runId}`);
    assert.equal(run.status, 200);
    assert.match(run.text, /class="edge name-only"/);
    assert.match(run.text, /Decided by the <strong>classifier<\/strong> layer\s*\(signal score 7, threshold 4\)/);
    assert.match(run.text, /a rounding mode in a fee helper/);
    assert.match(run.text, /70 %\s*\(minimum\s+80\s*%\)\s*<span class="badge bad">blocking<\/span>/);
    assert.match(run.text, /class="node changed"\s*>\s*<title>core\.fee/);
    const blobHref = /href="(\/audit\/blobs\/[^"]+)"/.exec(run.text)![1]!;
    const blob = await get(blobHref);
    assert.ok(blob.text.includes('review payments/fees.py'));
  });

  it('opens PostgreSQL read-only in the server: a write through the console store fails, an empty database stays empty', async () => {
    await assert.rejects(
      store.putBlob({ address: `sha256:${'f'.repeat(64)}`, encoding: 'identity', size: 1, data: new Uint8Array([1]) }),
      /read-only transaction/,
    );
    const empty = await createTestDatabase();
    try {
      await assert.rejects(openStore(empty.ownerUrl, { mustExist: true, readonly: true }), /has no Bulwark audit schema/);
      const c = new pg.Client({ connectionString: empty.ownerUrl });
      await c.connect();
      const tables = await c.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'");
      await c.end();
      assert.equal((tables.rows[0] as { n: number }).n, 0, 'a read-only open created tables');
    } finally {
      await empty.drop();
    }
  });

  it('verifies the PostgreSQL log against its trust anchor and proves an entry', async () => {
    const started = await fetch(`${con.url}/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${con.token}` }, redirect: 'manual' });
    assert.equal(started.status, 303);
    await con.ctx.verify.running;
    const audit = await get('/audit');
    assert.match(audit.text, /badge ok">verified<\/span>/);
    const entry = await get('/audit/entries/4');
    assert.match(entry.text, /badge ok">included<\/span>/);
    assert.equal((await get('/audit/entries/99')).status, 404);
  });
});
