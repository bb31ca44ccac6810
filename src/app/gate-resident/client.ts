import { spawn } from 'node:child_process';
import { closeSync, openSync, renameSync, statSync } from 'node:fs';
import net from 'node:net';
import { BulwarkError, type ExitCode } from '../../domain/errors.js';
import { within as waitAtMost } from '../../domain/within.js';
import { workTreeTopOrNull, workTreeTopOrNullAsync } from '../../review/git.js';
import { procStatFields } from '../../sandbox/proc-stat.js';
import type { PreparedGate } from '../gate-finish.js';
import type { GateEvaluationFlags } from '../gate.js';
import { buildIdentity, environmentFingerprint, evaluationEnvironment, GIT_CONFIG_INJECTION, serverEntry } from './identity.js';
import { LineReader } from './line.js';
import { ensurePrivateDir, ownSocket, residentPlace, ResidentUnavailable, type ResidentPlace } from './place.js';
import {
  MAX_RESPONSE_BYTES,
  parseFirstLine,
  parseResponse,
  type ResidentAccepted,
  type ResidentRequest,
  type ResidentResponse,
  type ResidentStatus,
} from './protocol.js';

/** The gate's cache key stays in the process that was given it: a resident gate is never handed it. */
const CACHE_KEY_ENV = 'BULWARK_GATE_CACHE_KEY';
/** A log past this size is set aside when the next resident gate starts. */
const MAX_LOG_BYTES = 1024 * 1024;
/** How long a resident gate that was just started may take to listen. */
const START_TIMEOUT_MS = 15_000;

export interface ResidentOptions {
  /** A resident gate started by this call exits after this long without a request. */
  idleMs: number;
  env?: NodeJS.ProcessEnv;
  /** This build's identity (default: buildIdentity, from the files on disk; a test gives one that fails). */
  identify?: () => string;
}

/** What a resident gate answered, or why the caller must evaluate in its own process. */
export type ResidentOutcome = { prepared: PreparedGate } | { fallback: string };

/** The resident gate's evaluation failed with an error that is not one of Bulwark's documented ones. */
export class ResidentEvaluationFailed extends Error {}

/** No resident gate listens there (no socket file, or one nobody answers on). */
class NotListening extends Error {}

/** How long connecting to a resident gate may take: it accepts at once, or is not there. */
const CONNECT_TIMEOUT_MS = 5000;

function connect(socket: string): Promise<net.Socket> {
  // only a socket this user's resident gate made is asked
  if (!ownSocket(socket)) return Promise.reject(new NotListening(`no socket at ${socket}`));
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    const timer = setTimeout(() => {
      c.destroy();
      reject(new ResidentUnavailable(`the resident gate on ${socket} did not accept a connection within ${CONNECT_TIMEOUT_MS / 1000} s`));
    }, CONNECT_TIMEOUT_MS);
    c.once('connect', () => {
      clearTimeout(timer);
      c.off('error', onError);
      resolve(c);
    });
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      c.destroy();
      reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new NotListening(err.message) : err);
    };
    c.once('error', onError);
  });
}

/**
 * How long a resident gate may take to acknowledge an evaluation, or to answer a status or stop
 * request: it reads a request at once unless it is stopped (a signal, a debugger) or busy with
 * another client's evaluation, and either way this run evaluates sooner in its own process.
 */
const ANSWER_TIMEOUT_MS = 5000;
/** How often a client waiting for an evaluation checks that the resident gate is not stopped. */
const WATCH_MS = 1000;

/** `p`, or a ResidentUnavailable with `message` when `ms` run out first. */
async function lineWithin(p: Promise<string>, ms: number, message: string): Promise<string> {
  const line = await waitAtMost(p, ms);
  if (line === undefined) throw new ResidentUnavailable(message);
  return line;
}

/**
 * Whether a process is stopped by a signal or a ptrace debugger (gdb): its state in /proc (a Node
 * process paused in its own inspector is not stopped). Where there is no /proc (macOS), never: a
 * stopped resident gate then keeps the client waiting, as a stopped run of its own would.
 */
function processStopped(pid: number): boolean {
  const state = procStatFields(pid)?.[0];
  return state === 'T' || state === 't';
}

/** `p`, or a ResidentUnavailable once the process `pid` is found stopped. */
function whileRunning<T>(p: Promise<T>, pid: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (processStopped(pid)) reject(new ResidentUnavailable(`the resident gate (pid ${pid}) is stopped`));
    }, WATCH_MS);
  });
  return Promise.race([p, stopped]).finally(() => clearInterval(timer));
}

const isAccepted = (m: ResidentAccepted | ResidentResponse): m is ResidentAccepted => m.ok && m.op === 'accepted';

/**
 * One request, one answer, on a connection of its own. An evaluation is first acknowledged
 * (within 5 s), then not timed (it takes what it takes in a process of its own) but watched: a
 * resident gate found stopped is given up on.
 */
async function ask(socket: string, req: ResidentRequest): Promise<ResidentResponse> {
  const c = await connect(socket);
  const lines = new LineReader(c, MAX_RESPONSE_BYTES);
  try {
    c.write(JSON.stringify(req) + '\n');
    if (req.op !== 'evaluate')
      return parseResponse(
        await lineWithin(lines.next(), ANSWER_TIMEOUT_MS, `the resident gate on ${socket} did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`),
      );
    const first = parseFirstLine(
      await lineWithin(lines.next(), ANSWER_TIMEOUT_MS, `the resident gate on ${socket} did not acknowledge the request within ${ANSWER_TIMEOUT_MS / 1000} s`),
    );
    if (!isAccepted(first)) return first;
    return parseResponse(await whileRunning(lines.next(), first.pid));
  } finally {
    lines.close();
    c.destroy();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a resident gate for the repository, detached, and waits until it listens. */
async function start(place: ResidentPlace, repo: string, build: string, env: NodeJS.ProcessEnv, idleMs: number): Promise<void> {
  // appended to, not truncated: a resident gate another client started a moment ago may be
  // writing it; one generation of old lines is kept
  try {
    if (statSync(place.log).size > MAX_LOG_BYTES) renameSync(place.log, `${place.log}.old`);
  } catch {
    // no log yet
  }
  const log = openSync(place.log, 'a', 0o600);
  try {
    const serverArgs = ['--repo', repo, '--socket', place.socket, '--build', build, '--fingerprint', environmentFingerprint(env), '--idle-ms', String(idleMs)];
    const child = spawn(
      process.execPath,
      // with this process's Node flags (part of the build it is compared by), as a run of its own has them
      [...process.execArgv, serverEntry, ...serverArgs],
      // only what an evaluation reads: no provider key, token or signing key reaches it
      { detached: true, stdio: ['ignore', log, log], env: evaluationEnvironment(env), cwd: '/' },
    );
    child.unref();
    let exited: number | null | undefined;
    let failed: Error | undefined;
    child.once('exit', (code) => (exited = code));
    child.once('error', (err) => (failed = err));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        (await connect(place.socket)).destroy();
        return;
      } catch (err) {
        if (!(err instanceof NotListening)) throw err;
      }
      if (failed) throw new ResidentUnavailable(`cannot start the resident gate: ${failed.message}`);
      if (exited !== undefined && exited !== 0) throw new ResidentUnavailable(`the resident gate exited with ${exited} at start (see ${place.log})`);
      if (Date.now() > deadline) throw new ResidentUnavailable(`the resident gate did not listen within ${START_TIMEOUT_MS / 1000} s (see ${place.log})`);
      await sleep(exited === 0 ? 50 : 10);
    }
  } finally {
    closeSync(log);
  }
}

/** Asks a resident gate to stop and waits until its socket is gone; true when one was running. */
async function stopAt(socket: string): Promise<boolean> {
  let res: ResidentResponse;
  try {
    res = await ask(socket, { op: 'stop' });
  } catch (err) {
    if (err instanceof NotListening) return false;
    throw err;
  }
  if (!res.ok || res.op !== 'stop') throw new ResidentUnavailable(`the resident gate on ${socket} did not stop: it answered ${res.ok ? res.op : res.message}`);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      (await connect(socket)).destroy();
    } catch (err) {
      if (err instanceof NotListening) return true;
      throw err;
    }
    await sleep(10);
  }
  throw new ResidentUnavailable(`the resident gate on ${socket} did not stop`);
}

/** The flags an evaluation reads, as written (a caller's other flags stay with it). */
function evaluationFlags(flags: GateEvaluationFlags): GateEvaluationFlags {
  const out: GateEvaluationFlags = { repo: flags.repo, head: flags.head, cache: flags.cache };
  if (flags.base !== undefined) out.base = flags.base;
  if (flags.config !== undefined) out.config = flags.config;
  if (flags.cacheDir !== undefined) out.cacheDir = flags.cacheDir;
  return out;
}

/**
 * The deterministic layers of the gate, computed by the repository's resident gate (started when
 * none runs, replaced when it runs another build or environment). Anything that keeps it from
 * answering is a reason to evaluate in this process, never a decision: the caller then does.
 */
export async function prepareGateResident(flags: GateEvaluationFlags, opts: ResidentOptions): Promise<ResidentOutcome> {
  const env = opts.env ?? process.env;
  if (env[CACHE_KEY_ENV]) return { fallback: `${CACHE_KEY_ENV} is set, and the cache key is never handed to a resident process` };
  const injected = GIT_CONFIG_INJECTION.find((name) => env[name] !== undefined);
  if (injected) return { fallback: `${injected} is set, and git configuration from the environment is never handed to a resident process` };
  // git finds the work tree while this thread stats the build; in no work tree, the run of its own
  // says what is wrong
  const finding = workTreeTopOrNullAsync(flags.repo);
  let build: string;
  try {
    build = (opts.identify ?? buildIdentity)();
  } catch (err) {
    // the build being replaced under it, say: a reason to evaluate here, like any other
    await finding;
    return { fallback: `cannot identify this build: ${err instanceof Error ? err.message : String(err)}` };
  }
  const top = await finding;
  if (top === null) return { fallback: `${flags.repo} is not in a git work tree` };
  const place = residentPlace(top, env);
  try {
    ensurePrivateDir(place.dir);
    const req = {
      op: 'evaluate' as const,
      build,
      fingerprint: environmentFingerprint(env),
      top,
      cwd: process.cwd(),
      flags: evaluationFlags(flags),
    };
    for (let attempt = 0; ; attempt++) {
      let res: ResidentResponse;
      try {
        res = await ask(place.socket, req);
      } catch (err) {
        if (!(err instanceof NotListening) || attempt > 1) throw err;
        await start(place, top, req.build, env, opts.idleMs);
        continue;
      }
      if (res.ok && res.op === 'evaluate') return { prepared: res.prepared };
      if (!res.ok && res.kind === 'error') {
        if (res.exitCode !== undefined) throw new BulwarkError(res.message, res.exitCode as ExitCode);
        throw new ResidentEvaluationFailed(res.message);
      }
      // another build: it says so, or (one before acknowledgements and relative --repo) cannot read the request
      if (!res.ok && (res.kind === 'mismatch' || res.kind === 'bad-request') && attempt <= 1) {
        await stopAt(place.socket);
        await start(place, top, req.build, env, opts.idleMs);
        continue;
      }
      return {
        fallback: res.ok
          ? `the resident gate answered ${res.op} to an evaluation`
          : res.kind === 'declined'
            ? `the resident gate declined: ${res.message}`
            : `the resident gate refused the request: ${res.message}`,
      };
    }
  } catch (err) {
    // its evaluation's own failure is the answer; anything else kept it from answering
    if (err instanceof BulwarkError || err instanceof ResidentEvaluationFailed) throw err;
    return { fallback: err instanceof Error ? err.message : String(err) };
  }
}

function requireWorkTree(dir: string): string {
  const top = workTreeTopOrNull(dir);
  if (top === null) throw new ResidentUnavailable(`${dir} is not in a git work tree`);
  return top;
}

/** The repository's resident gate's status, or null when none runs. */
export async function residentStatus(repoDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ResidentStatus | null> {
  const place = residentPlace(requireWorkTree(repoDir), env);
  ensurePrivateDir(place.dir);
  try {
    const res = await ask(place.socket, { op: 'status' });
    if (res.ok && res.op === 'status') return res.status;
    throw new ResidentUnavailable(`the resident gate answered ${res.ok ? res.op : res.message} to a status request`);
  } catch (err) {
    if (err instanceof NotListening) return null;
    throw err;
  }
}

/** Stops the repository's resident gate; whether one was running. */
export async function stopResident(repoDir: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const place = residentPlace(requireWorkTree(repoDir), env);
  ensurePrivateDir(place.dir);
  return stopAt(place.socket);
}
