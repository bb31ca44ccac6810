/**
 * Egress broker: the only way a sandboxed worker reaches the network. It runs in the trusted
 * parent and serves the `egress.fetch` RPC method.
 *
 * Rules:
 * - Only exact `host:port` endpoints from the policy. The host must be written in canonical form
 *   (lower case, no trailing dot, no userinfo, no percent-encoding, punycode not Unicode), so a
 *   look-alike never matches by normalisation. IP literals are denied unless listed verbatim.
 * - The broker resolves DNS itself and refuses loopback, link-local (incl. cloud metadata),
 *   private, CGNAT, unspecified, multicast, reserved and documentation addresses, v4 and v6,
 *   including v4 embedded in v6 (mapped, translated, NAT64 64:ff9b::/96, 6to4: judged by the v4
 *   address) and the local-use NAT64 prefix 64:ff9b:1::/48 (always refused: where the v4 address
 *   sits depends on the operator's prefix length), unless the endpoint explicitly allows them (an
 *   IP-literal endpoint, or `allowPrivateAddresses`).
 * - An endpoint that names a scheme is reached only with that scheme (https stays https).
 * - It connects to the exact address it checked (custom `lookup`), so DNS cannot change between
 *   check and connect; redirects are not followed (the worker must ask again, and is checked again).
 * - Response size and time caps; every allowed or denied request is reported through `onEvent`.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { RpcError, RpcErrorCode, type MethodHandler } from '../protocol/rpc.js';

export interface EgressEndpoint {
  host: string;
  port: number;
  /** The scheme the endpoint must be reached with; a URL with the other one is refused. Unset = http or https. */
  scheme?: 'http' | 'https';
  /** Let this named endpoint resolve to private/loopback addresses (an internal service). */
  allowPrivateAddresses?: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface EgressEvent {
  type: 'egress';
  decision: 'allow' | 'deny';
  method: string;
  /** scheme://host:port/path — the query string is left out (it is worker-controlled data). */
  target: string;
  /** The URL path (no query), when the URL parsed. */
  path?: string;
  host: string;
  port: number;
  /** The address the broker connected to (allowed requests). */
  address?: string;
  reason?: string;
  status?: number;
  /** Response body bytes received. */
  bytes?: number;
  /** Request body bytes sent. */
  bytesOut?: number;
  error?: string;
  durationMs: number;
}

export interface EgressBrokerOptions {
  endpoints: readonly EgressEndpoint[];
  resolver?: Resolver;
  maxResponseBytes?: number;
  timeoutMs?: number;
  onEvent?: (event: EgressEvent) => void;
  /** Extra trusted CA certificates (PEM) for HTTPS endpoints, e.g. a corporate proxy or a test CA. */
  ca?: string | string[];
}

export const DEFAULT_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
export const DEFAULT_EGRESS_TIMEOUT_MS = 30_000;

const tokenRe = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the broker owns: framing, routing and connection management are not the worker's to set. */
const forbiddenHeaders = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'keep-alive',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'http2-settings',
]);

export const egressFetchParams = z.strictObject({
  url: z.string().min(1).max(8192),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z
    .record(z.string().max(256), z.string().max(8192))
    .refine((h) => Object.keys(h).length <= 64, 'at most 64 headers')
    .default({}),
  body: z
    .string()
    .max(2 * 1024 * 1024)
    .optional(),
});
export type EgressFetchParams = z.infer<typeof egressFetchParams>;

export interface EgressFetchResult {
  status: number;
  headers: Record<string, string>;
  bodyBase64: string;
}

/** Named address ranges the broker refuses by default. */
const v4Ranges: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified/this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'CGNAT (incl. 100.100.100.200 metadata)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (incl. 169.254.169.254 cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved/broadcast'],
];
const v6Ranges: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard-only'],
  ['2001:db8::', 32, 'documentation'],
  ['2001::', 32, 'Teredo'],
  // RFC 8215: the operator picks the prefix length, so the embedded v4 address cannot be located
  ['64:ff9b:1::', 48, 'local-use NAT64 (RFC 8215)'],
  ['fc00::', 7, 'unique-local/private (incl. fd00:ec2::254 metadata)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];
const rangeLists = (() => {
  const lists: { list: net.BlockList; label: string }[] = [];
  for (const [a, p, label] of v4Ranges) {
    const list = new net.BlockList();
    list.addSubnet(a, p, 'ipv4');
    lists.push({ list, label });
  }
  for (const [a, p, label] of v6Ranges) {
    const list = new net.BlockList();
    list.addSubnet(a, p, 'ipv6');
    lists.push({ list, label });
  }
  return lists;
})();

/** Expand an IPv6 address to its 8 16-bit groups (handles '::' and a dotted v4 tail). */
function v6Groups(address: string): number[] | undefined {
  let addr = address.toLowerCase();
  const pct = addr.indexOf('%');
  if (pct !== -1) addr = addr.slice(0, pct);
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4tail) {
    const o = v4tail[1]!.split('.').map(Number);
    addr = addr.slice(0, -v4tail[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const halves = addr.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...tail].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) return undefined;
  return groups;
}

/** The IPv4 address a v6 address carries (v4-mapped, v4-translated, v4-compatible, NAT64 well-known prefix, 6to4), if any. */
export function embeddedIPv4(address: string): string | undefined {
  const g = v6Groups(address);
  if (!g) return undefined;
  const quad = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g[5] === 0xffff) return quad(g[6]!, g[7]!); // ::ffff:a.b.c.d
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return quad(g[6]!, g[7]!); // ::ffff:0:a.b.c.d (SIIT, RFC 2765)
  if (zero(0, 6) && (g[6] !== 0 || g[7]! > 1)) return quad(g[6]!, g[7]!); // ::a.b.c.d (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return quad(g[6]!, g[7]!); // NAT64 64:ff9b::/96
  if (g[0] === 0x2002) return quad(g[1]!, g[2]!); // 6to4 2002:AABB:CCDD::/48
  return undefined;
}

/**
 * Why an address is not a public unicast address (a label), or undefined when it is public.
 * Anything that does not parse as an IP is refused too.
 */
export function forbiddenAddressReason(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIPv4(address);
    if (v4 !== undefined) {
      const inner = forbiddenAddressReason(v4);
      return inner === undefined ? undefined : `${inner} (IPv4 ${v4} embedded in IPv6)`;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { list, label } of rangeLists) {
    if (list.check(address, type)) return label;
  }
  return undefined;
}

export const systemResolver: Resolver = async (hostname) => {
  const all = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

type Decision =
  | { allow: true; url: URL; host: string; port: number; address: string; family: 4 | 6 }
  | { allow: false; host: string; port: number; reason: string; target: string; path?: string };

export class EgressBroker {
  private readonly endpoints: EgressEndpoint[];
  private readonly resolver: Resolver;
  private readonly maxResponseBytes: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: EgressBrokerOptions) {
    // The policy is trusted: normalise its spelling once (lower case, IDN to punycode, as the URL
    // parser does), so the comparison below can be exact.
    this.endpoints = opts.endpoints.map((e) => {
      const bare = stripBrackets(e.host);
      const host = net.isIP(bare) ? bare.toLowerCase() : domainToASCII(bare) || bare.toLowerCase();
      return { ...e, host };
    });
    this.resolver = opts.resolver ?? systemResolver;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_EGRESS_TIMEOUT_MS;
  }

  /** The RPC handler for `egress.fetch`. */
  get handler(): MethodHandler<typeof egressFetchParams> {
    return { params: egressFetchParams, handle: (p) => this.fetch(p) };
  }

  /** Decide whether `rawUrl` may be fetched and which address to use; never throws. */
  async check(rawUrl: string): Promise<Decision> {
    let urlPath: string | undefined;
    const deny = (reason: string, host = '', port = 0, target = '') => ({ allow: false as const, host, port, reason, target, path: urlPath });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return deny('not a valid absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return deny(`scheme ${url.protocol} is not allowed`);
    urlPath = url.pathname;
    const host = stripBrackets(url.hostname);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const target = `${url.protocol}//${url.host}${url.pathname}`;
    if (url.username || url.password) return deny('credentials in the URL are not allowed', host, port, target);
    // The authority exactly as the worker wrote it must already be canonical: this refuses case
    // variants, Unicode/IDN spellings, percent-encoding, backslashes and other parser tricks.
    const rawAuthority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(rawUrl)?.[1];
    if (rawAuthority !== url.host && rawAuthority !== `${url.hostname}:${port}`) {
      return deny(`host "${rawAuthority ?? ''}" is not written in canonical form`, host, port, target);
    }
    const endpoint = this.endpoints.find((e) => e.host === host && e.port === port);
    if (!endpoint) return deny(`${host}:${port} is not an allowed endpoint`, host, port, target);
    const scheme = url.protocol.slice(0, -1);
    if (endpoint.scheme !== undefined && endpoint.scheme !== scheme) {
      return deny(`${host}:${port} is allowed over ${endpoint.scheme} only, not ${scheme}`, host, port, target);
    }

    if (net.isIP(host) !== 0) {
      // An IP literal reaches here only when the policy lists that exact literal.
      return { allow: true, url, host, port, address: host, family: net.isIP(host) === 6 ? 6 : 4 };
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolver(host);
    } catch (e) {
      return deny(`cannot resolve ${host}: ${(e as Error).message}`, host, port, target);
    }
    if (addresses.length === 0) return deny(`${host} resolves to no address`, host, port, target);
    if (!endpoint.allowPrivateAddresses) {
      // One bad answer taints the whole set (a rebinding resolver mixes them).
      for (const a of addresses) {
        const why = forbiddenAddressReason(a.address);
        if (why) return deny(`${host} resolves to ${a.address} (${why})`, host, port, target);
      }
    } else {
      for (const a of addresses) {
        if (net.isIP(a.address) === 0) return deny(`${host} resolved to a non-address`, host, port, target);
      }
    }
    const chosen = addresses[0]!;
    return { allow: true, url, host, port, address: chosen.address, family: net.isIP(chosen.address) === 6 ? 6 : 4 };
  }

  /** Check and perform one request; reports exactly one event. Throws RpcError when denied or failed. */
  async fetch(params: EgressFetchParams): Promise<EgressFetchResult> {
    const started = performance.now();
    const decision = await this.check(params.url);
    const elapsed = () => Math.round(performance.now() - started);
    if (!decision.allow) {
      this.opts.onEvent?.({
        type: 'egress',
        decision: 'deny',
        method: params.method,
        target: decision.target,
        ...(decision.path !== undefined ? { path: decision.path } : {}),
        host: decision.host,
        port: decision.port,
        reason: decision.reason,
        durationMs: elapsed(),
      });
      throw new RpcError(RpcErrorCode.EgressDenied, `egress denied: ${decision.reason}`);
    }
    const target = `${decision.url.protocol}//${decision.url.host}${decision.url.pathname}`;
    const path = decision.url.pathname;
    const bytesOut = params.body === undefined ? 0 : Buffer.byteLength(params.body, 'utf8');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(params.headers)) {
      const lower = name.toLowerCase();
      if (!tokenRe.test(name) || forbiddenHeaders.has(lower) || lower.startsWith('proxy-') || /[\r\n\0]/.test(value)) {
        const reason = `header "${name.slice(0, 64)}" is not allowed`;
        this.opts.onEvent?.({
          type: 'egress',
          decision: 'deny',
          method: params.method,
          target,
          path,
          host: decision.host,
          port: decision.port,
          reason,
          durationMs: elapsed(),
        });
        throw new RpcError(RpcErrorCode.EgressDenied, `egress denied: ${reason}`);
      }
      headers[lower] = value;
    }
    // what every event of an allowed request says, whether it then succeeds or fails
    const allowed = {
      type: 'egress',
      decision: 'allow',
      method: params.method,
      target,
      path,
      host: decision.host,
      port: decision.port,
      address: decision.address,
      bytesOut,
    } as const;
    try {
      const res = await this.perform(decision, params, headers);
      this.opts.onEvent?.({ ...allowed, status: res.status, bytes: res.bytes, durationMs: elapsed() });
      return { status: res.status, headers: res.headers, bodyBase64: res.body.toString('base64') };
    } catch (e) {
      const message = (e as Error).message;
      this.opts.onEvent?.({ ...allowed, error: message, durationMs: elapsed() });
      throw new RpcError(RpcErrorCode.HandlerFailed, `egress failed: ${message}`);
    }
  }

  private perform(
    d: Extract<Decision, { allow: true }>,
    params: EgressFetchParams,
    headers: Record<string, string>,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer; bytes: number }> {
    // Pin the connection to the checked address: Node calls this instead of resolving again.
    const pinned: LookupFunction = (hostname, options, callback) => {
      if (stripBrackets(hostname).toLowerCase() !== d.host) {
        callback(new Error(`unexpected lookup of ${hostname}`), '', 0);
        return;
      }
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: d.address, family: d.family }]);
      } else callback(null, d.address, d.family);
    };
    const body = params.body === undefined ? undefined : Buffer.from(params.body, 'utf8');
    if (body) headers['content-length'] = String(body.length);
    const isHttps = d.url.protocol === 'https:';
    const common = {
      host: net.isIP(d.host) ? d.address : d.host,
      port: d.port,
      path: `${d.url.pathname}${d.url.search}`,
      method: params.method,
      headers: { ...headers, host: d.url.host },
      agent: false as const,
      lookup: pinned,
      // Node's happy-eyeballs would ask lookup for all families; we hand it one checked address.
      autoSelectFamily: false,
    };
    return new Promise((resolve, reject) => {
      const req = isHttps ? https.request({ ...common, servername: net.isIP(d.host) ? undefined : d.host, ca: this.opts.ca }) : http.request(common);
      const timer = setTimeout(() => req.destroy(new Error(`no complete response within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total > this.maxResponseBytes) {
            req.destroy(new Error(`response exceeds the ${this.maxResponseBytes}-byte cap`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks), bytes: total });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      req.end(body);
    });
  }
}

export function createEgressBroker(opts: EgressBrokerOptions): EgressBroker {
  return new EgressBroker(opts);
}
