/**
 * Worker side of the parent channel. Runs inside the sandbox: the only way out is fd 3, a Unix
 * socketpair end the parent created before the launcher exec'd us, so no socket() call is needed
 * (and seccomp would refuse one).
 */
import { fstatSync } from 'node:fs';
import net from 'node:net';
import type { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_BYTES, RpcPeer, RpcProtocolError } from '../protocol/rpc.js';

export const CHANNEL_FD = 3;

export interface ParentChannel {
  request(method: string, params?: unknown): Promise<unknown>;
  handle<S extends z.ZodType>(method: string, schema: S, fn: (params: z.infer<S>) => unknown): void;
  /** Ask the parent's egress broker to fetch an allowlisted URL (see src/sandbox/egress-broker.ts). */
  fetch(url: string, init?: BrokeredFetchInit): Promise<BrokeredResponse>;
  /** Stop using the channel; lets the process exit once nothing else is pending. */
  close(): void;
  /** Resolves when the parent closes the channel. */
  readonly closed: Promise<void>;
}

export interface BrokeredFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}
export interface BrokeredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text(): string;
}

let singleton: ParentChannel | undefined;

/** Connect to the parent over fd 3. Idempotent: a process has exactly one channel. */
export function connectToParent(opts: { maxMessageBytes?: number } = {}): ParentChannel {
  if (singleton) return singleton;
  let isSocket = false;
  try {
    isSocket = fstatSync(CHANNEL_FD).isSocket();
  } catch {
    // not open
  }
  if (!isSocket) {
    throw new Error(`fd ${CHANNEL_FD} is not the parent channel: start this script with startSandboxedWorker (src/sandbox/worker-host.ts)`);
  }
  const socket = new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closingLocally = false;
  const peer = new RpcPeer({
    maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    send: (line) => {
      if (!socket.destroyed) socket.write(line);
    },
    // A local close flushes what is already written (e.g. the last reply); a protocol failure drops it.
    close: () => (closingLocally ? socket.end() : socket.destroy()),
  });
  socket.on('data', (chunk: Buffer) => peer.receive(chunk));
  socket.on('error', (err) => peer.end(new RpcProtocolError(`channel error: ${err.message}`)));
  socket.on('close', () => {
    peer.end();
    resolveClosed();
  });

  const channel: ParentChannel = {
    request: (method, params) => peer.request(method, params),
    handle: (method, schema, fn) => peer.handle(method, schema, fn),
    async fetch(url, init = {}) {
      const raw = (await peer.request('egress.fetch', { url, ...init })) as {
        status: number;
        headers: Record<string, string>;
        bodyBase64: string;
      };
      const body = Buffer.from(raw.bodyBase64, 'base64');
      return { status: raw.status, headers: raw.headers, body, text: () => body.toString('utf8') };
    },
    close() {
      closingLocally = true;
      peer.close();
    },
    closed,
  };
  singleton = channel;
  return channel;
}
