import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEntry, parseEntry, type EntryInput } from '../../src/domain/audit-entries.js';
import { parseCsv } from '../../src/audit/export/csv.js';
import { deriveTables, type IndexedEntry } from '../../src/audit/export/derive.js';

/** changes.csv from the PR and author a run recorded in its run_started entry (pure derivation). */

const CH = 'sha256:' + 'e'.repeat(64);
const SIG = '-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n';

function indexed(inputs: EntryInput[]): IndexedEntry[] {
  return inputs.map((e, index) => ({ index, entry: makeEntry(e) }));
}

function changesRow(all: IndexedEntry[]): Record<string, string> {
  const rows = parseCsv(deriveTables(all)['changes.csv']);
  assert.equal(rows.length, 2);
  return Object.fromEntries(rows[0]!.map((k, i) => [k, rows[1]![i]!]));
}

const started = (extra: Partial<EntryInput & { kind: 'run_started' }> = {}): EntryInput => ({
  kind: 'run_started',
  run_id: 'r',
  command: 'review',
  head: 'f'.repeat(40),
  change_hash: CH,
  time: '2026-11-17T09:00:00.000Z',
  ...extra,
});
const approval = (reviewer: string, method: 'cli' | 'github' = 'cli'): EntryInput => ({
  kind: 'approval',
  run_id: 'r',
  reviewer,
  change_hash: CH,
  decision: 'approve',
  method,
  signature: SIG,
  time: '2026-11-17T10:00:00.000Z',
});

describe('changes.csv: PR, author and author ≠ approver', () => {
  it('lists the PR number, URL and author the run recorded', () => {
    const r = changesRow(
      indexed([
        started({
          pr: { provider: 'gitlab', number: 9, url: 'https://gitlab.example/bank/pay/-/merge_requests/9' },
          author: 'dev@bank.example',
          ci_run: 'gitlab:bank/pay/pipelines/77',
        }),
        approval('alice@bank.example'),
      ]),
    );
    assert.equal(r.pr_number, '9');
    assert.equal(r.pr_url, 'https://gitlab.example/bank/pay/-/merge_requests/9');
    assert.equal(r.author, 'dev@bank.example');
    assert.equal(r.ci_run, 'gitlab:bank/pay/pipelines/77');
    assert.equal(r.author_not_approver, 'true');
  });

  it('says false when an approver is the recorded author (case-insensitive)', () => {
    const r = changesRow(indexed([started({ author: 'Dev' }), approval('alice'), approval('dev', 'github')]));
    assert.equal(r.approvals, 'alice(cli);dev(github)');
    assert.equal(r.author_not_approver, 'false');
  });

  it('leaves it empty without approvals and true when no author was recorded', () => {
    assert.equal(changesRow(indexed([started({ author: 'dev' })])).author_not_approver, '');
    assert.equal(changesRow(indexed([started(), approval('dev')])).author_not_approver, 'true');
  });

  it('validates the new run_started fields and keeps entries without them valid', () => {
    const base = { v: 1, kind: 'run_started', run_id: 'r', command: 'review', time: '2026-11-17T09:00:00.000Z' };
    assert.doesNotThrow(() => parseEntry(base));
    assert.throws(() => parseEntry({ ...base, pr: { provider: 'github', number: 0 } }), /invalid run_started entry: pr\.number/);
    assert.throws(() => parseEntry({ ...base, pr: { provider: 'bitbucket', number: 1 } }), /pr\.provider/);
    assert.throws(() => parseEntry({ ...base, pr: { provider: 'github', number: 1, draft: true } }), /pr/);
    assert.throws(() => parseEntry({ ...base, author: '' }), /author/);
  });
});
