import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, verify as edVerify } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { withRun } from '../../src/app/lifecycle.js';
import type { AuditConfig } from '../../src/audit/config.js';
import type { AuditLogImpl } from '../../src/audit/log.js';
import { parseNote, signCheckpoint } from '../../src/audit/note.js';
import { formatAddCheckpoint } from '../../src/audit/witness/add-checkpoint.js';
import { cosignCheckpoint } from '../../src/audit/witness/client.js';
import { parseSignatureLine, parseWitnessKey, witnessLabel } from '../../src/audit/witness/cosignature.js';
import { ExitCode } from '../../src/domain/errors.js';
import { renderRunBody } from '../../src/review/html/run-page.js';
import { loadRunRecord } from '../../src/review/run-record.js';
import { BIN, auditEntries, runCli } from '../helpers/cli.js';
import { llmCall, tempLogDir, type TempLogDir } from './helpers.js';

/**
 * Witnesses end to end: real `bulwark audit witness serve` processes on 127.0.0.1, logs cosigned
 * with `bulwark audit witness cosign`, checked with `bulwark audit verify --witness`, a split view
 * (two different trees under one origin and key) refused, and the wire format's error statuses.
 */

const ORIGIN = 'bulwark.test/witnessed-log';
const QUORUM = 'bulwark.test/quorum';
const EDITED = 'bulwark.test/edited';
const WIRE = 'bulwark.test/wire';
const LIFE = 'bulwark.test/lifecycle';
const PARTIAL = 'bulwark.test/partly-witnessed';
/** Every witness here knows these logs, all under the test's one log key. */
const KNOWN = [ORIGIN, QUORUM, EDITED, WIRE, LIFE, PARTIAL];

/** A loopback port nothing listens on (just released). */
async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

interface Witness {
  name: string;
  keyFile: string;
  pubFile: string;
  vkey: string;
  stateFile: string;
  url: string;
  proc: ChildProcess | null;
}

describe('witnesses (C2SP tlog-witness / tlog-cosignature)', () => {
  let t: TempLogDir;
  let env: NodeJS.ProcessEnv;
  const witnesses: Record<string, Witness> = {};
  let n = 0;

  async function keygen(name: string): Promise<Witness> {
    const keyFile = path.join(t.dir, `${name}.key`);
    const r = await runCli(['audit', 'witness', 'keygen', '--out', keyFile, '--name', `witness.test/${name}`], env);
    assert.equal(r.code, 0, r.stderr);
    const vkey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    return { name, keyFile, pubFile: `${keyFile}.pub`, vkey, stateFile: path.join(t.dir, `${name}.state.json`), url: '', proc: null };
  }

  async function serve(w: Witness): Promise<void> {
    const logs = KNOWN.flatMap((o) => ['--log', `${o}=${t.pubFile}`]);
    const proc = spawn(process.execPath, [BIN, 'audit', 'witness', 'serve', '--key', w.keyFile, '--state', w.stateFile, ...logs, '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    w.url = await new Promise<string>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = / listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`witness exited ${code}: ${err}`)));
    });
    w.proc = proc;
  }

  async function stop(w: Witness): Promise<void> {
    const p = w.proc;
    if (!p) return;
    w.proc = null;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await done;
  }

  /** A bulwark.toml naming these witnesses. */
  function config(ws: Witness[], extra = ''): string {
    const file = path.join(t.dir, `bulwark-${++n}.toml`);
    const tables = ws.map((w) => `[[audit.witnesses]]\nname = "${w.name}"\nurl = "${w.url}"\nkey = "${w.vkey}"\n`).join('\n');
    writeFileSync(file, `[audit]\nkey_file = "${t.keyFile}"\n${extra}\n${tables}`);
    return file;
  }

  async function grow(db: string, count: number, tag: string, origin = ORIGIN): Promise<AuditLogImpl> {
    const log = await t.open({ db, origin });
    for (let i = 0; i < count; i++) await log.append(llmCall(`run-${tag}`, i, null));
    await log.checkpoint();
    return log;
  }
  async function growAndClose(db: string, count: number, tag: string, origin = ORIGIN): Promise<void> {
    await (await grow(db, count, tag, origin)).close();
  }

  const cosign = (db: string, cfg: string) => runCli(['audit', 'witness', 'cosign', '--db', db, '--config', cfg], env);
  const verify = (db: string, ...flags: string[]) => runCli(['audit', 'verify', '--db', db, '--trusted-key', t.pubFile, '--no-state-update', ...flags], env);

  before(async () => {
    t = tempLogDir('bulwark-witness-');
    env = { PATH: process.env.PATH, HOME: t.dir, XDG_STATE_HOME: path.join(t.dir, 'state'), XDG_CONFIG_HOME: path.join(t.dir, 'config'), NO_COLOR: '1' };
    for (const name of ['w1', 'w2', 'w3']) witnesses[name] = await keygen(name);
    await serve(witnesses.w1!);
    await serve(witnesses.w2!);
  });

  after(async () => {
    for (const w of Object.values(witnesses)) await stop(w);
    t.cleanup();
  });

  it('cosigns a sequence of checkpoints; verify --witness passes, and fails for a checkpoint nobody cosigned', async () => {
    const db = path.join(t.dir, 'seq.db');
    const cfg = config([witnesses.w1!]);
    for (const [i, count] of [3, 2, 5].entries()) {
      await growAndClose(db, count, `seq${i}`);
      const r = await cosign(db, cfg);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^cosigned witness\.test\/w1\+[0-9a-f]{8} size \d+$/m);
    }
    const state = JSON.parse(readFileSync(witnesses.w1!.stateFile, 'utf8')) as { logs: Record<string, { size: number }> };
    assert.equal(state.logs[ORIGIN]!.size, 10);

    const ok = await verify(db, '--witness', witnesses.w1!.pubFile);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /witnesses: checkpoint of size 10 cosigned by 1 \(1 required\)/);
    // the vkey itself is accepted in place of a file
    assert.equal((await verify(db, '--witness', witnesses.w1!.vkey)).code, 0);

    // a newer checkpoint the witness never saw: verify --witness fails closed until it is cosigned
    await growAndClose(db, 1, 'seq-late');
    const late = await verify(db, '--witness', witnesses.w1!.pubFile);
    assert.equal(late.code, ExitCode.Internal, late.stdout);
    assert.match(late.stderr, /newest checkpoint \(size 11\) has valid cosignatures from 0 of the 1/);
    // without --witness the log itself is fine
    assert.equal((await verify(db)).code, 0);
    assert.equal((await cosign(db, cfg)).code, 0);
    assert.equal((await verify(db, '--witness', witnesses.w1!.pubFile)).code, 0);
  });

  it('the cosignature is a C2SP cosignature/v1 over "cosignature/v1\\ntime T\\n" + the checkpoint body', async () => {
    const db = path.join(t.dir, 'seq.db');
    const log = await t.open({ db, origin: ORIGIN });
    try {
      const cps = await log.store.listCheckpoints();
      const newest = cps.at(-1)!;
      const line = (await log.store.listCosignatures()).find((c) => c.seq === newest.seq)!.line;
      const key = parseWitnessKey(witnesses.w1!.vkey);
      const sig = parseSignatureLine(line);
      assert.equal(sig.name, 'witness.test/w1');
      assert.equal(sig.signature.length, 8 + 64);
      const time = sig.signature.readBigUInt64BE(0);
      assert.ok(Math.abs(Number(time) - Date.now() / 1000) < 600, `timestamp ${time}`);
      const msg = Buffer.from(`cosignature/v1\ntime ${time}\n${parseNote(newest.note).text}`);
      const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.publicKey]);
      assert.ok(edVerify(null, msg, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig.signature.subarray(8)));
      // key id: SHA-256(name ‖ \n ‖ 0x04 ‖ pub)[:4]
      const { createHash } = await import('node:crypto');
      const id = createHash('sha256')
        .update('witness.test/w1\n')
        .update(Buffer.from([4]))
        .update(key.publicKey)
        .digest()
        .subarray(0, 4);
      assert.deepEqual(sig.keyId, id);
    } finally {
      await log.close();
    }
  });

  it('refuses a split view: another tree under the same origin and key is never cosigned, and verify --witness fails for it', async () => {
    // the witness has cosigned seq.db at size 11; fork.db is a different history of the same log
    const fork = path.join(t.dir, 'fork.db');
    await growAndClose(fork, 11, 'forked');
    const cfg = config([witnesses.w1!]);
    const same = await cosign(fork, cfg);
    assert.equal(same.code, ExitCode.Internal, same.stdout);
    assert.match(same.stdout, /FAILED .*HTTP 409: a different root hash was cosigned at size 11/);
    // grown past the witnessed size: the consistency proof from 11 cannot match the witnessed root
    await growAndClose(fork, 4, 'forked-more');
    const longer = await cosign(fork, cfg);
    assert.equal(longer.code, ExitCode.Internal, longer.stdout);
    assert.match(longer.stdout, /FAILED .*HTTP 422: consistency proof does not verify/);
    // the forked log verifies on its own (same key, same origin) but not with the witness
    assert.equal((await verify(fork)).code, 0);
    const v = await verify(fork, '--witness', witnesses.w1!.pubFile);
    assert.equal(v.code, ExitCode.Internal);
    assert.match(v.stderr, /witnesses named, 1 required/);
    // the honest log still extends what the witness saw
    await growAndClose(path.join(t.dir, 'seq.db'), 2, 'honest');
    assert.equal((await cosign(path.join(t.dir, 'seq.db'), cfg)).code, 0);
  });

  it('counts a quorum of distinct witness keys', async () => {
    const db = path.join(t.dir, 'quorum.db');
    await growAndClose(db, 4, 'q', QUORUM);
    // w3 is configured but not running: it fails, the others cosign
    const r = await cosign(db, config([witnesses.w1!, witnesses.w2!, { ...witnesses.w3!, url: `http://127.0.0.1:${await closedPort()}` }]));
    assert.equal(r.code, ExitCode.Internal);
    assert.match(r.stdout, /FAILED +witness\.test\/w3\+[0-9a-f]{8} size 4: .*ECONNREFUSED/);
    assert.equal((r.stdout.match(/^cosigned/gm) ?? []).length, 2);
    const w = (k: string) => ['--witness', witnesses[k]!.pubFile];
    assert.equal((await verify(db, ...w('w1'), ...w('w2'))).code, 0);
    const all = await verify(db, ...w('w1'), ...w('w2'), ...w('w3'));
    assert.equal(all.code, ExitCode.Internal);
    assert.match(all.stderr, /from 2 of the 3 witnesses named, 3 required \(missing: witness\.test\/w3/);
    assert.equal((await verify(db, ...w('w1'), ...w('w2'), ...w('w3'), '--witness-quorum', '2')).code, 0);
    assert.equal((await verify(db, ...w('w3'), '--witness-quorum', '1')).code, ExitCode.Internal);
    const tooMany = await verify(db, ...w('w1'), '--witness-quorum', '2');
    assert.equal(tooMany.code, ExitCode.Usage);
    assert.match(tooMany.stderr, /--witness-quorum 2 is more than the 1 witness key/);
    assert.equal((await verify(db, ...w('w1'), ...w('w1'))).code, ExitCode.Usage);
    assert.equal((await verify(db, '--witness', t.pubFile)).code, ExitCode.Usage, 'a log key is not a witness key');
  });

  it('a stored cosignature that was edited fails verify', async () => {
    const Database = (await import('better-sqlite3')).default;
    const db = path.join(t.dir, 'edited.db');
    await growAndClose(db, 2, 'e', EDITED);
    assert.equal((await cosign(db, config([witnesses.w2!]))).code, 0);
    const sqlite = new Database(db);
    const row = sqlite.prepare('SELECT seq, line FROM cosignatures').get() as { seq: number; line: string };
    const raw = Buffer.from(row.line.split(' ')[2]!, 'base64');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    sqlite
      .prepare('INSERT INTO cosignatures (seq, witness, line, created_ms) VALUES (?, ?, ?, ?)')
      .run(row.seq, 'x', `\u2014 witness.test/w2 ${raw.toString('base64')}`, 1);
    sqlite.close();
    const v = await verify(db, '--witness', witnesses.w2!.pubFile);
    assert.equal(v.code, ExitCode.Internal);
    assert.match(v.stderr, /cosignature by witness\.test\/w2 does not verify/);
  });

  it('answers the wire format: 400, 403, 404, 405, 409 with text/x.tlog.size, 422, and remembers across a restart', async () => {
    const w = witnesses.w2!;
    const post = async (body: string, method = 'POST') => {
      const res = await fetch(`${w.url}/add-checkpoint`, { method, ...(method === 'POST' ? { body } : {}) });
      return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
    };
    const root = Buffer.alloc(32, 7);
    const note = signCheckpoint({ origin: WIRE, treeSize: 5, rootHash: root }, t.signer);
    assert.equal((await post('garbage')).status, 400);
    assert.equal((await post('old 01\n\n' + note)).status, 400);
    assert.equal((await post('old 0\nnot-a-hash\n\n' + note)).status, 400);
    assert.equal((await post('old 0\n\nnot a note\n')).status, 400);
    assert.equal((await post('', 'GET')).status, 405);
    assert.equal((await fetch(`${w.url}/other`, { method: 'POST', body: 'x' })).status, 404);
    const other = signCheckpoint({ origin: 'bulwark.test/unknown', treeSize: 5, rootHash: root }, t.signer);
    assert.equal((await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: other }))).status, 404);
    const stranger = tempLogDir('bulwark-witness-stranger-');
    try {
      const forged = signCheckpoint({ origin: WIRE, treeSize: 5, rootHash: root }, stranger.signer);
      assert.equal((await post(formatAddCheckpoint({ oldSize: 0, proof: [], note: forged }))).status, 403);
    } finally {
      stranger.cleanup();
    }
    assert.equal((await post(formatAddCheckpoint({ oldSize: 6, proof: [], note }))).status, 400, 'old size above the checkpoint size');
    assert.equal((await post(formatAddCheckpoint({ oldSize: 0, proof: [Buffer.alloc(32, 1)], note }))).status, 422, 'a proof from size 0');
    // the first checkpoint of a log is taken as it is (there is nothing to be consistent with)
    const first = await post(formatAddCheckpoint({ oldSize: 0, proof: [], note }));
    assert.equal(first.status, 200, first.text);
    assert.match(first.text, /^\u2014 witness\.test\/w2 [A-Za-z0-9+/]+=*\n$/);
    const conflict = await post(formatAddCheckpoint({ oldSize: 0, proof: [], note }));
    assert.equal(conflict.status, 409);
    assert.equal(conflict.type, 'text/x.tlog.size');
    assert.equal(conflict.text, '5\n');
    const bigger = signCheckpoint({ origin: WIRE, treeSize: 8, rootHash: Buffer.alloc(32, 9) }, t.signer);
    const bad = await post(formatAddCheckpoint({ oldSize: 5, proof: [Buffer.alloc(32, 1), Buffer.alloc(32, 2)], note: bigger }));
    assert.equal(bad.status, 422, bad.text);
    const tooLong = await post(`old 5\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${bigger}`);
    assert.equal(tooLong.status, 400);
    assert.equal((await post('x'.repeat(70 * 1024))).status, 413);
    // a restarted witness still knows what it cosigned
    await stop(w);
    await serve(w);
    const again = await post(formatAddCheckpoint({ oldSize: 0, proof: [], note }));
    assert.equal(again.status, 409);
    assert.equal(again.text, '5\n');
    const state = JSON.parse(readFileSync(w.stateFile, 'utf8')) as { logs: Record<string, { size: number; note: string }> };
    assert.equal(state.logs[WIRE]!.size, 5);
    assert.equal(state.logs[WIRE]!.note, note, 'the log-signed checkpoint is kept as evidence');
  });

  it("keeps a witness's answer to one inert line (no control, separator or reordering characters), and names a larger cosigned size", async () => {
    // a witness is somebody else's server: its error text is printed and recorded in the log
    let answer = (res: http.ServerResponse): void => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('bad\u202egate\u2028\u2066x\u0007y\nsecond line');
    };
    const hostile = http.createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const db = path.join(t.dir, 'hostile.db');
    const log = await grow(db, 2, 'hostile');
    try {
      const { port } = hostile.address() as AddressInfo;
      const [outcome] = await cosignCheckpoint(log, [{ name: 'w1', url: `http://127.0.0.1:${port}`, key: witnesses.w1!.vkey }]);
      assert.equal(outcome!.ok, false);
      assert.equal(outcome!.error, 'HTTP 500: bad?gate??x?y');
      // a witness that has cosigned a larger tree: named apart from one this checkpoint cannot extend
      answer = (res) => {
        res.writeHead(409, { 'content-type': 'text/x.tlog.size' });
        res.end('9\n');
      };
      const [later] = await cosignCheckpoint(log, [{ name: 'w1', url: `http://127.0.0.1:${port}`, key: witnesses.w1!.vkey }]);
      assert.equal(
        later!.error,
        'witness has already cosigned size 9, after this checkpoint (size 2): a later checkpoint of this log (another run), or another tree',
      );
    } finally {
      await log.close();
      await new Promise<void>((resolve) => hostile.close(() => resolve()));
    }
  });

  it('a run cosigns its checkpoint through the lifecycle; with witness_required a refusing witness fails the run (exit 5)', async () => {
    const cfg = (origin: string, required: boolean): AuditConfig => ({
      key_file: t.keyFile,
      origin,
      witnesses: [{ name: 'w1', url: witnesses.w1!.url, key: witnesses.w1!.vkey }],
      witness_timeout_ms: 2000,
      ...(required ? { witness_required: true } : {}),
    });
    const body = async (run: Parameters<Parameters<typeof withRun>[1]>[0]) => {
      await run.start({ change_hash: `sha256:${'c'.repeat(64)}` });
      await run.finish({ status: 'pass', exitCode: 0 });
      return 'done';
    };
    const db = path.join(t.dir, 'lifecycle.db');
    assert.equal(await withRun({ kind: 'run', auditDb: db, auditConfig: cfg(LIFE, true) }, body), 'done');
    assert.equal(await withRun({ kind: 'run', auditDb: db, auditConfig: cfg(LIFE, true) }, body), 'done');
    assert.equal((await verify(db, '--witness', witnesses.w1!.pubFile)).code, 0, "each run's checkpoint was cosigned");

    // a log the witness does not know (404): best effort by default, a failed run with witness_required
    // either way the refusal is in the log, after the run's end, under a checkpoint of its own
    const unknown = path.join(t.dir, 'lifecycle-unknown.db');
    assert.equal(await withRun({ kind: 'run', auditDb: unknown, auditConfig: cfg('bulwark.test/not-witnessed', false) }, body), 'done');
    type Logged = { kind: string; run_id?: string; status?: string; error_class?: string; witness?: string; checkpoint_size?: number; reason?: string };
    const bestEffort = (await auditEntries(unknown)) as Logged[];
    assert.deepEqual(
      bestEffort.map((e) => e.kind),
      ['run_started', 'run_finished', 'witness_refusal'],
    );
    const refusal = bestEffort[2]!;
    assert.equal(refusal.run_id, bestEffort[0]!.run_id);
    assert.equal(refusal.witness, witnessLabel(parseWitnessKey(witnesses.w1!.vkey)), 'named as its cosignatures are');
    assert.equal(refusal.checkpoint_size, 2, 'the size of the checkpoint the witness was sent');
    assert.match(refusal.reason!, /^HTTP 404/);
    // the run's page shows it
    const opened = await t.open({ db: unknown, origin: 'bulwark.test/not-witnessed' });
    try {
      const rec = await loadRunRecord(opened.store, refusal.run_id!);
      assert.ok(rec);
      assert.deepEqual(
        rec.witnessRefusals.map((w) => [w.index, w.witness, w.checkpoint_size]),
        [[2, refusal.witness, 2]],
      );
      const page = (await renderRunBody(rec)).toString();
      assert.match(page, /<h2 id="witnesses-h">Witnesses that did not cosign<\/h2>/);
      assert.ok(page.includes(refusal.witness ?? '?') && page.includes('HTTP 404'), page);
    } finally {
      await opened.close();
    }
    assert.equal((await verify(unknown)).code, 0, 'the refusal is signed: the log verifies to its end');
    await assert.rejects(
      withRun({ kind: 'run', auditDb: unknown, auditConfig: cfg('bulwark.test/not-witnessed', true) }, body),
      (e: Error & { exitCode?: number }) => e.exitCode === ExitCode.Internal && /witness_required: 1 of 1/.test(e.message),
    );
    const required = ((await auditEntries(unknown)) as Logged[]).slice(3);
    assert.deepEqual(
      required.map((e) => [e.kind, e.status ?? e.checkpoint_size, e.error_class]),
      [
        ['run_started', undefined, undefined],
        ['run_finished', 'pass', undefined],
        ['witness_refusal', 5, undefined],
        ['run_finished', 'error', 'WitnessError'],
      ],
    );
    assert.equal((await verify(unknown)).code, 0, 'the failed run is recorded and signed');
    assert.ok(existsSync(unknown));

    // one witness of two down: the refusal is recorded, and the checkpoint that records it is
    // cosigned by the witness that answers, so verify with that witness still passes
    const partly = path.join(t.dir, 'lifecycle-partly.db');
    const down = { name: 'w2', url: 'http://127.0.0.1:9', key: witnesses.w2!.vkey };
    const partlyCfg = { ...cfg(PARTIAL, false), witnesses: [...cfg(PARTIAL, false).witnesses!, down] };
    assert.equal(await withRun({ kind: 'run', auditDb: partly, auditConfig: partlyCfg }, body), 'done');
    const partlyEntries = (await auditEntries(partly)) as Logged[];
    assert.deepEqual(
      partlyEntries.map((e) => [e.kind, e.witness]),
      [
        ['run_started', undefined],
        ['run_finished', undefined],
        ['witness_refusal', witnessLabel(parseWitnessKey(witnesses.w2!.vkey))],
      ],
    );
    assert.equal((await verify(partly, '--witness', witnesses.w1!.pubFile)).code, 0, 'the newest checkpoint is cosigned by w1');
    assert.equal((await verify(partly, '--witness', witnesses.w2!.pubFile)).code, ExitCode.Internal, 'and not by w2');
  });
});
