import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { z } from 'zod';
import { LineDecoder, RpcErrorCode, RpcPeer, RpcProtocolError, RpcRejectedLimitError, encodeMessage, parseMessage } from '../../src/protocol/rpc.js';
import { startSandboxedWorker, workerEventToAuditEntry, type WorkerEvent } from '../../src/sandbox/worker-host.js';
import { makeEntry } from '../../src/domain/audit-entries.js';
import { plainSpawner } from './escape/plain-spawner.js';
import { runtimePolicy } from '../../src/sandbox/policy.js';
import { spawnSandboxed } from '../../src/sandbox/launcher.js';

const workerScript = fileURLToPath(new URL('./escape/fixtures/channel-worker.js', import.meta.url));
const policy = runtimePolicy({});

describe('rpc framing (pure)', () => {
  it('splits lines across chunk boundaries, including inside a multi-byte character', () => {
    const d = new LineDecoder(1024);
    const bytes = Buffer.from('{"a":"é"}\n{"b":2}\n{"c"', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    assert.deepEqual(d.push(bytes.subarray(0, cut)), []);
    assert.deepEqual(d.push(bytes.subarray(cut)), ['{"a":"é"}', '{"b":2}']);
    assert.equal(d.buffered, 4);
    assert.deepEqual(d.push(Buffer.from(':3}\n')), ['{"c":3}']);
  });

  it('refuses a line over the cap before its newline arrives', () => {
    const d = new LineDecoder(16);
    d.push(Buffer.from('0123456789'));
    assert.throws(() => d.push(Buffer.from('0123456')), RpcProtocolError);
    const exact = new LineDecoder(16);
    assert.deepEqual(exact.push(Buffer.from('012345678901234\n')), ['012345678901234']);
  });

  it('validates envelopes strictly', () => {
    assert.deepEqual(parseMessage('{"id":1,"method":"a.b","params":{"x":1}}'), {
      type: 'request',
      msg: { id: 1, method: 'a.b', params: { x: 1 } },
    });
    assert.equal(parseMessage('{"id":2,"result":null}').type, 'result');
    assert.equal(parseMessage('{"id":2,"error":{"code":-1,"message":"m"}}').type, 'error');
    for (const bad of [
      'not json',
      '[1,2]',
      '"str"',
      '{"id":-1,"method":"a"}',
      '{"id":1.5,"method":"a"}',
      '{"id":"1","method":"a"}',
      '{"id":1,"method":""}',
      '{"id":1,"method":"a b"}',
      '{"id":1,"method":"a","result":1}',
      '{"id":1,"method":"a","extra":1}',
      '{"id":1,"result":1,"error":{"code":1,"message":"x"}}',
      '{"id":1,"error":{"code":"x","message":"m"}}',
      '{"id":1}',
    ]) {
      assert.throws(() => parseMessage(bad), RpcProtocolError, bad);
    }
  });

  it('encodes one line per message and enforces the cap on the way out', () => {
    assert.equal(encodeMessage({ id: 1, result: 'x' }, 100).toString(), '{"id":1,"result":"x"}\n');
    assert.throws(() => encodeMessage({ id: 1, result: 'x'.repeat(200) }, 100), RangeError);
  });

  it('two peers wired back to back: requests, validation, unknown methods, handler errors', async () => {
    let b!: RpcPeer;
    const rejected: string[] = [];
    const a = new RpcPeer({ send: (l) => queueMicrotask(() => b.receive(l)), close: () => undefined });
    b = new RpcPeer({
      send: (l) => queueMicrotask(() => a.receive(l)),
      close: () => undefined,
      onRejected: (i) => rejected.push(`${i.method}: ${i.reason}`),
    });
    b.handle('sum', z.array(z.number()).max(10), (xs) => xs.reduce((s, x) => s + x, 0));
    b.handle('boom', z.unknown(), () => Promise.reject(new Error('nope')));
    assert.equal(await a.request('sum', [1, 2, 3]), 6);
    await assert.rejects(a.request('sum', ['x']), { code: RpcErrorCode.InvalidParams });
    await assert.rejects(a.request('missing'), { code: RpcErrorCode.MethodNotFound });
    await assert.rejects(a.request('constructor'), { code: RpcErrorCode.MethodNotFound });
    await assert.rejects(a.request('__proto__'), TypeError);
    await assert.rejects(a.request('boom'), { code: RpcErrorCode.HandlerFailed, message: 'nope' });
    assert.equal(rejected.length, 3);
  });

  it('the Nth rejected request closes the channel with RpcRejectedLimitError; requests past the in-flight cap are refused unrun', async () => {
    let b!: RpcPeer;
    let closedWith: Error | undefined;
    const a = new RpcPeer({ send: (l) => queueMicrotask(() => b.receive(l)), close: () => undefined });
    b = new RpcPeer({ send: (l) => queueMicrotask(() => a.receive(l)), close: (e) => (closedWith = e), maxRejected: 4, maxPendingInbound: 2 });
    const gates: (() => void)[] = [];
    let ran = 0;
    b.handle('slow', z.unknown(), () => {
      ran++;
      return new Promise<void>((r) => gates.push(r));
    });
    const slow = [a.request('slow'), a.request('slow'), a.request('slow')];
    await assert.rejects(slow[2]!, { code: RpcErrorCode.Overloaded });
    assert.equal(ran, 2, 'the third concurrent request never ran');
    gates.forEach((g) => g());
    await Promise.all(slow.slice(0, 2));
    for (let i = 0; i < 3; i++) await assert.rejects(a.request('nope'), { code: RpcErrorCode.MethodNotFound });
    assert.equal(b.closed, false);
    void a.request('nope').catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    assert.ok(closedWith instanceof RpcRejectedLimitError, String(closedWith));
    assert.equal(closedWith.count, 4);
    assert.equal(b.closed, true);
  });
});

function collect(): { events: WorkerEvent[]; onEvent: (e: WorkerEvent) => void } {
  const events: WorkerEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

for (const [label, spawner] of [
  ['plain child', plainSpawner],
  ['real launcher', undefined],
] as const) {
  describe(`worker channel over fd 3 (${label})`, { timeout: 120_000 }, () => {
    it('parent calls worker methods; params are validated on the worker side too', async () => {
      const w = await startSandboxedWorker({ script: workerScript, args: ['serve'], policy, spawn: spawner });
      try {
        assert.deepEqual(await w.request('echo', { hello: ['world', 1] }), { hello: ['world', 1] });
        assert.equal(await w.request('add', { a: 2, b: 40 }), 42);
        await assert.rejects(w.request('add', { a: 2 }), { code: RpcErrorCode.InvalidParams });
        await assert.rejects(w.request('nope'), { code: RpcErrorCode.MethodNotFound });
        await assert.rejects(w.request('fail'), { message: 'handler said no' });
        assert.equal(await w.request('pid'), w.pid);
      } finally {
        w.close();
        const ex = await w.exited;
        assert.equal(ex.code, 0, 'a worker exits cleanly when the parent closes the channel');
      }
    });

    it('worker calls parent handlers; unknown methods and invalid params are rejected and reported', async () => {
      const { events, onEvent } = collect();
      const w = await startSandboxedWorker({
        script: workerScript,
        args: ['call-parent'],
        policy,
        spawn: spawner,
        onEvent,
        handlers: { double: { params: z.strictObject({ n: z.number() }), handle: ({ n }: { n: number }) => n * 2 } },
      });
      const exit = await w.exited;
      assert.equal(exit.code, 0, w.stderr());
      const res = JSON.parse(w.stdout()) as Record<string, { code?: number }>;
      assert.equal(res.double, 42);
      assert.equal(res.unknown?.code, RpcErrorCode.MethodNotFound);
      assert.equal(res.badParams?.code, RpcErrorCode.InvalidParams);
      assert.equal(res.protoKey?.code, RpcErrorCode.MethodNotFound);
      // one tally, not one event per refused request
      const rejected = events.filter((e) => e.type === 'rejected_request');
      assert.equal(rejected.length, 1, JSON.stringify(events));
      const tally = rejected[0] as { count: number; methods: string[] };
      assert.equal(tally.count, 3);
      assert.deepEqual([...tally.methods].sort(), ['constructor', 'double', 'no.such.method']);
    });

    for (const [mode, why] of [
      ['oversize', /exceeds the 65536-byte channel cap/],
      ['malformed', /malformed JSON/],
      ['spoof-response', /unknown request id 4242/],
      ['extra-field', /invalid request envelope/],
    ] as const) {
      it(`a worker that sends a ${mode} message is cut off and killed`, async () => {
        const { events, onEvent } = collect();
        const called: unknown[] = [];
        const w = await startSandboxedWorker({
          script: workerScript,
          args: [mode, '200000'],
          policy,
          spawn: spawner,
          onEvent,
          maxMessageBytes: 65536,
          handlers: { double: { params: z.unknown(), handle: (p: unknown) => called.push(p) } },
        });
        const exit = await w.exited;
        assert.equal(exit.signal, 'SIGKILL');
        const violation = events.find((e) => e.type === 'protocol_violation') as { reason: string } | undefined;
        assert.ok(violation, JSON.stringify(events));
        assert.match(violation.reason, why);
        assert.deepEqual(called, [], 'no handler ran for a bad message');
        await assert.rejects(w.request('echo', 1), RpcProtocolError);
      });
    }

    it('a message written just before the worker closes the channel is delivered', async () => {
      const got: unknown[] = [];
      const w = await startSandboxedWorker({
        script: workerScript,
        args: ['send-then-close'],
        policy,
        spawn: spawner,
        handlers: { record: { params: z.strictObject({ last: z.string() }), handle: (p: { last: string }) => got.push(p.last.length) } },
      });
      assert.equal((await w.exited).code, 0, w.stderr());
      assert.deepEqual(got, [3_000_000]);
    });

    it('a worker that floods requests but never reads the replies is cut off (bounded buffering)', async () => {
      const { events, onEvent } = collect();
      const w = await startSandboxedWorker({
        script: workerScript,
        args: ['no-read'],
        policy,
        spawn: spawner,
        onEvent,
        maxMessageBytes: 256 * 1024,
        handlers: { big: { params: z.null(), handle: () => 'x'.repeat(200_000) } },
      });
      assert.equal((await w.exited).signal, 'SIGKILL');
      const v = events.find((e) => e.type === 'protocol_violation') as { reason: string } | undefined;
      assert.match(v?.reason ?? JSON.stringify(events), /not reading its channel/);
    });

    it('a request from the parent that exceeds the cap is refused locally; the channel stays usable', async () => {
      const w = await startSandboxedWorker({ script: workerScript, args: ['serve'], policy, spawn: spawner, maxMessageBytes: 4096 });
      try {
        await assert.rejects(w.request('echo', 'x'.repeat(5000)), RangeError);
        assert.equal(await w.request('echo', 'small'), 'small');
      } finally {
        w.kill();
        await w.exited;
      }
    });

    it('a flood of concurrent worker requests is bounded (overloaded replies), not queued without limit', async () => {
      let running = 0;
      let peak = 0;
      const w = await startSandboxedWorker({
        script: workerScript,
        args: ['flood'],
        policy,
        spawn: spawner,
        handlers: {
          slow: {
            params: z.unknown(),
            handle: async () => {
              peak = Math.max(peak, ++running);
              await new Promise((r) => setTimeout(r, 50));
              running--;
              return 'done';
            },
          },
        },
      });
      await w.exited;
      const res = JSON.parse(w.stdout()) as { ok: number; overloaded: number };
      assert.equal(res.ok + res.overloaded, 100);
      assert.ok(res.overloaded > 0, JSON.stringify(res));
      assert.ok(peak <= 64, `peak concurrency ${peak}`);
    });

    it('pending requests fail when the worker dies', async () => {
      const w = await startSandboxedWorker({
        script: workerScript,
        args: ['serve'],
        policy,
        spawn: spawner,
      });
      // Nobody serves "hang" in the worker, so ask for something that never answers: kill first.
      const pending = w.request('echo', 'late').then(
        (v) => ({ v }),
        (e: Error) => ({ e }),
      );
      w.kill();
      const ex = await w.exited;
      assert.equal(ex.signal, 'SIGKILL');
      const outcome = await pending;
      // The worker may have answered before the kill landed; otherwise the request must fail.
      if ('e' in outcome) assert.ok(outcome.e instanceof RpcProtocolError, String(outcome.e));
      else assert.equal(outcome.v, 'late');
      await assert.rejects(w.request('echo', 'after'), RpcProtocolError);
    });

    it('egress.fetch cannot be overridden by a caller handler', async () => {
      await assert.rejects(
        startSandboxedWorker({
          script: workerScript,
          policy,
          spawn: spawner,
          handlers: { 'egress.fetch': { params: z.unknown(), handle: () => 'mine' } },
        }),
        /egress broker/,
      );
    });
  });
}

describe('the sandboxed worker inherits exactly one extra fd', { timeout: 60_000 }, () => {
  it('fd 3 is the channel; an extra fd the parent passes without keeping it is closed by the launcher', async () => {
    // Python opens no fds of its own at start, so it can list exactly what it inherited.
    const probe = 'import os,json\nfds=[]\nfor fd in range(3,1024):\n  try: os.fstat(fd); fds.append(fd)\n  except OSError: pass\nprint(json.dumps(fds))';
    const sp = await spawnSandboxed(runtimePolicy({}), '/usr/bin/python3', ['-I', '-S', '-c', probe], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      keepFds: [3],
    });
    let out = '';
    sp.child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => sp.child.once('close', r));
    assert.deepEqual(JSON.parse(out), [3]);
  });
});

describe('the worker finds its module type inside dist/, not in the package root', { timeout: 60_000 }, () => {
  it('dist/package.json (written by the build) says "module" and is readable in the sandbox; the root package.json is not; no Node flag is needed', async () => {
    const w = await startSandboxedWorker({ script: workerScript, args: ['serve'], policy });
    try {
      assert.deepEqual(await w.request('node-flags', null), []);
    } finally {
      w.close();
      await w.exited;
    }
    const read = async (file: string): Promise<{ code: unknown; out: string; err: string }> => {
      const probe = await spawnSandboxed(
        policy,
        process.execPath,
        ['-e', `process.stdout.write(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      probe.child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      probe.child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      const code = await new Promise((r) => probe.child.once('close', r));
      return { code, out, err };
    };
    const dist = await read(path.join(packageRoot, 'dist', 'package.json'));
    assert.equal(dist.code, 0, dist.err);
    assert.equal((JSON.parse(dist.out) as { type?: string }).type, 'module');
    const root = await read(path.join(packageRoot, 'package.json'));
    assert.notEqual(root.code, 0);
    assert.match(root.err, /EACCES/);
  });

  it('a script outside this package runs under its own package rules, with no Node flag added', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-worker-type-'));
    try {
      chmodSync(dir, 0o755);
      const script = path.join(dir, 'outside-worker.mjs');
      const channel = pathToFileURL(path.join(packageRoot, 'dist', 'src', 'worker', 'channel.js')).href;
      const zod = pathToFileURL(path.join(packageRoot, 'node_modules', 'zod', 'index.js')).href;
      writeFileSync(
        script,
        `import { z } from ${JSON.stringify(zod)};\nimport { connectToParent } from ${JSON.stringify(channel)};\nconnectToParent().handle('node-flags', z.unknown(), () => process.execArgv);\n`,
        { mode: 0o644 },
      );
      const w = await startSandboxedWorker({ script, policy: runtimePolicy({ readPaths: [dir] }) });
      try {
        assert.deepEqual(await w.request('node-flags', null), []);
      } finally {
        w.close();
        await w.exited;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input', () => {
  it('a missing or relative worker script is a usage error naming it', async () => {
    await assert.rejects(startSandboxedWorker({ script: '/nonexistent/worker.js', policy }), (e: Error & { exitCode?: number }) => {
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /worker script \/nonexistent\/worker.js does not exist/);
      return true;
    });
    await assert.rejects(startSandboxedWorker({ script: 'worker.js', policy }), /is not an absolute path/);
  });

  it('a worker started without the channel says so instead of hanging', () => {
    const r = spawnSync(process.execPath, [workerScript, 'serve'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /fd 3 is not the parent channel/);
  });
});

describe('worker events become audit entries', { timeout: 60_000 }, () => {
  it('a worker killed by SIGSYS is reported as a seccomp denial', async () => {
    const events: WorkerEvent[] = [];
    const w = await startSandboxedWorker({ script: workerScript, args: ['self-sigsys'], policy, onEvent: (e) => events.push(e) });
    assert.equal((await w.exited).signal, 'SIGSYS');
    assert.deepEqual(
      events.filter((e) => e.type === 'sandbox_denial').map((e) => [(e as { layer: string }).layer, (e as { operation: string }).operation]),
      [['seccomp', 'killed']],
    );
  });

  it('the policy timeout kills the worker through the real launcher and is reported', async () => {
    const events: WorkerEvent[] = [];
    const w = await startSandboxedWorker({
      script: workerScript,
      args: ['serve'],
      policy: runtimePolicy({ timeoutSeconds: 1 }),
      onEvent: (e) => events.push(e),
    });
    assert.equal((await w.exited).signal, 'SIGKILL');
    assert.ok(
      events.some((e) => e.type === 'sandbox_denial' && e.operation === 'timeout'),
      JSON.stringify(events),
    );
  });

  it('every event kind maps to an entry the audit schema accepts', () => {
    const samples: WorkerEvent[] = [
      {
        type: 'egress',
        decision: 'allow',
        method: 'GET',
        target: 'https://api.example.com:443/v1',
        path: '/v1',
        host: 'api.example.com',
        port: 443,
        address: '93.184.215.14',
        status: 200,
        bytes: 12,
        bytesOut: 0,
        durationMs: 5,
      },
      { type: 'egress', decision: 'deny', method: 'GET', target: '', host: '', port: 0, reason: 'not a valid absolute URL', durationMs: 0 },
      {
        type: 'egress',
        decision: 'allow',
        method: 'POST',
        target: 'https://api.example.com:443/v1',
        path: '/v1',
        host: 'api.example.com',
        port: 443,
        error: 'timeout',
        durationMs: 5,
      },
      { type: 'protocol_violation', reason: 'malformed JSON line' },
      { type: 'rejected_request', method: 'fs.write', reason: 'unknown method' },
      { type: 'rejected_request', method: 'fs.write', reason: 'unknown method', count: 32, methods: ['fs.write', 'x'.repeat(300)] },
      { type: 'sandbox_degraded', layers: ['landlock-scope: ABI 5 < 6'] },
      { type: 'sandbox_denial', layer: 'seccomp', operation: 'killed', detail: 'SIGSYS' },
    ];
    for (const e of samples) {
      const entry = workerEventToAuditEntry(e, { runId: 'run-1', stage: 'security' });
      assert.ok(entry, e.type);
      const made = makeEntry(entry);
      assert.equal(made.kind, e.type === 'egress' ? 'egress' : 'sandbox_denial');
    }
    assert.equal(workerEventToAuditEntry({ type: 'worker_exit', code: 0, signal: null }), undefined);
  });
});
