import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/audit/log.js';
import { verifyLog } from '../../src/audit/verify.js';
import { raw, tempLogDir, type TempLogDir } from './helpers.js';

const writer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'writer-main.js');
const dirs: TempLogDir[] = [];
after(() => dirs.forEach((d) => d.cleanup()));

function startWriter(
  db: string,
  id: number,
  count: number,
  group: number,
  keyFile?: string,
): { child: ChildProcess; committed: () => number; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [writer, db, String(id), String(count), String(group), ...(keyFile ? [keyFile] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let committed = 0;
  let buf = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) {
      const m = /^committed \d+ (\d+)$/.exec(l);
      if (m) committed = Number(m[1]);
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`writer ${id} failed: ${err}\n`);
      resolve(code);
    }),
  );
  return { child, committed: () => committed, exited };
}

async function checkpointAndVerify(t: TempLogDir) {
  const log = await t.open();
  await log.checkpoint();
  await log.close();
  const store = await openStore(t.db, { mustExist: true, readonly: true });
  try {
    return await verifyLog({ store, trustedKeys: [t.verifier], schema: true });
  } finally {
    await store.close();
  }
}

describe('audit log under concurrent and crashing writers', { timeout: 300_000 }, () => {
  it('8 processes appending at once get dense indices and the log verifies', async () => {
    const t = tempLogDir();
    dirs.push(t);
    // Create the database first so the writers race on appends, not on schema creation.
    await (await t.open()).close();
    const writers = Array.from({ length: 8 }, (_, id) => startWriter(t.db, id, 40, id % 2 === 0 ? 1 : 5));
    const codes = await Promise.all(writers.map((w) => w.exited));
    assert.deepEqual(codes, Array(8).fill(0));
    const d = raw(t.db);
    try {
      const idx = d.prepare('SELECT idx FROM entries ORDER BY idx').pluck().all() as number[];
      assert.equal(idx.length, 320);
      assert.deepEqual(
        idx,
        Array.from({ length: 320 }, (_, i) => i),
        'indices are dense from 0',
      );
      const perWriter = d.prepare('SELECT run_id, COUNT(*) AS n FROM entries GROUP BY run_id ORDER BY run_id').all();
      assert.deepEqual(
        perWriter,
        Array.from({ length: 8 }, (_, id) => ({ run_id: `w${id}`, n: 40 })),
      );
      // Writers interleaved: not every writer's entries are one contiguous block.
      const order = d.prepare('SELECT run_id FROM entries ORDER BY idx').pluck().all() as string[];
      const switches = order.filter((r, i) => i > 0 && r !== order[i - 1]).length;
      assert.ok(switches > 7, `writers interleaved (${switches} switches)`);
    } finally {
      d.close();
    }
    const report = await checkpointAndVerify(t);
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    assert.equal(report.treeSize, 320);
  });

  it('4 processes appending and signing checkpoints at once: every checkpoint is signed and verifies', async () => {
    const t = tempLogDir();
    dirs.push(t);
    await (await t.open()).close();
    const writers = Array.from({ length: 4 }, (_, id) => startWriter(t.db, id, 15, 3, t.keyFile));
    assert.deepEqual(await Promise.all(writers.map((w) => w.exited)), [0, 0, 0, 0]);
    const d = raw(t.db);
    const checkpoints = d.prepare('SELECT COUNT(*) FROM checkpoints').pluck().get() as number;
    d.close();
    assert.equal(checkpoints, 20, 'one checkpoint per append, none refused');
    const report = await checkpointAndVerify(t);
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    assert.equal(report.treeSize, 60);
  });

  it('SIGKILL during a burst of appends: the database opens, nothing committed is lost, no partial entry, verify passes', async () => {
    const t = tempLogDir();
    dirs.push(t);
    await (await t.open()).close();
    const writers = [startWriter(t.db, 0, 1_000_000, 25), startWriter(t.db, 1, 1_000_000, 1)];
    // Wait until both have committed something, then kill them mid-burst.
    const deadline = Date.now() + 120_000;
    while (writers.some((w) => w.committed() < 50) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    writers.forEach((w) => w.child.kill('SIGKILL'));
    await Promise.all(writers.map((w) => w.exited));
    const acknowledged = writers.map((w) => w.committed());
    assert.ok(
      acknowledged.every((n) => n >= 50),
      `writers made progress: ${acknowledged.join(',')}`,
    );

    const d = raw(t.db);
    try {
      assert.equal(d.pragma('integrity_check', { simple: true }), 'ok');
      const counts = d.prepare('SELECT run_id, COUNT(*) AS n FROM entries GROUP BY run_id ORDER BY run_id').all() as { run_id: string; n: number }[];
      // Every append a writer saw resolve is durable; at most the one in flight may be extra.
      counts.forEach((c, i) => {
        assert.ok(c.n >= acknowledged[i]!, `writer ${i}: ${c.n} stored < ${acknowledged[i]} acknowledged`);
        assert.ok(c.n <= acknowledged[i]! + (i === 0 ? 25 : 1), `writer ${i}: only whole groups`);
        assert.equal(c.n % (i === 0 ? 25 : 1), 0, `writer ${i}: a group is all or nothing`);
      });
    } finally {
      d.close();
    }
    const report = await checkpointAndVerify(t);
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    // The log is still appendable after the crash.
    const log = await t.open();
    const r = await log.append({ kind: 'deploy', commit: 'abcdef1', env: 'prod' });
    assert.equal(r.index, report.treeSize);
    await log.close();
  });
});
