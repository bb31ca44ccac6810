import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../domain/errors.js';
import type { VerifierKey } from '../note.js';
import { MAX_REQUEST_BYTES, addCheckpoint } from './add-checkpoint.js';
import type { WitnessSigner } from './cosignature.js';

/**
 * `bulwark audit witness serve`: the HTTP shell around add-checkpoint. Requests are decided one at
 * a time, and the new state is on disk (written to a temporary file, fsynced, renamed, directory
 * fsynced) before the cosignature is sent, so checking the old size and recording the new one are
 * one step, as the spec requires, and a restart never forgets what was cosigned.
 */

const stateSchema = z
  .object({
    version: z.literal(1),
    logs: z.record(z.string(), z.object({ size: z.number().int().min(0), root: z.string(), note: z.string() }).strict()),
  })
  .strict();
export type WitnessState = z.infer<typeof stateSchema>;

export function readWitnessState(file: string): WitnessState {
  if (!existsSync(file)) return { version: 1, logs: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`witness state ${file}: ${(e as Error).message}`);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`witness state ${file}: not a witness state file (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/** Atomic and durable: the old state or the new one survives a crash, never a torn file. */
export function writeWitnessState(file: string, state: WitnessState): void {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${abs}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(state, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, abs);
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

export interface WitnessServerOptions {
  key: WitnessSigner;
  /** Known logs: origin → the log keys trusted for it. */
  logs: ReadonlyMap<string, VerifierKey[]>;
  stateFile: string;
  host: string;
  port: number;
  /** Where each decision is logged (one line, no request text). */
  log?: (line: string) => void;
  now?: () => number;
}

export interface WitnessServer {
  url: string;
  close(): Promise<void>;
}

export async function startWitnessServer(opts: WitnessServerOptions): Promise<WitnessServer> {
  let state = readWitnessState(opts.stateFile);
  const now = opts.now ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();

  const decide = (body: string) => {
    const res = addCheckpoint(body, opts.logs, (origin) => state.logs[origin], opts.key, Math.floor(now() / 1000));
    if (res.update) {
      const next: WitnessState = { version: 1, logs: { ...state.logs, [res.update.origin]: res.update.state } };
      writeWitnessState(opts.stateFile, next);
      state = next;
      opts.log?.(`cosigned ${JSON.stringify(res.update.origin)} at size ${res.update.state.size}`);
    } else {
      opts.log?.(`refused (${res.status}): ${res.body.trim().split('\n')[0]!.slice(0, 200)}`);
    }
    return res;
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://witness');
    if (url.pathname !== '/add-checkpoint') return send(404, 'not found\n');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(405, 'method not allowed\n');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        tooLarge = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return send(413, `request body larger than ${MAX_REQUEST_BYTES} bytes\n`);
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      if (!Buffer.from(body, 'utf8').equals(raw)) return send(400, 'bad request: body is not UTF-8\n');
      const p = queue.then(() => decide(body));
      queue = p.catch(() => undefined);
      p.then(
        (r) => send(r.status, r.body, r.contentType),
        (e: unknown) => {
          opts.log?.(`internal error: ${(e as Error).message}`);
          send(500, 'internal error\n');
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
