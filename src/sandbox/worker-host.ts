/**
 * Parent side of a sandboxed worker: starts a Node script through the sandbox launcher with
 * exactly one extra fd (3, a Unix socketpair end created by Node for `stdio[3] = 'pipe'`) and
 * serves JSON-lines RPC on it. The worker is the adversary: every request is validated, unknown
 * methods are refused, and any framing violation closes the channel and kills the worker.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type net from 'node:net';
import type { z } from 'zod';
import { EgressBroker, type EgressEvent, type Resolver } from './egress-broker.js';
import { spawnSandboxed } from './launcher.js';
import type { SandboxPolicy } from './policy.js';
import { clipText, type EntryInput } from '../domain/audit-entries.js';
import { UsageError } from '../domain/errors.js';
import { stripTerminalControls } from '../domain/untrusted.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  RpcError,
  RpcErrorCode,
  RpcPeer,
  RpcProtocolError,
  RpcRefusal,
  RpcRejectedLimitError,
  type MethodHandler,
} from '../protocol/rpc.js';

export interface SpawnResult {
  child: ChildProcess;
  degraded: string[];
  /** SIGKILL everything the worker started (its process group). */
  kill?(): void;
  /** True once the policy's wall-clock timeout killed the worker. */
  timedOut?(): boolean;
}
/** How the worker process is started: the real launcher by default; tests inject a plain spawner. */
export type SandboxSpawner = (
  policy: SandboxPolicy,
  command: string,
  args: string[],
  opts: { stdio: StdioOptions; keepFds: number[] },
) => SpawnResult | Promise<SpawnResult>;

export type WorkerEvent =
  | EgressEvent
  | { type: 'sandbox_degraded'; layers: string[] }
  /**
   * Requests the parent refused (unknown method, invalid params), reported once as a tally: when
   * the stage's output is accepted or the channel closes. `method`/`reason` are the first one's.
   */
  | { type: 'rejected_request'; method: string; reason: string; count?: number; methods?: string[] }
  | { type: 'protocol_violation'; reason: string }
  /** The kernel or the launcher stopped the worker (seccomp kill, rlimit, timeout). */
  | { type: 'sandbox_denial'; layer: 'seccomp' | 'rlimit' | 'launcher'; operation: string; detail: string }
  | { type: 'worker_exit'; code: number | null; signal: NodeJS.Signals | null };

export interface StartWorkerOptions {
  /** Absolute path of the worker's entry script (compiled JS). */
  script: string;
  args?: string[];
  /** Build it with `runtimePolicy({...})` (src/sandbox/policy.ts): the worker's code is then readable. */
  policy: SandboxPolicy;
  /** method name → { params: zod schema, handle(params) }. `egress.fetch` is reserved for the broker. */
  handlers?: Record<string, MethodHandler>;
  maxMessageBytes?: number;
  onEvent?: (event: WorkerEvent) => void;
  /** Egress broker tuning (the endpoints always come from the policy). */
  egress?: { resolver?: Resolver; maxResponseBytes?: number; timeoutMs?: number; ca?: string | string[] };
  /** How to start the process; defaults to the real launcher (`spawnSandboxed`). Tests inject a plain spawner. */
  spawn?: SandboxSpawner;
  /** Node executable to run the script with (default: this process's). */
  nodePath?: string;
  /** Extra Node flags placed before the script. */
  nodeArgs?: string[];
}

export interface WorkerHandle {
  request(method: string, params?: unknown): Promise<unknown>;
  /** Serve another method after start (same validation as `handlers`). */
  handle<S extends z.ZodType>(method: string, schema: S, fn: (params: z.infer<S>) => unknown): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
  /** Close the channel; a well-behaved worker exits when it sees EOF. */
  close(): void;
  /** Emit the tally of rejected requests not reported yet (one `rejected_request` event, if any). */
  reportRejections(): void;
  readonly degraded: string[];
  readonly pid: number | undefined;
  /** The last bytes the worker wrote to stdout / stderr (untrusted text; capped; terminal escapes and control characters other than \n and \t removed). */
  stdout(): string;
  stderr(): string;
}

const OUTPUT_TAIL_BYTES = 64 * 1024;
/**
 * Requests from one worker the parent handles at once; the next is answered Overloaded without
 * running. Each one may hold a git process or a model call in the parent.
 */
export const WORKER_MAX_IN_FLIGHT = 8;
/**
 * Rejected requests (unknown method, invalid params, and requests a handler refuses: denied egress,
 * a second model call while one runs) after which the worker is killed as a protocol violation. A
 * correct worker sends none; the limit keeps a flood from costing the parent more than this many
 * replies, and the log more than this many entries (denied egress requests are recorded one by one
 * up to it) plus the one that records the kill.
 */
export const WORKER_MAX_REJECTED = 32;
/** Distinct method names kept for the rejected-requests entry. */
const REJECTED_METHODS_KEPT = 8;

/** What an exit signal says about the sandbox having stopped the worker. */
function exitDenial(
  signal: NodeJS.Signals | null,
  timedOut: boolean,
): { layer: 'seccomp' | 'rlimit' | 'launcher'; operation: string; detail: string } | undefined {
  if (timedOut) return { layer: 'launcher', operation: 'timeout', detail: 'the policy timeout expired; the process group was killed' };
  if (signal === 'SIGSYS') return { layer: 'seccomp', operation: 'killed', detail: 'a system call from a foreign ABI (32-bit or x32) killed the worker' };
  if (signal === 'SIGXCPU') return { layer: 'rlimit', operation: 'cpu_limit', detail: 'RLIMIT_CPU exceeded' };
  if (signal === 'SIGXFSZ') return { layer: 'rlimit', operation: 'file_size_limit', detail: 'RLIMIT_FSIZE exceeded' };
  return undefined;
}
const RESERVED_METHODS = new Set(['egress.fetch']);

function tailCollector(stream: NodeJS.ReadableStream | null | undefined): () => string {
  let chunks: Buffer[] = [];
  let size = 0;
  stream?.on('data', (c: Buffer) => {
    chunks.push(c);
    size += c.length;
    while (size > OUTPUT_TAIL_BYTES && chunks.length > 1) size -= chunks.shift()!.length;
  });
  return () => {
    const all = Buffer.concat(chunks);
    chunks = [all];
    // the worker wrote it: whoever prints or records it gets no escape sequences
    return stripTerminalControls(all.subarray(Math.max(0, all.length - OUTPUT_TAIL_BYTES)).toString('utf8'));
  };
}

/**
 * Start a sandboxed Node worker and serve RPC on its channel. Resolves once the process exists
 * (the worker may still be starting; requests sent meanwhile wait in the socket).
 */
export async function startSandboxedWorker(opts: StartWorkerOptions): Promise<WorkerHandle> {
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const emit = (e: WorkerEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // An observer's failure must not take the channel down with it.
    }
  };
  if (!path.isAbsolute(opts.script) || !existsSync(opts.script)) {
    throw new UsageError(`worker script ${opts.script} ${path.isAbsolute(opts.script) ? 'does not exist' : 'is not an absolute path'}`);
  }
  for (const name of Object.keys(opts.handlers ?? {})) {
    if (RESERVED_METHODS.has(name)) throw new TypeError(`${name} is served by the egress broker and cannot be overridden`);
  }

  const spawn: SandboxSpawner = opts.spawn ?? spawnSandboxed;
  const spawned = await spawn(opts.policy, opts.nodePath ?? process.execPath, [...(opts.nodeArgs ?? []), opts.script, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    keepFds: [3],
  });
  const { child, degraded } = spawned;
  if (degraded.length > 0) emit({ type: 'sandbox_degraded', layers: [...degraded] });

  const socket = child.stdio[3] as net.Socket | null | undefined;
  if (!socket) {
    child.kill('SIGKILL');
    throw new Error('sandbox spawner did not create the fd-3 channel');
  }
  const stdout = tailCollector(child.stdout);
  const stderr = tailCollector(child.stderr);

  const killTree = () => {
    if (spawned.kill) {
      spawned.kill();
      return;
    }
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    // The launcher makes the worker a session/process-group leader (setsid): kill the group so
    // nothing the worker forked outlives it. Fall back to the single pid when there is no group.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  // Rejections are tallied and recorded as one entry, never one entry per request: the worker
  // decides how many it sends, and each entry is a signed write in the audit log.
  let tally: { count: number; method: string; reason: string; methods: string[] } | undefined;
  // every refusal, recorded one by one or not: named in the entry that records the kill
  let refused: { first: string; methods: string[] } | undefined;
  const reportRejections = (): void => {
    if (!tally) return;
    const t = tally;
    tally = undefined;
    emit({ type: 'rejected_request', method: t.method, reason: t.reason, count: t.count, methods: t.methods });
  };
  const onRejected = (info: { method: string; reason: string; reported?: boolean }): void => {
    refused ??= { first: `${info.method}: ${info.reason}`, methods: [] };
    if (refused.methods.length < REJECTED_METHODS_KEPT && !refused.methods.includes(info.method)) refused.methods.push(info.method);
    if (info.reported) return;
    tally ??= { count: 0, method: info.method, reason: info.reason, methods: [] };
    tally.count++;
    if (tally.methods.length < REJECTED_METHODS_KEPT && !tally.methods.includes(info.method)) tally.methods.push(info.method);
  };

  let closingLocally = false;
  const peer = new RpcPeer({
    maxMessageBytes,
    maxPendingInbound: WORKER_MAX_IN_FLIGHT,
    maxRejected: WORKER_MAX_REJECTED,
    send: (line) => {
      if (socket.destroyed) return;
      // A worker that floods requests but never reads the replies would make us buffer without
      // bound: past a few messages' worth of unread output it is cut off.
      if (socket.writableLength > 4 * maxMessageBytes) {
        peer.close(new RpcProtocolError('the worker is not reading its channel'));
        return;
      }
      socket.write(line);
    },
    close: (reason) => {
      if (reason instanceof RpcRejectedLimitError && refused) {
        // one entry: the violation carries the tally
        tally = undefined;
        emit({ type: 'protocol_violation', reason: `${reason.message}; methods: ${refused.methods.join(', ')}; first: ${refused.first}` });
        killTree();
        socket.destroy();
        return;
      }
      reportRejections();
      if (reason instanceof RpcProtocolError && !closingLocally) {
        emit({ type: 'protocol_violation', reason: reason.message });
        killTree();
        socket.destroy();
      } else socket.end();
    },
    onRejected,
  });

  for (const [name, h] of Object.entries(opts.handlers ?? {})) peer.handle(name, h.params, (p) => h.handle(p));
  let egressDenials = 0;
  const broker = new EgressBroker({
    endpoints: opts.policy.endpoints,
    resolver: opts.egress?.resolver,
    // Base64 grows 4/3; keep the whole reply inside one channel message.
    maxResponseBytes: Math.min(opts.egress?.maxResponseBytes ?? Infinity, Math.floor(((maxMessageBytes - Math.min(64 * 1024, maxMessageBytes / 4)) * 3) / 4)),
    timeoutMs: opts.egress?.timeoutMs,
    ca: opts.egress?.ca,
    onEvent: (e) => {
      if (e.decision === 'deny') {
        // one entry per denial up to the limit; past it the kill's entry speaks for the rest
        if (peer.closed || egressDenials >= WORKER_MAX_REJECTED) return;
        egressDenials++;
      }
      emit(e);
    },
  });
  peer.handle('egress.fetch', broker.handler.params, async (p) => {
    try {
      return await broker.fetch(p);
    } catch (err) {
      // a denial counts toward the rejected-request limit (its egress entry is its record)
      if (err instanceof RpcError && err.code === RpcErrorCode.EgressDenied) throw new RpcRefusal(err.code, err.message, { reported: true });
      throw err;
    }
  });

  socket.on('data', (chunk: Buffer) => peer.receive(chunk));
  socket.on('error', (err) => peer.end(new RpcProtocolError(`channel error: ${err.message}`)));
  socket.on('close', () => peer.end());

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const done = async (code: number | null, signal: NodeJS.Signals | null) => {
      // Bytes the worker wrote just before exiting may still be in the socket: read them before the
      // channel is declared dead (bounded wait, in case something else still holds the other end).
      if (!socket.destroyed) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, 2000);
          socket.once('close', () => {
            clearTimeout(t);
            r();
          });
        });
        socket.destroy();
      }
      peer.end(new RpcProtocolError(`worker exited (${signal ?? `code ${code}`})`));
      reportRejections();
      const denial = exitDenial(signal, spawned.timedOut?.() ?? false);
      if (denial) emit({ type: 'sandbox_denial', ...denial });
      emit({ type: 'worker_exit', code, signal });
      resolve({ code, signal });
    };
    if (child.exitCode !== null || child.signalCode !== null) void done(child.exitCode, child.signalCode);
    else child.once('exit', (code, signal) => void done(code, signal));
  });
  child.on('error', (err) => peer.end(err));

  return {
    request: (method, params) => peer.request(method, params),
    handle: (method, schema, fn) => {
      if (RESERVED_METHODS.has(method)) throw new TypeError(`${method} is served by the egress broker`);
      peer.handle(method, schema, fn);
    },
    exited,
    kill: killTree,
    close: () => {
      closingLocally = true;
      peer.close();
    },
    reportRejections,
    degraded: [...degraded],
    pid: child.pid,
    stdout,
    stderr,
  };
}

/**
 * The audit entry (src/audit/entries.ts) that records a worker event, or undefined for events that
 * are not audit facts (a normal exit). Callers append it: `audit.append(workerEventToAuditEntry(e, ctx))`.
 */
export function workerEventToAuditEntry(event: WorkerEvent, ctx: { runId?: string; stage?: string } = {}): EntryInput | undefined {
  const where = { ...(ctx.runId ? { run_id: ctx.runId } : {}), ...(ctx.stage ? { stage: ctx.stage } : {}) };
  const clip = clipText;
  switch (event.type) {
    case 'egress':
      return {
        kind: 'egress',
        ...where,
        host: event.host || '(invalid URL)',
        port: event.port,
        method: event.method,
        ...(event.path !== undefined ? { path: clip(event.path) } : {}),
        decision: event.decision,
        ...(event.reason || event.error ? { reason: clip(event.reason ?? event.error ?? '') } : {}),
        ...(event.status !== undefined ? { status: event.status } : {}),
        ...(event.bytesOut !== undefined ? { bytes_out: event.bytesOut } : {}),
        ...(event.bytes !== undefined ? { bytes_in: event.bytes } : {}),
      };
    case 'protocol_violation':
      return { kind: 'sandbox_denial', ...where, layer: 'channel', operation: 'protocol_violation', detail: clip(event.reason) };
    case 'rejected_request': {
      const count = event.count ?? 1;
      return {
        kind: 'sandbox_denial',
        ...where,
        layer: 'channel',
        operation: 'rejected_request',
        target: clip((event.methods ?? [event.method]).join(', ')),
        detail: clip(count === 1 ? event.reason : `${count} rejected requests; first: ${event.method}: ${event.reason}`),
      };
    }
    case 'sandbox_degraded':
      return { kind: 'sandbox_denial', ...where, layer: 'launcher', operation: 'degraded', detail: clip(event.layers.join('; ')) };
    case 'sandbox_denial':
      return { kind: 'sandbox_denial', ...where, layer: event.layer, operation: event.operation, detail: clip(event.detail) };
    case 'worker_exit':
      return undefined;
  }
}
