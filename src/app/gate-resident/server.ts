import { lstatSync, renameSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { BulwarkError } from '../../domain/errors.js';
import { jsonPieces } from '../../domain/json-pieces.js';
import { within as waitAtMost } from '../../domain/within.js';
import type { PreparedGate } from '../gate-finish.js';
import type { GateEvaluationFlags } from '../gate.js';
import { readLine } from './line.js';
import {
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  parseRequest,
  ProtocolError,
  type ResidentAccepted,
  type ResidentRequest,
  type ResidentResponse,
} from './protocol.js';

export interface ResidentServerOptions {
  /** The work tree's top this resident gate answers for; other repositories are refused. */
  repo: string;
  socket: string;
  /** The build and environment digests it was started with (see ./identity.ts). */
  build: string;
  fingerprint: string;
  /** Exit after this long without a request. */
  idleMs: number;
  /** The deterministic layers for a client's flags, in the client's folder (app/gate.ts prepareGate). */
  evaluate: (flags: GateEvaluationFlags, cwd: string) => Promise<PreparedGate>;
  log: (line: string) => void;
  /** A full garbage collection, run once the gate has been idle for `tidyMs` (default a minute). */
  collect?: () => void;
  tidyMs?: number;
  /** How long a connection may take to send its request line (default 10 s). */
  requestTimeoutMs?: number;
  /**
   * Work an evaluation put off until its answer has gone to the client (writing the cache): run
   * once the answer is written, before the next evaluation starts.
   */
  afterAnswer?: () => void;
  /** The longest answer sent, in bytes (default what a client reads, MAX_RESPONSE_BYTES); a longer one is declined. */
  maxAnswerBytes?: number;
}

/** The socket is someone else's: a live resident gate already answers there. */
export class AlreadyServing extends Error {}

/** An evaluation the resident gate will not make (the client makes it in its own process). */
export class Declined extends Error {}

/**
 * How long the work an evaluation put off waits for its answer to be written: a client that stops
 * reading (suspended mid-answer) does not hold up the next one.
 */
const ANSWER_WRITTEN_MS = 5000;

/** How often a resident gate checks that its socket file is still its own. */
const OWNERSHIP_CHECK_MS = 5000;

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
    // the socket is this user's alone, whatever the umask (restored at once: files an evaluation
    // writes, the cache's among them, get the modes they get in a process of its own)
    const umask = process.umask(0o077);
    try {
      server.listen(socket);
    } finally {
      process.umask(umask);
    }
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

const inodeOf = (file: string): number | undefined => {
  try {
    return lstatSync(file).ino;
  } catch {
    return undefined;
  }
};

/**
 * Listens under a name of its own, then renames that over the socket's name unless a live
 * resident gate answers there: a socket file nobody answers on is left from one that died, and
 * the rename replaces it in one step. Returns the socket file's inode, by which the gate later
 * knows the name is still its own.
 */
async function bind(server: net.Server, socket: string): Promise<number> {
  const own = `${socket}.${process.pid}`;
  try {
    unlinkSync(own);
  } catch {
    // none left by an earlier process of this pid
  }
  await listen(server, own);
  if (await answers(socket)) {
    await new Promise<void>((r) => server.close(() => r()));
    throw new AlreadyServing(`a resident gate already answers on ${socket}`);
  }
  renameSync(own, socket);
  return lstatSync(socket).ino;
}

/**
 * An answer's line (without its line break) in pieces, never one string: an evaluation's answer
 * lists every path of the change, which for a large one can be longer than V8's longest string.
 * An answer longer than a client reads (`maxBytes`) is replaced by a declination, so the client
 * evaluates in its own process instead of failing on the line.
 */
function answerPieces(res: ResidentResponse, maxBytes: number, log: (line: string) => void): Buffer[] {
  const pieces: Buffer[] = [];
  // as a client counts a line: without its line break
  let bytes = 0;
  // res → prepared → statics → paths: the paths and reasons go a run at a time
  for (const piece of jsonPieces(res, { splitDepth: 4 })) {
    bytes += piece.length;
    if (bytes > maxBytes) {
      const message = `its answer is over ${maxBytes} bytes, more than a client reads`;
      log(`declined to send an answer: ${message}`);
      return [Buffer.from(JSON.stringify({ ok: false, kind: 'declined', message } satisfies ResidentResponse))];
    }
    pieces.push(piece);
  }
  return pieces;
}

function errorResponse(err: unknown): ResidentResponse {
  if (err instanceof Declined) return { ok: false, kind: 'declined', message: err.message };
  if (err instanceof BulwarkError) return { ok: false, kind: 'error', message: err.message, exitCode: err.exitCode };
  return { ok: false, kind: 'error', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Serves evaluations one at a time until stopped, idle, or replaced, then closes and removes its
 * socket. Of one evaluation the next keeps only what it would get the same from disk or from the
 * compiler: the loaded compiler and compiled code, the TypeScript library's parses, and what it
 * parsed of cache files that are unchanged on disk since (see gate/long-lived.ts). Every request
 * reads the cache folder it names, so the answer is the one the client would compute in its own
 * process.
 */
export async function serveResidentGate(o: ResidentServerOptions): Promise<void> {
  const startedAt = new Date();
  const requestTimeoutMs = o.requestTimeoutMs ?? 10_000;
  let served = 0;
  let lastActivity = Date.now();
  let queue: Promise<void> = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  let tidy: NodeJS.Timeout | undefined;
  let ownership: NodeJS.Timeout | undefined;
  let inode: number | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let stopping = false;

  const server = net.createServer();
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    for (const t of [idle, tidy, ownership]) if (t) clearTimeout(t);
    o.log(`stopping: ${why}`);
    // the socket file goes at once, so no client connects to a gate that is going away; only
    // when it is still this gate's (another may have taken the name over)
    if (inode !== undefined && inodeOf(o.socket) === inode) {
      try {
        unlinkSync(o.socket);
      } catch {
        // already gone
      }
    }
    server.close(() => finish());
  };
  const armIdle = (): void => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => stop(`idle for ${Math.round(o.idleMs / 1000)} s`), o.idleMs);
    // Between runs in quick succession the last evaluation's garbage stays: collecting after
    // every run made the next one about half again as slow (measured). A pause of a minute is
    // not quick succession: the memory goes back then.
    if (tidy) clearTimeout(tidy);
    tidy = setTimeout(() => o.collect?.(), o.tidyMs ?? 60_000);
    tidy.unref();
  };

  const answer = async (req: ResidentRequest, clientLeft: () => boolean, sent: Promise<void>): Promise<ResidentResponse> => {
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
    if (req.top !== o.repo) return { ok: false, kind: 'mismatch', message: `this resident gate answers for ${o.repo}` };
    // one evaluation at a time: each uses the whole heap budget, and the client waits either way
    const run = queue.then(async (): Promise<ResidentResponse> => {
      if (idle) clearTimeout(idle);
      if (tidy) clearTimeout(tidy);
      const t0 = Date.now();
      try {
        // a client that gave up while earlier work held this process evaluates in its own, and is
        // not served: one turn of the event loop lets a connection end that already arrived be
        // read (best effort: one that arrives during the evaluation only costs that evaluation)
        await new Promise((r) => setImmediate(r));
        if (clientLeft()) {
          o.log(`skipped ${req.flags.base ?? '(default base)'}..${req.flags.head}: its client left before its turn`);
          return { ok: false, kind: 'declined', message: 'the client left' };
        }
        const prepared = await o.evaluate(req.flags, req.cwd);
        served++;
        o.log(`evaluated ${req.flags.base ?? '(default base)'}..${req.flags.head} in ${Date.now() - t0} ms`);
        return { ok: true, op: 'evaluate', prepared };
      } catch (err) {
        o.log(`${err instanceof Declined ? 'declined' : 'evaluation failed'}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        return errorResponse(err);
      } finally {
        lastActivity = Date.now();
        if (!stopping) armIdle();
      }
    });
    queue = run
      .then(
        () => waitAtMost(sent, ANSWER_WRITTEN_MS),
        () => undefined,
      )
      .then(() => {
        try {
          o.afterAnswer?.();
        } catch (err) {
          o.log(`after the answer: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        }
      });
    return run;
  };

  server.on('connection', (socket) => {
    socket.on('error', () => undefined);
    // a client sends its one line at once; one that sends nothing, or a byte now and then, would
    // keep the gate from closing: the whole line has this long
    const deadline = setTimeout(() => socket.destroy(), requestTimeoutMs);
    // settled once the answer is written (or cannot be): what an evaluation put off waits for it
    let markSent!: () => void;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    socket.once('close', () => markSent());
    void (async () => {
      let res: ResidentResponse;
      try {
        let line: string;
        try {
          line = await readLine(socket, MAX_REQUEST_BYTES);
        } finally {
          // the request is in: waiting in the queue and evaluating may take longer, and are not timed
          clearTimeout(deadline);
        }
        const req = parseRequest(line);
        let left = false;
        socket.once('close', () => (left = true));
        // the client knows at once that this process is alive and reading, and which one to watch while it waits
        if (req.op === 'evaluate') socket.write(JSON.stringify({ ok: true, op: 'accepted', pid: process.pid } satisfies ResidentAccepted) + '\n');
        res = await answer(req, () => left, sent);
      } catch (err) {
        if (!(err instanceof ProtocolError)) {
          // the client went away, sent too much or too slowly: nobody to answer
          socket.destroy();
          return;
        }
        res = { ok: false, kind: 'bad-request', message: err.message };
      }
      if (socket.destroyed) return markSent();
      for (const piece of answerPieces(res, o.maxAnswerBytes ?? MAX_RESPONSE_BYTES, o.log)) socket.write(piece);
      socket.end('\n', () => markSent());
    })();
  });

  inode = await bind(server, o.socket);
  o.log(`serving ${o.repo} on ${o.socket} (pid ${process.pid})`);
  armIdle();
  // two gates that found the same dead socket at once both rename over it; the one whose name
  // was taken over leaves within this interval instead of idling unreachable
  ownership = setInterval(() => {
    if (inodeOf(o.socket) !== inode) stop('its socket was taken over by another resident gate');
  }, OWNERSHIP_CHECK_MS);
  ownership.unref();
  const onSignal = (sig: string) => () => stop(`signal ${sig}`);
  process.once('SIGTERM', onSignal('SIGTERM'));
  process.once('SIGINT', onSignal('SIGINT'));
  await finished;
}
