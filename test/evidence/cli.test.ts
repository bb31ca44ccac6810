import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { openAuditLog, writeKeyPair } from '../../src/audit/index.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';

const execFileP = promisify(execFile);
const bin = path.join(packageRoot, 'bin', 'bulwark.js');

/** What `bulwark audit retain --json` prints (the fields these tests read). */
interface RetentionJson {
  dryRun?: boolean;
  policy: string;
  actions: { action: string }[];
}

async function bulwark(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(process.execPath, [bin, ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('bulwark audit export / verify --bundle / retain (CLI)', { timeout: 120_000 }, () => {
  let dir: string;
  let db: string;
  let key: string;
  let config: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-evidence-cli-'));
    db = path.join(dir, 'audit.db');
    key = path.join(dir, 'keys', 'audit.key');
    writeKeyPair(key);
    config = path.join(dir, 'bulwark.toml');
    writeFileSync(config, `[audit]\ndb = "audit.db"\nkey_file = "keys/audit.key"\n`);
    const log = await openAuditLog({ location: db, keyFile: key, origin: 'bank.example/cli', notice: () => undefined });
    const blob = await log.putBlob('old prompt');
    await log.appendMany([
      {
        kind: 'llm_call',
        run_id: 'old',
        stage: 's',
        agent_id: 'a',
        provider: 'anthropic',
        model_requested: 'm',
        model_returned: 'm',
        params: {},
        input_hash: 'sha256:' + '1'.repeat(64),
        output_hash: null,
        latency_ms: 1,
        tokens_in: 1,
        tokens_out: 0,
        status: 'error',
        error_class: 'timeout',
        blob,
        time: '2026-01-05T00:00:00.000Z',
      },
      { kind: 'run_started', run_id: 'r1', command: 'review', head: '1'.repeat(40), time: '2026-11-10T09:00:00.000Z' },
      { kind: 'run_started', run_id: 'r2', command: 'review', head: '2'.repeat(40), time: '2026-11-17T09:00:00.000Z' },
      { kind: 'gate_decision', run_id: 'r2', flagged: false, reasons: [], zones: [], time: '2026-11-17T09:00:01.000Z' },
    ]);
    await log.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exports consecutive weeks and verifies them offline, chained', async () => {
    const w46 = path.join(dir, 'w46');
    const w47 = path.join(dir, 'w47');
    const e1 = await bulwark(['audit', 'export', '--week', '2026-W46', '--out', w46, '--config', config]);
    assert.equal(e1.code, 0, e1.stderr);
    const e2 = await bulwark(['audit', 'export', '--week', '2026-W47', '--out', w47, '--previous', w46, '--config', config]);
    assert.equal(e2.code, 0, e2.stderr);
    assert.match(e2.stdout, /entries 2\.\.4/);
    assert.equal(readdirSync(w47).length, 10);
    assert.match(readFileSync(path.join(w47, 'config_snapshot.toml'), 'utf8'), /key_file = "keys\/audit\.key"/);

    const v = await bulwark(['audit', 'verify', '--bundle', w47, '--previous', w46, '--trusted-key', key + '.pub']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /OK, chained/);
    const j = await bulwark(['audit', 'verify', '--bundle', w47, '--json', '--config', config, '--trusted-key', key + '.pub']);
    assert.equal((JSON.parse(j.stdout) as { ok: boolean }).ok, true);
    // the signer's public key beside its signing key (what the config names) is not an anchor
    const unanchored = await bulwark(['audit', 'verify', '--bundle', w47, '--config', config]);
    assert.equal(unanchored.code, 5);
    assert.match(unanchored.stderr, /no trust anchor/);

    appendFileSync(path.join(w47, 'gate_decisions.csv'), '99,2026-11-17T09:00:01.000Z,r9,false,,,,,,\r\n');
    const bad = await bulwark(['audit', 'verify', '--bundle', w47, '--trusted-key', key + '.pub']);
    assert.equal(bad.code, 5);
    assert.match(bad.stderr, /^bulwark: evidence bundle verification failed: gate_decisions\.csv does not match its SHA-256/);
  });

  it('reports usage errors with exit 3', async () => {
    assert.equal((await bulwark(['audit', 'export', '--out', path.join(dir, 'x'), '--config', config])).code, 3);
    const r = await bulwark(['audit', 'export', '--week', '2026-W99', '--out', path.join(dir, 'x'), '--config', config]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /2026 has weeks 01\.\.53/);
    assert.equal((await bulwark(['audit', 'verify', '--bundle', path.join(dir, 'nope'), '--trusted-key', key + '.pub'])).code, 3);
  });

  it('retain --dry-run lists the plan; retain moves the blob and records it', async () => {
    // retain judges ages by the wall clock: a warm period long enough that the 2026-01-05 blob is
    // warm (not cold, as it would be under the default 730 days from 2028) whenever this runs.
    const durations = ['--warm-days', '36500', '--purge-days', '36501'];
    const dry = await bulwark(['audit', 'retain', '--dry-run', '--json', ...durations, '--config', config]);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as RetentionJson;
    assert.equal(plan.dryRun, true);
    assert.equal(plan.actions.length, 1);
    assert.equal(plan.actions[0]!.action, 'archive');
    const run = await bulwark(['audit', 'retain', ...durations, '--config', config]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /archive 1 blob\(s\) of 2026-01 → warm\/2026-01\//);
    assert.match(run.stdout, /recorded as audit entries 4/);
    const show = await bulwark(['audit', 'show', '--kind', 'retention_move', '--json', '--config', config]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /"to": ?"warm"/);
  });
});

describe('bulwark audit retain with [audit.retention] in bulwark.toml', { timeout: 120_000 }, () => {
  let dir: string;
  let config: string;
  const toml = (retention: string): void =>
    writeFileSync(config, `[audit]\ndb = "state/audit.db"\nkey_file = "keys/audit.key"\n\n[audit.retention]\n${retention}`);
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-retain-config-'));
    writeKeyPair(path.join(dir, 'keys', 'audit.key'));
    config = path.join(dir, 'bulwark.toml');
    const log = await openAuditLog({
      location: path.join(dir, 'state', 'audit.db'),
      keyFile: path.join(dir, 'keys', 'audit.key'),
      origin: 'bank.example/retain',
      notice: () => undefined,
    });
    // A blob last referenced 30 days ago: hot under a 60-day policy, warm under the 7-day flag.
    const blob = await log.putBlob('prompt of last month');
    const time = new Date(Date.now() - 30 * 86_400_000).toISOString();
    await log.append({
      kind: 'llm_call',
      run_id: 'r',
      stage: 's',
      agent_id: 'a',
      provider: 'anthropic',
      model_requested: 'm',
      model_returned: 'm',
      params: {},
      input_hash: 'sha256:' + '1'.repeat(64),
      output_hash: null,
      latency_ms: 1,
      tokens_in: 1,
      tokens_out: 0,
      status: 'error',
      error_class: 'timeout',
      blob,
      time,
    });
    await log.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the durations and archive folders from the config, flags override them, bad values are refused', async () => {
    toml('hot_days = 60\nwarm_days = 400\npurge_days = 3000\nwarm_dir = "vault/warm"\ncold_dir = "vault/cold"\n');
    const dry = await bulwark(['audit', 'retain', '--dry-run', '--json', '--config', config]);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as RetentionJson;
    assert.equal(plan.policy, 'hot 60d, warm until 400d, cold until 3000d, then purged');
    assert.deepEqual(plan.actions, [], 'a 30-day-old blob stays hot under hot_days = 60');

    const run = await bulwark(['audit', 'retain', '--hot-days', '7', '--json', '--config', config]);
    assert.equal(run.code, 0, run.stderr);
    const res = JSON.parse(run.stdout) as RetentionJson;
    assert.equal(res.policy, 'hot 7d, warm until 400d, cold until 3000d, then purged');
    assert.equal(res.actions.length, 1);
    assert.equal(res.actions[0]!.action, 'archive');
    // warm_dir is relative to bulwark.toml's folder, not to the working directory or the database
    const month = readdirSync(path.join(dir, 'vault', 'warm')).filter((f) => /^\d{4}-\d{2}$/.test(f));
    assert.equal(month.length, 1);
    assert.equal(readdirSync(path.join(dir, 'vault', 'warm', month[0]!)).filter((f) => f.endsWith('.jsonl.br')).length, 1);

    toml('warm_days = 400\npurge_days = 300\n');
    const bad = await bulwark(['audit', 'retain', '--dry-run', '--config', config]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /bulwark\.toml.*purge_days.*warm_days must be less than purge_days/);
    toml('hot_days = "90"\n');
    const wrongType = await bulwark(['audit', 'retain', '--dry-run', '--config', config]);
    assert.equal(wrongType.code, 3);
    assert.match(wrongType.stderr, /hot_days/);
  });
});
