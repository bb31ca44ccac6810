import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import {
  EgressBroker,
  type EgressEndpoint,
  embeddedIPv4,
  forbiddenAddressReason,
  type EgressEvent,
  type ResolvedAddress,
  type Resolver,
} from '../../src/sandbox/egress-broker.js';
import { RpcErrorCode } from '../../src/protocol/rpc.js';
import { startSandboxedWorker, type WorkerEvent } from '../../src/sandbox/worker-host.js';
import { plainSpawner } from './escape/plain-spawner.js';
import { runtimePolicy } from '../../src/sandbox/policy.js';

const workerScript = fileURLToPath(new URL('./escape/fixtures/channel-worker.js', import.meta.url));

/** A real HTTP server on 127.0.0.1 that records what reached it. */
let server: http.Server;
let port: number;
const seen: { url: string; host: string | undefined; method: string; body: string }[] = [];
before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', host: req.headers.host, method: req.method ?? '', body });
      if (req.url === '/big') {
        res.end(Buffer.alloc(100_000, 0x62));
      } else if (req.url === '/hang') {
        res.writeHead(200);
        res.write('partial');
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-echo-method': req.method ?? '' });
        res.end(`hello ${req.url} ${body}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** A resolver that answers from a table and counts lookups (no real DNS in tests). */
function tableResolver(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (name: string): Promise<ResolvedAddress[]> => {
    calls.push(name);
    const a = table[name];
    if (!a) throw new Error(`ENOTFOUND ${name}`);
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
}

function broker(endpoints: EgressEndpoint[], resolver?: Resolver, extra = {}) {
  const events: EgressEvent[] = [];
  const b = new EgressBroker({ endpoints, resolver: resolver ?? tableResolver({}), onEvent: (e) => events.push(e), ...extra });
  return { b, events };
}

const get = (url: string) => ({ url, method: 'GET' as const, headers: {} });

describe('address classification', () => {
  const refused: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /CGNAT/],
    ['100.100.100.200', /CGNAT/],
    ['169.254.169.254', /metadata/],
    ['0.0.0.0', /unspecified/],
    ['224.0.0.251', /multicast/],
    ['255.255.255.255', /reserved/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fd00:ec2::254', /unique-local/],
    ['fc00::1', /unique-local/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /loopback.*embedded/],
    ['::ffff:7f00:1', /loopback.*embedded/],
    ['::ffff:169.254.169.254', /metadata.*embedded/],
    ['64:ff9b::a9fe:a9fe', /metadata.*embedded/],
    ['2002:0a00:0001::1', /private.*embedded/],
    ['::127.0.0.1', /loopback/],
    // IPv4-mapped (::ffff:0:0/96) and IPv4-translated (::ffff:0:0:0/96): judged by the v4 address
    ['::ffff:10.1.2.3', /private.*embedded/],
    ['0:0:0:0:0:ffff:c0a8:0101', /private.*embedded/],
    ['::ffff:0:127.0.0.1', /loopback.*embedded/],
    ['::ffff:0:a9fe:a9fe', /metadata.*embedded/],
    ['::ffff:0:a00:1', /private.*embedded/],
    // local-use NAT64 (RFC 8215): non-public whatever the v4 part, since its position is not fixed
    ['64:ff9b:1::7f00:1', /local-use NAT64/],
    ['64:ff9b:1::808:808', /local-use NAT64/],
    ['64:ff9b:1:ffff::1', /local-use NAT64/],
    ['not-an-ip', /not an IP/],
  ];
  for (const [addr, why] of refused) {
    it(`refuses ${addr}`, () => assert.match(forbiddenAddressReason(addr) ?? 'ALLOWED', why));
  }
  for (const addr of [
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '::ffff:0:8.8.8.8',
    '64:ff9b::808:808',
    '64:ff9b:2::1',
  ]) {
    it(`allows public ${addr}`, () => assert.equal(forbiddenAddressReason(addr), undefined));
  }
  it('extracts embedded IPv4', () => {
    assert.equal(embeddedIPv4('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(embeddedIPv4('2002:c0a8:0101::'), '192.168.1.1');
    assert.equal(embeddedIPv4('2606:4700::1111'), undefined);
    assert.equal(embeddedIPv4('::ffff:0:c0a8:101'), '192.168.1.1');
  });
});

describe('egress broker decisions and requests (real HTTP server on 127.0.0.1)', () => {
  it('allowed IP-literal endpoint: the request reaches the server and is reported', async () => {
    const { b, events } = broker([{ host: '127.0.0.1', port }]);
    const res = await b.fetch({ url: `http://127.0.0.1:${port}/ok?token=secret`, method: 'POST', headers: { 'x-a': '1' }, body: 'payload' });
    assert.equal(res.status, 200);
    assert.equal(Buffer.from(res.bodyBase64, 'base64').toString(), 'hello /ok?token=secret payload');
    assert.equal(events.length, 1);
    assert.deepEqual(
      { ...events[0], durationMs: 0 },
      {
        type: 'egress',
        decision: 'allow',
        method: 'POST',
        target: `http://127.0.0.1:${port}/ok`,
        path: '/ok',
        host: '127.0.0.1',
        port,
        address: '127.0.0.1',
        status: 200,
        bytes: 30,
        bytesOut: 7,
        durationMs: 0,
      },
    );
  });

  it('named endpoint allowed to resolve privately: connects to the checked address, resolves once, keeps the Host header', async () => {
    const resolver = tableResolver({ 'internal.bank.test': ['127.0.0.1'] });
    const { b, events } = broker([{ host: 'internal.bank.test', port, allowPrivateAddresses: true }], resolver);
    const before = seen.length;
    const res = await b.fetch(get(`http://internal.bank.test:${port}/named`));
    assert.equal(res.status, 200);
    assert.deepEqual(resolver.calls, ['internal.bank.test'], 'exactly one lookup: no second resolution at connect time');
    assert.equal(seen[before]?.host, `internal.bank.test:${port}`);
    assert.equal(events[0]?.address, '127.0.0.1');
  });

  const denied: [string, string, RegExp][] = [
    ['non-allowlisted host', 'http://evil.example.net/', /evil.example.net:80 is not an allowed endpoint/],
    ['allowed host on another port', 'http://api.example.com:8443/', /api.example.com:8443 is not an allowed endpoint/],
    ['look-alike suffix host', 'http://api.example.com.evil.net/', /not an allowed endpoint/],
    ['look-alike prefix host', 'http://evilapi.example.com/', /not an allowed endpoint/],
    ['trailing-dot host', 'http://api.example.com./', /not an allowed endpoint/],
    ['upper-case host', 'http://API.example.com/', /not written in canonical form/],
    ['IDN homograph (Cyrillic а)', 'http://\u0430pi.example.com/', /not written in canonical form/],
    ['punycode of the homograph', 'http://xn--pi-7kc.example.com/', /not an allowed endpoint/],
    ['percent-encoded host', 'http://api%2Eexample.com/', /canonical form|not a valid/],
    ['userinfo trick', 'http://api.example.com@127.0.0.1/', /credentials/],
    ['backslash trick', `http://127.0.0.1:PORT\\@api.example.com/`, /canonical form|credentials|not an allowed/],
    ['IP literal not listed', `http://127.0.0.1:PORT/`, /127.0.0.1:\d+ is not an allowed endpoint/],
    ['IP literal on 127.0.0.2', `http://127.0.0.2:PORT/`, /not an allowed endpoint/],
    ['IPv6 loopback literal', `http://[::1]:PORT/`, /not an allowed endpoint/],
    ['decimal IP literal', `http://2130706433:PORT/`, /canonical form/],
    ['cloud metadata literal', 'http://169.254.169.254/latest/meta-data/', /not an allowed endpoint/],
    ['file scheme', 'file:///etc/passwd', /scheme file: is not allowed/],
    ['relative URL', '/etc/passwd', /not a valid absolute URL/],
  ];
  for (const [name, url, why] of denied) {
    it(`denies ${name}`, async () => {
      // Loopback on purpose: even a broker bug that let one of these through could not leave the machine.
      const resolver = tableResolver({ 'api.example.com': ['127.0.0.1'] });
      const { b, events } = broker(
        [
          { host: 'api.example.com', port: 80 },
          { host: 'api.example.com', port: 443 },
        ],
        resolver,
      );
      const before = seen.length;
      await assert.rejects(b.fetch(get(url.replace('PORT', String(port)))), (e: { code: number; message: string }) => {
        assert.equal(e.code, RpcErrorCode.EgressDenied);
        assert.match(e.message, why);
        return true;
      });
      assert.equal(seen.length, before, 'nothing reached the server');
      assert.deepEqual(resolver.calls, [], 'a denied host is never even resolved');
      assert.equal(events.length, 1);
      assert.equal(events[0]?.decision, 'deny');
    });
  }

  for (const [label, answer] of [
    ['loopback', ['127.0.0.1']],
    ['private 10/8', ['10.0.0.5']],
    ['cloud metadata', ['169.254.169.254']],
    ['v4-mapped loopback', ['::ffff:127.0.0.1']],
    ['AWS IPv6 metadata', ['fd00:ec2::254']],
    ['a public and a private answer mixed', ['93.184.215.14', '192.168.0.10']],
  ] as const) {
    it(`denies an allowed name resolving to ${label}`, async () => {
      const resolver = tableResolver({ 'api.example.com': [...answer] });
      const { b, events } = broker([{ host: 'api.example.com', port }], resolver);
      await assert.rejects(b.fetch(get(`http://api.example.com:${port}/`)), /egress denied: api.example.com resolves to/);
      assert.equal(events[0]?.decision, 'deny');
    });
  }

  it('an IDN endpoint in the policy matches its punycode URL; the Unicode spelling in a URL is refused', async () => {
    const resolver = tableResolver({ 'xn--bcher-kva.bank.test': ['127.0.0.1'] });
    const { b } = broker([{ host: 'Bücher.bank.test', port, allowPrivateAddresses: true }], resolver);
    const res = await b.fetch(get(`http://xn--bcher-kva.bank.test:${port}/idn`));
    assert.equal(res.status, 200);
    await assert.rejects(b.fetch(get(`http://bücher.bank.test:${port}/idn`)), /canonical form/);
  });

  it('an endpoint that names a scheme is reached with that scheme only', async () => {
    const resolver = tableResolver({ 'api.example.com': ['127.0.0.1'] });
    const { b, events } = broker([{ host: 'api.example.com', port, scheme: 'https', allowPrivateAddresses: true }], resolver);
    const before = seen.length;
    await assert.rejects(b.fetch(get(`http://api.example.com:${port}/`)), (e: { code: number; message: string }) => {
      assert.equal(e.code, RpcErrorCode.EgressDenied);
      assert.match(e.message, /allowed over https only, not http/);
      return true;
    });
    assert.equal(seen.length, before, 'nothing reached the server over http');
    assert.equal(events[0]?.decision, 'deny');
    // and the other way round: an http endpoint is not reached over https
    const plain = broker([{ host: '127.0.0.1', port, scheme: 'http' }]);
    await assert.rejects(plain.b.fetch(get(`https://127.0.0.1:${port}/`)), /allowed over http only, not https/);
    const ok = await plain.b.fetch(get(`http://127.0.0.1:${port}/ok`));
    assert.equal(ok.status, 200);
  });

  it('a name that does not resolve is denied', async () => {
    const { b } = broker([{ host: 'gone.example.com', port }], tableResolver({}));
    await assert.rejects(b.fetch(get(`http://gone.example.com:${port}/`)), /cannot resolve gone.example.com/);
  });

  it('redirects are returned, not followed (the next hop must be asked for and checked again)', async () => {
    const { b } = broker([{ host: '127.0.0.1', port }]);
    const res = await b.fetch(get(`http://127.0.0.1:${port}/redirect`));
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, 'http://169.254.169.254/latest/meta-data/');
  });

  it('responses over the size cap fail and are reported', async () => {
    const { b, events } = broker([{ host: '127.0.0.1', port }], undefined, { maxResponseBytes: 10_000 });
    await assert.rejects(b.fetch(get(`http://127.0.0.1:${port}/big`)), /exceeds the 10000-byte cap/);
    assert.match(events[0]?.error ?? '', /exceeds/);
  });

  it('a response that never completes times out', async () => {
    const { b } = broker([{ host: '127.0.0.1', port }], undefined, { timeoutMs: 300 });
    await assert.rejects(b.fetch(get(`http://127.0.0.1:${port}/hang`)), /no complete response within 300 ms/);
  });

  for (const header of ['Host', 'Content-Length', 'Transfer-Encoding', 'Proxy-Authorization', 'bad header']) {
    it(`refuses a worker-set ${header} header`, async () => {
      const { b } = broker([{ host: '127.0.0.1', port }]);
      await assert.rejects(b.fetch({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: { [header]: 'x' } }), /is not allowed/);
    });
  }
});

describe('egress through the worker channel', { timeout: 60_000 }, () => {
  it('a worker fetches an allowed endpoint and is refused the rest; every request is reported', async () => {
    const events: WorkerEvent[] = [];
    const w = await startSandboxedWorker({
      script: workerScript,
      args: ['fetch', `http://127.0.0.1:${port}/from-worker`, `http://127.0.0.2:${port}/`, 'http://169.254.169.254/'],
      policy: runtimePolicy({ endpoints: [{ host: '127.0.0.1', port }] }),
      spawn: plainSpawner,
      onEvent: (e) => events.push(e),
    });
    assert.equal((await w.exited).code, 0, w.stderr());
    const res = JSON.parse(w.stdout()) as { status?: number; text?: string; code?: number }[];
    assert.deepEqual(res[0], { status: 200, text: 'hello /from-worker ' });
    assert.equal(res[1]?.code, RpcErrorCode.EgressDenied);
    assert.equal(res[2]?.code, RpcErrorCode.EgressDenied);
    const egress = events.filter((e) => e.type === 'egress');
    assert.deepEqual(
      egress.map((e) => e.decision),
      ['allow', 'deny', 'deny'],
    );
  });
});

describe('egress over HTTPS to a pinned address', { timeout: 60_000 }, () => {
  it('verifies the certificate for the endpoint name while connecting to the checked address', async () => {
    // A throwaway CA-less self-signed certificate for api.bank.test (openssl CLI, as on any Debian).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=api.bank.test',
          '-addext',
          'subjectAltName=DNS:api.bank.test',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
      const tls = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) =>
        res.end(`tls ${req.headers.host} ${(req.socket as TLSSocket).servername}`),
      );
      await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
      const tlsPort = (tls.address() as AddressInfo).port;
      try {
        const resolver = tableResolver({ 'api.bank.test': ['127.0.0.1'], 'other.bank.test': ['127.0.0.1'] });
        const endpoints = [
          { host: 'api.bank.test', port: tlsPort, allowPrivateAddresses: true },
          { host: 'other.bank.test', port: tlsPort, allowPrivateAddresses: true },
        ];
        const { b } = broker(endpoints, resolver, { ca: cert });
        const ok = await b.fetch(get(`https://api.bank.test:${tlsPort}/`));
        assert.equal(Buffer.from(ok.bodyBase64, 'base64').toString(), `tls api.bank.test:${tlsPort} api.bank.test`);
        // Same address, another name: the certificate does not cover it, so TLS must fail.
        await assert.rejects(b.fetch(get(`https://other.bank.test:${tlsPort}/`)), /egress failed: .*(altnames|Hostname)/i);
        // Without the test CA the self-signed certificate is not trusted.
        const untrusting = broker(endpoints, resolver).b;
        await assert.rejects(untrusting.fetch(get(`https://api.bank.test:${tlsPort}/`)), /egress failed: .*self[- ]signed/i);
      } finally {
        tls.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
