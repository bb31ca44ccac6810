import { serve, type ServerType } from '@hono/node-server';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { LogStore } from '../audit/store.js';
import type { VerifierKey } from '../audit/note.js';
import type { WitnessPolicy } from '../audit/witness/quorum.js';
import { UsageError } from '../domain/errors.js';
import { createConsoleApp } from './app.js';
import { newToken } from './auth.js';
import type { ConsoleContext } from './context.js';
import { RunIndex } from './run-index.js';

export interface ConsoleOptions {
  store: LogStore;
  location: string;
  host: string;
  port: number;
  repoDir: string | null;
  trustedKeys: VerifierKey[];
  witnesses?: WitnessPolicy | null;
  evidenceDir: string | null;
  version: string;
  tls?: { certFile: string; keyFile: string };
  /** Serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy). */
  insecureExpose?: boolean;
  /** A fixed token (tests); default a new random one. */
  token?: string;
}

export interface RunningConsole {
  url: string;
  token: string;
  ctx: ConsoleContext;
  close(): Promise<void>;
}

/** Loopback names and addresses only: anything else exposes the log to the network. */
const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const h = host.replace(/^\[|\]$/g, '');
  const family = net.isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

export async function startConsole(o: ConsoleOptions): Promise<RunningConsole> {
  if (!isLoopbackHost(o.host) && !o.tls && !o.insecureExpose) {
    throw new UsageError(`--host ${o.host} is not a loopback address: give --tls-cert and --tls-key, or --insecure-expose when a TLS proxy sits in front`);
  }
  const tls = o.tls ? { cert: readFileSync(o.tls.certFile), key: readFileSync(o.tls.keyFile) } : null;
  const token = o.token ?? newToken();
  const index = new RunIndex(o.store);
  await index.refresh();
  const ctx: ConsoleContext = {
    store: o.store,
    location: o.location,
    index,
    repoDir: o.repoDir,
    trustedKeys: o.trustedKeys,
    witnesses: o.witnesses ?? null,
    evidenceDir: o.evidenceDir,
    version: o.version,
    verify: { last: null, running: null, error: null },
  };
  const app = createConsoleApp(ctx, { token, secureCookie: tls !== null });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: o.host,
        port: o.port,
        ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}),
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `${tls ? 'https' : 'http'}://${hostPart}:${addr.port}`,
    token,
    ctx,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
