import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { EntryInput } from '../../src/domain/audit-entries.js';
import { groupAppendsPerTurn } from '../../src/pipeline/audit-batch.js';
import { tempAudit } from './fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

const started = (stage: string): EntryInput => ({ kind: 'stage_started', run_id: 'r', stage });

describe('groupAppendsPerTurn (real SQLite audit log)', () => {
  it('appends of one event-loop turn share one transaction; each resolves once committed, in call order', async () => {
    const t = await tempAudit();
    cleanups.push(t.cleanup);
    const batches: number[] = [];
    const appendMany = t.audit.appendMany.bind(t.audit);
    const sink = groupAppendsPerTurn({
      append: (e) => t.audit.append(e),
      putBlob: (d) => t.audit.putBlob(d),
      appendMany: async (es) => {
        batches.push(es.length);
        return appendMany(es);
      },
    });
    const first = [sink.append(started('a')), sink.append(started('b')), sink.append(started('c'))];
    const r = (await Promise.all(first)) as { index: number }[];
    assert.deepEqual(batches, [3], 'one transaction for the turn');
    assert.deepEqual(
      r.map((x) => x.index),
      [0, 1, 2],
    );
    // durable when resolved: a second handle on the same file sees them
    assert.equal(await t.audit.size(), 3);
    await sink.append(started('d'));
    assert.deepEqual(batches, [3, 1], 'a later turn is its own transaction');
    assert.deepEqual(
      (await t.entries()).map((e) => (e.kind === 'stage_started' ? e.stage : e.kind)),
      ['a', 'b', 'c', 'd'],
    );
  });

  it('a bad entry fails only its own caller: the rest of its turn is still written', async () => {
    const t = await tempAudit();
    cleanups.push(t.cleanup);
    const sink = groupAppendsPerTurn(t.audit);
    const bad = { kind: 'stage_started', run_id: 'r', stage: '' } as EntryInput;
    const [ok1, no, ok2] = await Promise.allSettled([sink.append(started('x')), sink.append(bad), sink.append(started('y'))]);
    assert.equal(ok1.status, 'fulfilled');
    assert.equal(no.status, 'rejected');
    assert.equal(ok2.status, 'fulfilled');
    assert.deepEqual(
      (await t.entries()).map((e) => (e.kind === 'stage_started' ? e.stage : e.kind)),
      ['x', 'y'],
    );
  });
});
