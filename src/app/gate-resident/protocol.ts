import type { PreparedGate } from '../gate-finish.js';
import type { GateEvaluationFlags } from '../gate.js';

// One JSON line each way per connection (an evaluation's answer is preceded by an `accepted`
// line). Both ends are this user's processes, in a folder only this user can enter; each side
// still checks the shape of what it reads before it acts on it.

/** A request line is small (flags and digests); a longer one is refused unread. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** An answer carries the change's paths and the classifier's context, both bounded by the gate. */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

export type ResidentRequest =
  | {
      op: 'evaluate';
      build: string;
      fingerprint: string;
      /** The work tree's top the client found: the repository it asks about. */
      top: string;
      /** The client's folder, which relative paths of the flags are relative to. */
      cwd: string;
      /** As the user wrote them: the resident gate evaluates in `cwd`, so relative paths resolve, and errors name them, as in the client's own process. */
      flags: GateEvaluationFlags;
    }
  | { op: 'status' }
  | { op: 'stop' };

export interface ResidentStatus {
  pid: number;
  repo: string;
  build: string;
  fingerprint: string;
  startedAt: string;
  /** Evaluations answered. */
  served: number;
  idleSeconds: number;
  rssBytes: number;
  /** The highest resident set size since it started. */
  maxRssBytes: number;
}

export type ResidentResponse =
  | { ok: true; op: 'evaluate'; prepared: PreparedGate }
  | { ok: true; op: 'status'; status: ResidentStatus }
  | { ok: true; op: 'stop' }
  /** Another build, environment or repository: the client replaces this resident gate. */
  | { ok: false; kind: 'mismatch'; message: string }
  /** The resident gate will not evaluate this one (see the message); the client evaluates it. */
  | { ok: false; kind: 'declined'; message: string }
  /** The evaluation failed; exitCode when it was one of Bulwark's documented errors. */
  | { ok: false; kind: 'error'; message: string; exitCode?: number }
  | { ok: false; kind: 'bad-request'; message: string };

/**
 * What a resident gate sends first for an evaluation, as soon as it has read the request (before
 * it waits for an earlier evaluation or starts this one): it is alive and reading, and the
 * process the client may then watch while it waits for the answer.
 */
export interface ResidentAccepted {
  ok: true;
  op: 'accepted';
  pid: number;
}

/** A message that is not what its side of the protocol sends. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(o: Obj, name: string, check: (v: unknown) => v is T, what: string, where: string): T {
  const v = o[name];
  if (!check(v)) throw new ProtocolError(`${where}.${name}: expected ${what}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isOptString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';
const isAbsolute = (v: unknown): v is string => typeof v === 'string' && v.startsWith('/') && !v.includes('\0');
const isPath = (v: unknown): v is string => typeof v === 'string' && v !== '' && !v.includes('\0');
const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

function parseLine(line: string, where: string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ProtocolError(`${where}: not JSON`);
  }
  if (!isObj(v)) throw new ProtocolError(`${where}: not an object`);
  return v;
}

/** A client's request, checked; throws ProtocolError naming the first field that is wrong. */
export function parseRequest(line: string): ResidentRequest {
  const o = parseLine(line, 'request');
  const op = o.op;
  if (op === 'status' || op === 'stop') return { op };
  if (op !== 'evaluate') throw new ProtocolError(`request.op: expected evaluate, status or stop`);
  const f = field(o, 'flags', isObj, 'an object', 'request');
  const ref = (v: unknown): v is string | undefined => isOptString(v) && (v === undefined || (v !== '' && !v.startsWith('-') && !v.includes('\0')));
  const optPath = (v: unknown): v is string | undefined => v === undefined || isPath(v);
  const flags: GateEvaluationFlags = {
    repo: field(f, 'repo', isPath, 'a path', 'request.flags'),
    head: field(f, 'head', (v): v is string => isString(v) && ref(v), 'a revision', 'request.flags'),
    cache: field(f, 'cache', isBool, 'a boolean', 'request.flags'),
  };
  const base = field(f, 'base', ref, 'a revision', 'request.flags');
  const config = field(f, 'config', optPath, 'a path', 'request.flags');
  const cacheDir = field(f, 'cacheDir', optPath, 'a path', 'request.flags');
  if (base !== undefined) flags.base = base;
  if (config !== undefined) flags.config = config;
  if (cacheDir !== undefined) flags.cacheDir = cacheDir;
  return {
    op,
    build: field(o, 'build', isHex64, 'a build digest', 'request'),
    fingerprint: field(o, 'fingerprint', isHex64, 'an environment digest', 'request'),
    top: field(o, 'top', isAbsolute, 'an absolute path', 'request'),
    cwd: field(o, 'cwd', isAbsolute, 'an absolute path', 'request'),
    flags,
  };
}

/** The parts of a prepared decision the client acts on, checked before it renders or records them. */
function checkPrepared(v: unknown): PreparedGate {
  const where = 'response.prepared';
  if (!isObj(v)) throw new ProtocolError(`${where}: expected an object`);
  field(v, 'repo', isAbsolute, 'an absolute path', where);
  const config = field(v, 'config', isObj, 'an object', where);
  field(config, 'dir', isString, 'a path', `${where}.config`);
  const statics = field(v, 'statics', isObj, 'an object', where);
  field(statics, 'flagged', isBool, 'a boolean', `${where}.statics`);
  for (const name of ['base', 'head']) field(statics, name, isString, 'a commit', `${where}.statics`);
  for (const name of ['reasons', 'paths', 'changedFunctions', 'zones', 'readScope', 'unparsable', 'changedFiles', 'roots'])
    field(statics, name, isArray, 'an array', `${where}.statics`);
  const context = field(v, 'context', isObj, 'an object', where);
  for (const name of ['changed', 'callers', 'callees', 'otherChanges']) field(context, name, isArray, 'an array', `${where}.context`);
  const parsed = field(v, 'parsed', isObj, 'an object', where);
  const classifier = field(parsed, 'classifier', isObj, 'an object', `${where}.parsed`);
  field(classifier, 'enabled', isBool, 'a boolean', `${where}.parsed.classifier`);
  return v as unknown as PreparedGate;
}

function checkStatus(v: unknown): ResidentStatus {
  const where = 'response.status';
  if (!isObj(v)) throw new ProtocolError(`${where}: expected an object`);
  for (const name of ['pid', 'served', 'idleSeconds', 'rssBytes', 'maxRssBytes']) field(v, name, isInt, 'an integer', where);
  for (const name of ['repo', 'build', 'fingerprint', 'startedAt']) field(v, name, isString, 'a string', where);
  return v as unknown as ResidentStatus;
}

/** A resident gate's answer, checked; throws ProtocolError naming the first field that is wrong. */
export function parseResponse(line: string): ResidentResponse {
  return responseOf(parseLine(line, 'response'));
}

function responseOf(o: Obj): ResidentResponse {
  if (o.ok === true) {
    if (o.op === 'evaluate') return { ok: true, op: 'evaluate', prepared: checkPrepared(o.prepared) };
    if (o.op === 'status') return { ok: true, op: 'status', status: checkStatus(o.status) };
    if (o.op === 'stop') return { ok: true, op: 'stop' };
    throw new ProtocolError('response.op: expected evaluate, status or stop');
  }
  if (o.ok !== false) throw new ProtocolError('response.ok: expected a boolean');
  const message = field(o, 'message', isString, 'a string', 'response');
  if (o.kind === 'mismatch' || o.kind === 'bad-request' || o.kind === 'declined') return { ok: false, kind: o.kind, message };
  if (o.kind !== 'error') throw new ProtocolError('response.kind: expected mismatch, declined, error or bad-request');
  const exitCode = field(o, 'exitCode', (v): v is number | undefined => v === undefined || (isInt(v) && v >= 1 && v <= 6), 'an exit code', 'response');
  return exitCode === undefined ? { ok: false, kind: 'error', message } : { ok: false, kind: 'error', message, exitCode };
}

/** A resident gate's acknowledgement of an evaluation request, checked. */
export function parseAccepted(line: string): ResidentAccepted {
  return acceptedOf(parseLine(line, 'acknowledgement'));
}

function acceptedOf(o: Obj): ResidentAccepted {
  if (o.ok !== true || o.op !== 'accepted') throw new ProtocolError('acknowledgement: expected {"ok":true,"op":"accepted"}');
  const pid = field(o, 'pid', (v): v is number => isInt(v) && v > 1, 'a process id', 'acknowledgement');
  return { ok: true, op: 'accepted', pid };
}

/**
 * The first line a resident gate sends for an evaluation: its acknowledgement, or an answer (a
 * resident gate of an earlier build answers without acknowledging: a mismatch, or a bad request
 * when it cannot read this build's request; the client replaces it either way).
 */
export function parseFirstLine(line: string): ResidentAccepted | ResidentResponse {
  const o = parseLine(line, 'response');
  return o.op === 'accepted' ? acceptedOf(o) : responseOf(o);
}
