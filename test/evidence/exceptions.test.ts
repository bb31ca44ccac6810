import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsv } from '../../src/audit/export/csv.js';
import { deriveTables } from '../../src/audit/export/derive.js';
import { makeEntry } from '../../src/domain/audit-entries.js';
import { witnessRefusalEntry } from '../../src/domain/run-entries.js';

describe('exceptions.csv', () => {
  it('lists each witness that did not cosign a run checkpoint, with the size and the reason', () => {
    const entries = [
      makeEntry({ kind: 'run_finished', run_id: 'r1', status: 'pass', exit_code: 0, duration_ms: 10, time: '2026-11-17T09:00:00.000Z' }),
      makeEntry({
        ...witnessRefusalEntry('r1', {
          witness: 'witness.bank.example/risk+1a2b3c4d',
          treeSize: 7,
          error: 'witness has cosigned size 9, which this checkpoint (size 7) cannot extend',
        }),
        time: '2026-11-17T09:00:01.000Z',
      }),
      makeEntry({ ...witnessRefusalEntry('r1', { witness: 'witness.bank.example/ops+0a0b0c0d', treeSize: 7 }), time: '2026-11-17T09:00:01.000Z' }),
    ].map((entry, index) => ({ index, entry }));
    const rows = parseCsv(deriveTables(entries)['exceptions.csv']);
    assert.deepEqual(rows, [
      ['log_index', 'time', 'run_id', 'type', 'subject', 'detail'],
      [
        '1',
        '2026-11-17T09:00:01.000Z',
        'r1',
        'witness_refusal',
        'witness.bank.example/risk+1a2b3c4d',
        'checkpoint size 7: witness has cosigned size 9, which this checkpoint (size 7) cannot extend',
      ],
      ['2', '2026-11-17T09:00:01.000Z', 'r1', 'witness_refusal', 'witness.bank.example/ops+0a0b0c0d', 'checkpoint size 7: refused'],
    ]);
  });
});
