import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertNotFlagged, assertPath, edit, FixtureRepo } from './fixture.js';
import { hostRegex, sqlWriteRegex } from '../../src/gate/decide.js';

const files: Record<string, string> = {
  'services/lending/score.py': ['def score(a):', '    return a * 2', ''].join('\n'),
  'services/lending/docs.md': '# lending\n',
  'services/marketing/banner.py': ['def banner():', '    return "hi"', ''].join('\n'),
  'ledger/store.py': [
    'def save_entry(db, amount):',
    '    db.execute("INSERT INTO ledger_entries (amount) VALUES (?)", (normalise(amount),))',
    '',
    'def normalise(amount):',
    '    return round(amount, 2)',
    '',
    'def record(db, amount):',
    '    return save_entry(db, amount + 0)',
    '',
    'def read_entries(db):',
    '    return db.execute("SELECT * FROM ledger_entries").fetchall()',
    '',
  ].join('\n'),
  'psp/client.py': [
    'import urllib.request',
    '',
    'def build_body(amount):',
    '    return str(amount).encode()',
    '',
    'def charge(amount):',
    '    return urllib.request.urlopen("https://api.stripe.com/v1/charges", build_body(amount))',
    '',
  ].join('\n'),
  'config/rates.json': '{"base": 1}\n',
  'pricing/rates.py': [
    'import json',
    '',
    'def load_rates():',
    '    with open("config/rates.json") as f:',
    '        return json.load(f)',
    '',
    'def calculate_interest(x):',
    '    return x * load_rates()["base"]',
    '',
  ].join('\n'),
};

const config = {
  zones: [
    { name: 'lending', path: 'services/lending/**', obligations: ['human-review'], approvers: ['alice'], shared_paths: ['libs/common/**'] },
    { name: 'marketing', path: 'services/marketing/**' },
  ],
  shared_paths: ['schemas/**'],
  sql_tables: ['ledger_entries'],
  payment_hosts: ['api.stripe.com'],
};

describe('gate rules: zones, SQL tables, payment hosts, configuration files', () => {
  let repo: FixtureRepo;
  before(() => {
    repo = new FixtureRepo(files);
  });
  after(() => repo.remove());

  it('a zone with obligations flags any change inside it, and narrows the read scope', async () => {
    const r = await repo.gate(repo.branch('zone', { 'services/lending/docs.md': '# lending v2\n' }), config);
    assert.equal(r.flagged, true);
    const z = r.zones.find((x) => x.name === 'lending');
    assert.ok(z && z.requiresReview && z.files.includes('services/lending/docs.md'));
    assert.deepEqual(z.approvers, ['alice']);
    assert.ok(r.reasons.some((x) => x.kind === 'zone' && x.message.includes('obligations: human-review') && x.message.includes('approvers: alice')));
    assert.deepEqual(r.readScope.sort(), ['libs/common/**', 'schemas/**', 'services/lending/**']);
  });

  it('a zone without obligations is reported for narrowing but does not flag', async () => {
    const r = await repo.gate(
      repo.branch('zone-free', { 'services/marketing/banner.py': edit(files['services/marketing/banner.py']!, '"hi"', '"hello"') }),
      config,
    );
    assertNotFlagged(r);
    assert.deepEqual(
      r.zones.map((z) => [z.name, z.requiresReview]),
      [['marketing', false]],
    );
    assert.deepEqual(r.readScope.sort(), ['schemas/**', 'services/marketing/**']);
  });

  it('a function that writes a listed table is a root: its callees and callers are regulated', async () => {
    const callee = await repo.gate(
      repo.branch('sql-callee', { 'ledger/store.py': edit(files['ledger/store.py']!, 'round(amount, 2)', 'round(amount, 4)') }),
      config,
    );
    assertPath(callee, ['ledger.store.save_entry', 'ledger.store.normalise'], 'head');
    assert.ok(callee.paths.some((p) => p.root === 'ledger.store.save_entry' && p.rootRule === 'writes table ledger_entries'));
    assert.ok(callee.reasons.some((x) => x.message.includes('[ledger.store.save_entry: writes table ledger_entries]')));
    const caller = await repo.gate(repo.branch('sql-caller', { 'ledger/store.py': edit(files['ledger/store.py']!, 'amount + 0', 'amount + 1') }), config);
    assert.ok(
      caller.paths.some((p) => p.direction === 'changed-reaches-root' && p.nodes.join(' > ') === 'ledger.store.record > ledger.store.save_entry'),
      JSON.stringify(caller.paths),
    );
  });

  it('changing the SQL line itself is flagged; reading the table is not', async () => {
    const write = await repo.gate(repo.branch('sql-line', { 'ledger/store.py': edit(files['ledger/store.py']!, 'VALUES (?)', 'VALUES ( ? )') }), config);
    assert.ok(write.reasons.some((x) => x.kind === 'sql' && x.message.includes('ledger_entries')));
    const read = await repo.gate(repo.branch('sql-read', { 'ledger/store.py': edit(files['ledger/store.py']!, 'SELECT *', 'SELECT amount') }), config);
    assertNotFlagged(read);
  });

  it('code that calls a payment-processor host is regulated, and so is what it calls', async () => {
    const r = await repo.gate(repo.branch('host', { 'psp/client.py': edit(files['psp/client.py']!, '.encode()', '.encode("utf-8")') }), config);
    assert.ok(
      r.paths.some((p) => p.root === 'psp.client.charge' && p.rootRule === 'calls payment host api.stripe.com' && p.changed === 'psp.client.build_body'),
      JSON.stringify(r.paths),
    );
  });

  it('a changed configuration file counts as a change to every function that names it', async () => {
    const r = await repo.gate(repo.branch('config-file', { 'config/rates.json': '{"base": 2}\n' }), config);
    const c = r.changedFunctions.find((x) => x.id === 'pricing.rates.load_rates' && x.revision === 'head');
    assert.equal(c?.binding, 'config/rates.json');
    assertPath(r, ['pricing.rates.calculate_interest', 'pricing.rates.load_rates'], 'head');
  });

  it('rule patterns match what they claim and nothing near it', () => {
    const sql = sqlWriteRegex(['ledger_entries'])!;
    for (const s of [
      'INSERT INTO ledger_entries (a)',
      'update public.ledger_entries set',
      'DELETE FROM "ledger_entries" WHERE',
      'merge into ledger_entries t',
      'TRUNCATE TABLE ledger_entries',
    ])
      assert.ok(sql.test(s), s);
    for (const s of ['SELECT * FROM ledger_entries', 'INSERT INTO ledger_entries_archive (a)', 'update ledger_entriesx set', 'insert into other'])
      assert.ok(!sql.test(s), s);
    const host = hostRegex(['api.stripe.com'])!;
    assert.ok(host.test('"https://api.stripe.com/v1/charges"'));
    assert.ok(!host.test('https://api.stripe.com.evil.example/'));
    assert.ok(!host.test('https://notapi.stripe.com/'));
  });
});
