/**
 * JSON-lines RPC over the single inherited fd between the orchestrator and a sandboxed worker.
 *
 * Pure core: framing with a hard per-message byte cap, envelope validation, and a transport-
 * agnostic peer that both sides use (the parent in worker-host.ts, the worker in
 * src/worker/channel.ts). The peer never touches I/O itself: it is given `send` and `close`.
 *
 * Wire format, one JSON object per line, in both directions:
 *   request  {"id": <int>, "method": "<name>", "params": <any>}
 *   response {"id": <int>, "result": <any>}   or   {"id": <int>, "error": {"code": <int>, "message": "<text>"}}
 * The parent treats the worker as the adversary: any malformed or oversize line, unknown
 * envelope field, or response to an id it never sent closes the channel.
 */
import { z } from 'zod';

export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Requests one side may have outstanding at the other before it is cut off (resource bound). */
export const DEFAULT_MAX_PENDING_INBOUND = 64;

/** Error codes carried in `error.code` (JSON-RPC 2.0 numbering where one exists). */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** The handler ran and refused or failed (e.g. an egress request the broker denied). */
  HandlerFailed: -32000,
  EgressDenied: -32001,
  /** Too many concurrent requests from the peer. */
  Overloaded: -32002,
} as const;

/** A failure the remote side reported, or a local protocol failure. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/**
 * A handler's refusal of a request the peer should not have made (a denied egress request, a second
 * model call while one runs): answered like any error, and counted with the rejected requests
 * toward `maxRejected`, so a peer cannot repeat it without bound. `reported`: the handler has
 * recorded this refusal itself, so the rejection callback need not tally it again.
 */
export class RpcRefusal extends RpcError {
  readonly reported: boolean;
  constructor(code: number, message: string, opts: { reported?: boolean } = {}) {
    super(code, message);
    this.name = 'RpcRefusal';
    this.reported = opts.reported ?? false;
  }
}

/** The channel itself is broken (peer violated the protocol, or it closed); fatal for the peer. */
export class RpcProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcProtocolError';
  }
}

/** The peer sent more rejected requests (unknown method, invalid params, refused) than it is allowed. */
export class RpcRejectedLimitError extends RpcProtocolError {
  constructor(readonly count: number) {
    super(`${count} rejected requests (unknown method, invalid params or refused): the peer is not speaking the protocol`);
    this.name = 'RpcRejectedLimitError';
  }
}

const idSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const methodSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'method names are [A-Za-z][A-Za-z0-9_.-]*');

const requestEnvelope = z.strictObject({ id: idSchema, method: methodSchema, params: z.unknown().optional() });
const resultEnvelope = z.strictObject({ id: idSchema, result: z.unknown() });
const errorEnvelope = z.strictObject({
  id: idSchema,
  error: z.strictObject({ code: z.number().int(), message: z.string().max(8192) }),
});

export type RpcRequest = z.infer<typeof requestEnvelope>;
export type RpcResult = { id: number; result: unknown };
export type RpcErrorReply = z.infer<typeof errorEnvelope>;
export type RpcMessage = { type: 'request'; msg: RpcRequest } | { type: 'result'; msg: RpcResult } | { type: 'error'; msg: RpcErrorReply };

/** Parse and validate one line. Throws RpcProtocolError naming what is wrong. */
export function parseMessage(line: string): RpcMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RpcProtocolError('malformed JSON line');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RpcProtocolError('message is not a JSON object');
  }
  if ('method' in value) {
    const r = requestEnvelope.safeParse(value);
    if (!r.success) throw new RpcProtocolError(`invalid request envelope: ${firstIssue(r.error)}`);
    return { type: 'request', msg: r.data };
  }
  if ('error' in value) {
    const r = errorEnvelope.safeParse(value);
    if (!r.success) throw new RpcProtocolError(`invalid error envelope: ${firstIssue(r.error)}`);
    return { type: 'error', msg: r.data };
  }
  if ('result' in value) {
    const r = resultEnvelope.safeParse(value);
    if (!r.success) throw new RpcProtocolError(`invalid result envelope: ${firstIssue(r.error)}`);
    return { type: 'result', msg: r.data };
  }
  throw new RpcProtocolError('message is neither a request nor a response');
}

/** Serialize one message as a line; throws RangeError when it would exceed the cap. */
export function encodeMessage(msg: RpcRequest | RpcResult | RpcErrorReply, maxBytes: number): Buffer {
  const text = JSON.stringify(msg);
  if (text === undefined) throw new TypeError('message is not JSON-serializable');
  const buf = Buffer.from(text + '\n', 'utf8');
  if (buf.length > maxBytes) {
    throw new RangeError(`message of ${buf.length} bytes exceeds the ${maxBytes}-byte channel cap`);
  }
  return buf;
}

function firstIssue(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return 'invalid';
  return `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`;
}

/**
 * Splits a byte stream into lines, enforcing the cap on each line *before* its newline arrives,
 * so a peer can never make us buffer more than maxBytes.
 */
export class LineDecoder {
  private chunks: Buffer[] = [];
  private pending = 0;

  constructor(private readonly maxBytes: number) {}

  /** Returns the complete lines in `chunk` (without '\n'); throws RpcProtocolError on oversize. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      const partLen = nl - start;
      if (this.pending + partLen + 1 > this.maxBytes) throw this.oversize();
      this.chunks.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.chunks).toString('utf8');
      this.chunks = [];
      this.pending = 0;
      lines.push(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      // +1: the newline that must still follow counts against the cap too.
      if (this.pending + rest.length + 1 > this.maxBytes) throw this.oversize();
      this.chunks.push(Buffer.from(rest));
      this.pending += rest.length;
    }
    return lines;
  }

  /** Bytes of an unterminated line still buffered (a peer that ends mid-line sent garbage). */
  get buffered(): number {
    return this.pending;
  }

  private oversize(): RpcProtocolError {
    return new RpcProtocolError(`message exceeds the ${this.maxBytes}-byte channel cap`);
  }
}

/** One method a peer serves: params are validated by `params` before `handle` sees them. */
export interface MethodHandler<S extends z.ZodType = z.ZodType> {
  params: S;
  /** May return a promise; the peer awaits it. */
  handle(params: z.infer<S>): unknown;
}
export type HandlerMap = Record<string, MethodHandler>;

export interface RpcPeerOptions {
  /** Write one encoded line to the transport. */
  send(line: Buffer): void;
  /** Tear the transport down; called once, on the first protocol failure or local close. */
  close(reason: Error): void;
  maxMessageBytes?: number;
  /** Requests from the peer being handled at once; one more is answered Overloaded (not run). */
  maxPendingInbound?: number;
  /**
   * Rejected requests (unknown method, invalid params) tolerated from the peer; the one that
   * reaches this number closes the channel with RpcRejectedLimitError. Unset = no limit.
   */
  maxRejected?: number;
  /**
   * Called when a request arrives for a method nobody serves, with invalid params, or is refused by
   * its handler (RpcRefusal; `reported` when the handler recorded it already), for audit.
   */
  onRejected?(info: { method: string; reason: string; reported?: boolean }): void;
}

/**
 * A symmetric JSON-lines RPC peer. Feed it bytes with `receive`; it dispatches requests to
 * handlers (validated with zod) and resolves its own outstanding requests with responses.
 */
export class RpcPeer {
  private readonly handlers = new Map<string, MethodHandler>();
  private readonly outstanding = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly decoder: LineDecoder;
  private readonly maxBytes: number;
  private readonly maxPendingInbound: number;
  private nextId = 1;
  private inbound = 0;
  private rejected = 0;
  private closedWith: Error | undefined;

  constructor(private readonly opts: RpcPeerOptions) {
    this.maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxPendingInbound = opts.maxPendingInbound ?? DEFAULT_MAX_PENDING_INBOUND;
    this.decoder = new LineDecoder(this.maxBytes);
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  handle<S extends z.ZodType>(method: string, params: S, fn: (params: z.infer<S>) => unknown): void {
    if (!methodSchema.safeParse(method).success) throw new TypeError(`invalid RPC method name: ${method}`);
    this.handlers.set(method, { params, handle: fn });
  }

  request(method: string, params?: unknown): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (!methodSchema.safeParse(method).success) return Promise.reject(new TypeError(`invalid RPC method name: ${method}`));
    const id = this.nextId++;
    let line: Buffer;
    try {
      line = encodeMessage(params === undefined ? { id, method } : { id, method, params }, this.maxBytes);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.outstanding.set(id, { resolve, reject });
      this.opts.send(line);
    });
  }

  /** Feed bytes from the transport. Any protocol violation closes the peer. */
  receive(chunk: Buffer): void {
    if (this.closedWith) return;
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    for (const line of lines) {
      if (this.closedWith) return;
      let message: RpcMessage;
      try {
        message = parseMessage(line);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      if (message.type === 'request') this.dispatch(message.msg);
      else this.settle(message);
    }
  }

  /** The transport ended (EOF or error): reject everything outstanding. */
  end(reason?: Error): void {
    if (this.closedWith) return;
    const err =
      reason ?? (this.decoder.buffered > 0 ? new RpcProtocolError('channel closed in the middle of a message') : new RpcProtocolError('channel closed'));
    this.shutdown(err, false);
  }

  /** Close locally (e.g. the parent is done with the worker). */
  close(reason: Error = new RpcProtocolError('channel closed')): void {
    if (this.closedWith) return;
    this.shutdown(reason, true);
  }

  private fail(err: Error): void {
    this.shutdown(err instanceof RpcProtocolError ? err : new RpcProtocolError(err.message), true);
  }

  private shutdown(err: Error, closeTransport: boolean): void {
    this.closedWith = err;
    for (const { reject } of this.outstanding.values()) reject(err);
    this.outstanding.clear();
    if (closeTransport) this.opts.close(err);
  }

  private settle(message: Exclude<RpcMessage, { type: 'request' }>): void {
    const waiter = this.outstanding.get(message.msg.id);
    if (!waiter) {
      this.fail(new RpcProtocolError(`response for unknown request id ${message.msg.id}`));
      return;
    }
    this.outstanding.delete(message.msg.id);
    if (message.type === 'result') waiter.resolve(message.msg.result);
    else waiter.reject(new RpcError(message.msg.error.code, message.msg.error.message));
  }

  /** Counts a rejected request; true when it was one too many and the channel is now closed. */
  private overRejectLimit(method: string, reason: string, reported = false): boolean {
    this.opts.onRejected?.({ method, reason, ...(reported ? { reported } : {}) });
    this.rejected++;
    const limit = this.opts.maxRejected;
    if (limit === undefined || this.rejected < limit) return false;
    this.fail(new RpcRejectedLimitError(this.rejected));
    return true;
  }

  private dispatch(req: RpcRequest): void {
    const handler = this.handlers.get(req.method);
    if (!handler) {
      if (this.overRejectLimit(req.method, 'unknown method')) return;
      this.reply({ id: req.id, error: { code: RpcErrorCode.MethodNotFound, message: `unknown method: ${req.method}` } });
      return;
    }
    const parsed = handler.params.safeParse(req.params);
    if (!parsed.success) {
      const reason = `invalid params: ${firstIssue(parsed.error)}`;
      if (this.overRejectLimit(req.method, reason)) return;
      this.reply({ id: req.id, error: { code: RpcErrorCode.InvalidParams, message: `${req.method}: ${reason}` } });
      return;
    }
    if (this.inbound >= this.maxPendingInbound) {
      this.reply({ id: req.id, error: { code: RpcErrorCode.Overloaded, message: `too many concurrent requests (at most ${this.maxPendingInbound} at once)` } });
      return;
    }
    this.inbound++;
    Promise.resolve()
      .then(() => handler.handle(parsed.data))
      .then(
        (result) => this.reply({ id: req.id, result: result === undefined ? null : result }),
        (err: unknown) => {
          if (err instanceof RpcRefusal && this.overRejectLimit(req.method, err.message, err.reported)) return;
          const code = err instanceof RpcError ? err.code : RpcErrorCode.HandlerFailed;
          const message = err instanceof Error ? err.message : String(err);
          this.reply({ id: req.id, error: { code, message: message.slice(0, 2000) } });
        },
      )
      .finally(() => {
        this.inbound--;
      });
  }

  private reply(msg: RpcResult | RpcErrorReply): void {
    if (this.closedWith) return;
    let line: Buffer;
    try {
      line = encodeMessage(msg, this.maxBytes);
    } catch (e) {
      line = encodeMessage({ id: msg.id, error: { code: RpcErrorCode.Internal, message: (e as Error).message.slice(0, 2000) } }, this.maxBytes);
    }
    this.opts.send(line);
  }
}
