import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LineError, LineReader } from '../../src/app/gate-resident/line.js';
import { MAX_REQUEST_BYTES, parseAccepted, parseFirstLine, parseRequest, parseResponse } from '../../src/app/gate-resident/protocol.js';
import { Declined, serveResidentGate, type ResidentServerOptions } from '../../src/app/gate-resident/server.js';
import { environmentFingerprint, evaluationEnvironment } from '../../src/app/gate-resident/identity.js';
import type { PreparedGate } from '../../src/app/gate-finish.js';
import { UsageError } from '../../src/domain/errors.js';
import { within } from '../../src/domain/within.js';

const hex = (c: string): string => c.repeat(64);

/** Every line the server sends on one connection (its last is the answer; an evaluation's first is its acknowledgement). */
async function exchange(socket: string, line: string): Promise<string[]> {
  const c = net.connect(socket, () => c.write(line));
  const reader = new LineReader(c, 1 << 23);
  const lines: string[] = [];
  try {
    for (;;) lines.push(await reader.next());
  } catch (err) {
    if (lines.length === 0) throw err;
  } finally {
    reader.close();
    c.destroy();
  }
  return lines;
}

/** Resolves once something accepts connections on the socket. */
async function untilListening(socket: string): Promise<void> {
  const listening = (): Promise<boolean> =>
    new Promise((r) => {
      const c = net.connect(socket);
      c.once('connect', () => {
        c.destroy();
        r(true);
      });
      c.once('error', () => r(false));
    });
  while (!(await listening())) await new Promise((r) => setTimeout(r, 10));
}

const ask = async (socket: string, line: string): Promise<string> => (await exchange(socket, line)).at(-1)!;

/** An evaluation request for the gate `withGate` runs (build a…, environment b…, repository /r). */
const evaluateLine = (head: string, over: object = {}): string =>
  JSON.stringify({ op: 'evaluate', build: hex('a'), fingerprint: hex('b'), top: '/r', cwd: '/r/sub', flags: { repo: '.', head, cache: true }, ...over }) + '\n';

/** Runs a resident gate for /r on a socket of its own for `body`, then asks it to stop and waits until it has. */
async function withGate(
  options: Pick<ResidentServerOptions, 'evaluate'> & Partial<ResidentServerOptions>,
  body: (socket: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resident-proto-'));
  const socket = path.join(dir, 's.sock');
  const served = serveResidentGate({ repo: '/r', socket, build: hex('a'), fingerprint: hex('b'), idleMs: 60_000, log: () => undefined, ...options });
  try {
    await untilListening(socket);
    await body(socket);
    assert.equal(await ask(socket, '{"op":"stop"}\n'), '{"ok":true,"op":"stop"}');
    await served;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('resident gate protocol', () => {
  it('accepts an evaluation request and names the first wrong field of a bad one', () => {
    const ok = {
      op: 'evaluate',
      build: hex('a'),
      fingerprint: hex('b'),
      top: '/r',
      cwd: '/r/sub',
      flags: { repo: '..', head: 'HEAD', cache: true, base: 'main', config: 'b.toml' },
    };
    assert.deepEqual(parseRequest(JSON.stringify(ok)), ok);
    const bad: [unknown, RegExp][] = [
      ['x', /request: not JSON/],
      [[1], /request: not an object/],
      [{ op: 'run' }, /request\.op: expected evaluate, status or stop/],
      [{ ...ok, top: 'relative' }, /request\.top: expected an absolute path/],
      [{ ...ok, cwd: undefined }, /request\.cwd: expected an absolute path/],
      [{ ...ok, flags: { ...ok.flags, repo: '' } }, /request\.flags\.repo: expected a path/],
      [{ ...ok, flags: { ...ok.flags, head: '--output=/tmp/x' } }, /request\.flags\.head: expected a revision/],
      [{ ...ok, flags: { ...ok.flags, cache: 'yes' } }, /request\.flags\.cache: expected a boolean/],
      [{ ...ok, flags: { ...ok.flags, cacheDir: 'c\0d' } }, /request\.flags\.cacheDir: expected a path/],
      [{ ...ok, build: 'short' }, /request\.build: expected a build digest/],
    ];
    for (const [v, re] of bad) assert.throws(() => parseRequest(typeof v === 'string' ? v : JSON.stringify(v)), re);
  });

  it('checks an answer before the client acts on it', () => {
    assert.throws(() => parseResponse('{"ok":"yes"}'), /response\.ok: expected a boolean/);
    assert.throws(() => parseResponse('{"ok":false,"kind":"error","message":"m","exitCode":0}'), /response\.exitCode: expected an exit code/);
    assert.throws(
      () => parseResponse('{"ok":true,"op":"evaluate","prepared":{"repo":"/r","config":{"dir":"/r"},"statics":{"flagged":"no"}}}'),
      /statics\.flagged: expected a boolean/,
    );
    assert.deepEqual(parseResponse('{"ok":false,"kind":"error","message":"unknown revision: x","exitCode":3}'), {
      ok: false,
      kind: 'error',
      message: 'unknown revision: x',
      exitCode: 3,
    });
  });

  it('fingerprints only what an evaluation reads', () => {
    const base = { PATH: '/bin', HOME: '/h', GIT_DIR: '/g', GITHUB_TOKEN: 't', ANTHROPIC_API_KEY: 'k', GIT_AUTHOR_NAME: 'a', LC_ALL: 'C' };
    assert.deepEqual(evaluationEnvironment(base), { PATH: '/bin', HOME: '/h', GIT_DIR: '/g', LC_ALL: 'C' });
    assert.equal(environmentFingerprint(base), environmentFingerprint({ ...base, GITHUB_TOKEN: 'other', GIT_AUTHOR_NAME: 'b' }));
    assert.notEqual(environmentFingerprint(base), environmentFingerprint({ ...base, GIT_DIR: '/other' }));
  });

  it('reads lines one at a time: two in one chunk, one across chunks, none past the limit or the end', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-resident-lines-'));
    const socket = path.join(dir, 'l.sock');
    const sends: ((c: net.Socket) => void)[] = [
      (c) => c.end('{"a":1}\n{"b":2}\n'),
      (c) => {
        c.write('{"split"');
        setTimeout(() => c.end(':true}\n'), 20);
      },
      (c) => c.end('x'.repeat(64)),
      (c) => c.end('no newline'),
    ];
    let n = 0;
    const server = net.createServer((c) => sends[n++]!(c));
    await new Promise<void>((r) => server.listen(socket, r));
    const reader = async (max: number): Promise<LineReader> => {
      const c = net.connect(socket);
      await new Promise<void>((r) => c.once('connect', () => r()));
      return new LineReader(c, max);
    };
    try {
      const two = await reader(1024);
      assert.equal(await two.next(), '{"a":1}');
      assert.equal(await two.next(), '{"b":2}');
      await assert.rejects(two.next(), LineError);
      assert.equal(await (await reader(1024)).next(), '{"split":true}');
      await assert.rejects((await reader(16)).next(), /a line longer than 16 bytes/);
      await assert.rejects((await reader(1024)).next(), /the connection ended before a whole line/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks an evaluation's acknowledgement, and takes an answer without one from an earlier build", () => {
    assert.deepEqual(parseFirstLine('{"ok":true,"op":"accepted","pid":4242}'), { ok: true, op: 'accepted', pid: 4242 });
    assert.throws(() => parseAccepted('{"ok":true,"op":"accepted","pid":1}'), /acknowledgement\.pid: expected a process id/);
    assert.throws(() => parseAccepted('{"ok":true,"op":"accepted","pid":"7"}'), /acknowledgement\.pid: expected a process id/);
    assert.throws(() => parseAccepted('{"ok":true,"op":"evaluate"}'), /acknowledgement: expected/);
    assert.deepEqual(parseFirstLine('{"ok":false,"kind":"mismatch","message":"another build"}'), { ok: false, kind: 'mismatch', message: 'another build' });
    assert.throws(() => parseFirstLine('nope'), /response: not JSON/);
  });

  it('drops a connection whose request is not whole within its time, however it trickles in', async () => {
    await withGate({ evaluate: () => Promise.reject(new Error('not reached')), requestTimeoutMs: 300 }, async (socket) => {
      const c = net.connect(socket);
      // a write after the gate dropped it fails: that is the point
      c.on('error', () => undefined);
      const t0 = Date.now();
      // a byte every 100 ms: never idle for the request's time, never a whole line
      const drip = setInterval(() => c.write('{'), 100);
      const closed = await within(new Promise<true>((r) => c.once('close', () => r(true))), 3000);
      clearInterval(drip);
      c.destroy();
      assert.equal(closed, true, 'still connected after 3 s');
      assert.ok(Date.now() - t0 < 2000, `dropped after ${Date.now() - t0} ms`);
    });
  });

  it('does not evaluate a request whose client left while it waited its turn', async () => {
    const heads: string[] = [];
    const logs: string[] = [];
    const evaluate = async (flags: { head: string }): Promise<PreparedGate> => {
      heads.push(flags.head);
      await new Promise((r) => setTimeout(r, flags.head === 'slow' ? 300 : 10));
      return { repo: '/r', config: { dir: '/r' }, statics: { flagged: true }, context: {}, parsed: {} } as unknown as PreparedGate;
    };
    await withGate({ evaluate, log: (l) => logs.push(l) }, async (socket) => {
      const slow = exchange(socket, evaluateLine('slow'));
      // acknowledged, then given up on while the slow one runs
      const c = net.connect(socket, () => c.write(evaluateLine('left')));
      const lines = new LineReader(c, 1 << 20);
      assert.equal(parseAccepted(await lines.next()).pid, process.pid);
      lines.close();
      c.destroy();
      assert.equal((await slow).length, 2);
      // one that stays is served after it
      assert.equal((JSON.parse(await ask(socket, evaluateLine('stays'))) as { ok: boolean }).ok, true);
      assert.deepEqual(heads, ['slow', 'stays']);
      assert.ok(
        logs.some((l) => l === 'skipped (default base)..left: its client left before its turn'),
        logs.join('\n'),
      );
    });
  });

  it('does what an evaluation put off once its answer is written, before the next evaluation starts, and logs its failure', async () => {
    const events: string[] = [];
    const logs: string[] = [];
    const evaluate = async (flags: { head: string }): Promise<PreparedGate> => {
      events.push(`evaluate ${flags.head}`);
      await new Promise((r) => setTimeout(r, 20));
      return { repo: '/r', config: { dir: '/r' }, statics: { flagged: true }, context: {}, parsed: {} } as unknown as PreparedGate;
    };
    let afterwards = 0;
    const afterAnswer = (): void => {
      events.push('after');
      if (++afterwards === 1) throw new Error('disk full');
    };
    await withGate({ evaluate, afterAnswer, log: (l) => logs.push(l) }, async (socket) => {
      const answers = await Promise.all(['a', 'b'].map((h) => exchange(socket, evaluateLine(h))));
      for (const a of answers) assert.equal((JSON.parse(a[1]!) as { ok: boolean }).ok, true);
      // the second answer is written before its work is done; wait for that
      while (events.length < 4) await new Promise((r) => setTimeout(r, 5));
    });
    assert.deepEqual(events, ['evaluate a', 'after', 'evaluate b', 'after']);
    assert.ok(logs.includes('after the answer: disk full'), logs.join('\n'));
  });

  it('sends an answer of many paths as JSON.stringify writes it, and declines one longer than a client reads instead of failing', async () => {
    const logs: string[] = [];
    const path = (i: number) => ({
      root: `r${i % 7}`,
      changed: `f${i}`,
      nodes: Array.from({ length: 12 }, (_, k) => `src.m${i}.step${k} → "q"`),
      text: `r → f${i}`,
    });
    const evaluate = async (flags: { head: string }): Promise<PreparedGate> => {
      const n = flags.head === 'huge' ? 12_000 : 3000;
      const paths = Array.from({ length: n }, (_, i) => path(i));
      return {
        repo: '/r',
        config: { dir: '/r' },
        statics: { flagged: true, paths, reasons: paths.map((p) => ({ kind: 'call-path', message: p.text, id: p.changed })), omitted: undefined },
        context: {},
        parsed: {},
      } as unknown as PreparedGate;
    };
    // a limit between the two answers' lengths (about 1.2 and 5 MB; a piece is a mebibyte)
    await withGate({ evaluate, log: (l) => logs.push(l), maxAnswerBytes: 3_000_000 }, async (socket) => {
      const line = await ask(socket, evaluateLine('some'));
      assert.equal(line, JSON.stringify({ ok: true, op: 'evaluate', prepared: await evaluate({ head: 'some' }) }));
      assert.ok(line.length > 1_100_000, `${line.length}`);
      assert.equal(
        await ask(socket, evaluateLine('huge')),
        '{"ok":false,"kind":"declined","message":"its answer is over 3000000 bytes, more than a client reads"}',
      );
      assert.ok(logs.includes('declined to send an answer: its answer is over 3000000 bytes, more than a client reads'), logs.join('\n'));
    });
    // the limit is a client's: a line of that many bytes, its line break not counted
    const exact = Buffer.byteLength(JSON.stringify({ ok: true, op: 'evaluate', prepared: await evaluate({ head: 'some' }) }));
    for (const [limit, sent] of [
      [exact, true],
      [exact - 1, false],
    ] as const)
      await withGate({ evaluate, maxAnswerBytes: limit }, async (socket) => {
        assert.equal((JSON.parse(await ask(socket, evaluateLine('some'))) as { ok: boolean }).ok, sent, `a limit of ${limit} bytes`);
      });
  });

  it('serves one evaluation at a time, refuses another build, environment or repository, survives bad requests, and stops when asked', async () => {
    let running = 0;
    let most = 0;
    const cwds: string[] = [];
    const evaluate = async (flags: { head: string }, cwd: string): Promise<PreparedGate> => {
      running++;
      most = Math.max(most, running);
      cwds.push(cwd);
      // longer than a request may take to arrive: the evaluation itself is not timed
      await new Promise((r) => setTimeout(r, flags.head === 'slow' ? 400 : 30));
      running--;
      if (flags.head === 'bad') throw new UsageError('unknown revision: bad');
      if (flags.head === 'boom') throw new Error('something broke');
      if (flags.head === 'partial') throw new Declined('a partial clone');
      return { repo: '/r', config: { dir: '/r' }, statics: { flagged: true }, context: {}, parsed: {} } as unknown as PreparedGate;
    };
    await withGate({ evaluate, requestTimeoutMs: 200 }, async (socket) => {
      // three at once, the first slower than a request may take to arrive: the others wait in the queue past that too
      const exchanges = await Promise.all(['slow', 'h2', 'h3'].map((h) => exchange(socket, evaluateLine(h))));
      assert.equal(most, 1, 'evaluations ran one at a time');
      // each was acknowledged at once, by this process, before it waited in the queue
      for (const e of exchanges) {
        assert.equal(e.length, 2);
        assert.deepEqual(parseAccepted(e[0]!), { ok: true, op: 'accepted', pid: process.pid });
      }
      const answers = exchanges.map((e) => e[1]!);
      assert.deepEqual(cwds, ['/r/sub', '/r/sub', '/r/sub']);
      for (const a of answers) assert.equal((JSON.parse(a) as { ok: boolean }).ok, true);
      assert.match(await ask(socket, evaluateLine('h', { build: hex('c') })), /"kind":"mismatch","message":"this resident gate runs another build of Bulwark"/);
      assert.match(
        await ask(socket, evaluateLine('h', { fingerprint: hex('c') })),
        /"kind":"mismatch","message":"this resident gate was started with another environment"/,
      );
      assert.match(await ask(socket, evaluateLine('h', { top: '/other' })), /"kind":"mismatch","message":"this resident gate answers for \/r"/);
      assert.equal(await ask(socket, evaluateLine('partial')), '{"ok":false,"kind":"declined","message":"a partial clone"}');
      assert.equal(await ask(socket, evaluateLine('bad')), '{"ok":false,"kind":"error","message":"unknown revision: bad","exitCode":3}');
      assert.equal(await ask(socket, evaluateLine('boom')), '{"ok":false,"kind":"error","message":"something broke"}');
      assert.match(await ask(socket, '{"op":"evaluate"}\n'), /"kind":"bad-request","message":"request\.flags: expected an object"/);
      await assert.rejects(ask(socket, 'x'.repeat(MAX_REQUEST_BYTES + 10)), /the connection (ended|failed)/);
      // a connection that sends nothing is dropped once the request's time is up
      await assert.rejects(ask(socket, ''), /the connection (ended|failed)/);
      const st = JSON.parse(await ask(socket, '{"op":"status"}\n')) as { status: { served: number; repo: string } };
      assert.equal(st.status.served, 3);
      // withGate asks it to stop: it answers, and ends
    });
  });
});
