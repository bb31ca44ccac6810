import { unlinkSync } from 'node:fs';
import net from 'node:net';
import { BulwarkError } from '../../domain/errors.js';
import type { PreparedGate } from '../gate-finish.js';
import { readLine } from './line.js';
import { MAX_REQUEST_BYTES, parseRequest, ProtocolError, type ResidentFlags, type ResidentRequest, type ResidentResponse } from './protocol.js';

export interface ResidentServerOptions {
  /** The work tree's top this resident gate answers for; other repositories are refused. */
  repo: string;
  socket: string;
  /** The build and environment digests it was started with (see ./identity.ts). */
  build: string;
  fingerprint: string;
  /** Exit after this long without a request. */
  idleMs: number;
  /** The deterministic layers for a client's flags (app/gate.ts prepareGate). */
  evaluate: (flags: ResidentFlags) => Promise<PreparedGate>;
  log: (line: string) => void;
  /** A full garbage collection, run once the gate has been idle for `tidyMs` (default a minute). */
  collect?: () => void;
  tidyMs?: number;
}

/** How long a connection may take to send its request line. */
const REQUEST_TIMEOUT_MS = 10_000;

/** The socket is someone else's: a live resident gate already answers there. */
export class AlreadyServing extends Error {}

function listen(server: net.Server, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(socket);
  });
}

/** Whether something accepts connections on the socket. */
function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Binds the socket; a socket file nobody answers on is left from a resident gate that died, and is replaced. */
async function bind(server: net.Server, socket: string): Promise<void> {
  try {
    await listen(server, socket);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (await answers(socket)) throw new AlreadyServing(`a resident gate already answers on ${socket}`);
    unlinkSync(socket);
    await listen(server, socket);
  }
}

function errorResponse(err: unknown): ResidentResponse {
  if (err instanceof BulwarkError) return { ok: false, kind: 'error', message: err.message, exitCode: err.exitCode };
  return { ok: false, kind: 'error', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Serves evaluations one at a time until stopped or idle, then closes and removes the socket.
 * Nothing of one evaluation is kept for the next but what a process keeps anyway (the loaded
 * compiler, compiled code): every request reads the cache from disk as a run of its own would,
 * so the answer is the one the client would compute in its own process.
 */
export async function serveResidentGate(o: ResidentServerOptions): Promise<void> {
  const startedAt = new Date();
  let served = 0;
  let lastActivity = Date.now();
  let queue: Promise<void> = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  let tidy: NodeJS.Timeout | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let stopping = false;

  const server = net.createServer();
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    if (idle) clearTimeout(idle);
    if (tidy) clearTimeout(tidy);
    o.log(`stopping: ${why}`);
    server.close(() => finish());
    // the socket file goes at once, so no client connects to a gate that is going away
    try {
      unlinkSync(o.socket);
    } catch {
      // already gone
    }
  };
  const armIdle = (): void => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => stop(`idle for ${Math.round(o.idleMs / 1000)} s`), o.idleMs);
    // Between runs in quick succession the last evaluation's garbage stays: V8 sizes its next
    // collection by the live heap it last saw, so collecting after every run makes the next one
    // collect more often (about half again as slow, measured). A pause of a minute is not quick
    // succession: the memory goes back then.
    if (tidy) clearTimeout(tidy);
    tidy = setTimeout(() => o.collect?.(), o.tidyMs ?? 60_000);
    tidy.unref();
  };

  const answer = async (req: ResidentRequest): Promise<ResidentResponse> => {
    if (req.op === 'stop') {
      stop('asked to stop');
      return { ok: true, op: 'stop' };
    }
    if (req.op === 'status') {
      return {
        ok: true,
        op: 'status',
        status: {
          pid: process.pid,
          repo: o.repo,
          build: o.build,
          fingerprint: o.fingerprint,
          startedAt: startedAt.toISOString(),
          served,
          idleSeconds: Math.floor((Date.now() - lastActivity) / 1000),
          rssBytes: process.memoryUsage().rss,
          maxRssBytes: process.resourceUsage().maxRSS * 1024,
        },
      };
    }
    if (req.build !== o.build) return { ok: false, kind: 'mismatch', message: 'this resident gate runs another build of Bulwark' };
    if (req.fingerprint !== o.fingerprint) return { ok: false, kind: 'mismatch', message: 'this resident gate was started with another environment' };
    if (req.flags.repo !== o.repo) return { ok: false, kind: 'mismatch', message: `this resident gate answers for ${o.repo}` };
    // one evaluation at a time: each uses the whole heap budget, and the client waits either way
    const run = queue.then(async (): Promise<ResidentResponse> => {
      if (idle) clearTimeout(idle);
      if (tidy) clearTimeout(tidy);
      const t0 = Date.now();
      try {
        const prepared = await o.evaluate(req.flags);
        served++;
        o.log(`evaluated ${req.flags.base ?? '(default base)'}..${req.flags.head} in ${Date.now() - t0} ms`);
        return { ok: true, op: 'evaluate', prepared };
      } catch (err) {
        o.log(`evaluation failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        return errorResponse(err);
      } finally {
        lastActivity = Date.now();
        if (!stopping) armIdle();
      }
    });
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  server.on('connection', (socket) => {
    socket.on('error', () => undefined);
    // a client sends its one line at once; one that sends nothing would keep the gate from closing
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    void (async () => {
      let res: ResidentResponse;
      try {
        res = await answer(parseRequest(await readLine(socket, MAX_REQUEST_BYTES)));
      } catch (err) {
        if (!(err instanceof ProtocolError)) {
          // the client went away or sent too much: nobody to answer
          socket.destroy();
          return;
        }
        res = { ok: false, kind: 'bad-request', message: err.message };
      }
      if (!socket.destroyed) {
        // the evaluation may take longer than a request's read: the answer is not timed
        socket.setTimeout(0);
        socket.end(JSON.stringify(res) + '\n');
      }
    })();
  });

  await bind(server, o.socket);
  o.log(`serving ${o.repo} on ${o.socket} (pid ${process.pid})`);
  armIdle();
  const onSignal = (sig: string) => () => stop(`signal ${sig}`);
  process.once('SIGTERM', onSignal('SIGTERM'));
  process.once('SIGINT', onSignal('SIGINT'));
  await finished;
}
