import { refusalIn } from './output-mode.js';
import { abortedCall, LlmError, type Exchange } from './types.js';

/** Parses Retry-After (delta seconds or an HTTP date) into ms. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/**
 * A `fetch` for the official SDKs that records the exact request body and the complete response
 * text of one exchange. Reading the body here also turns a truncated body (connection closed
 * before Content-Length) into a classified error instead of an SDK-specific one, and gives the
 * gateway the exact bytes it hashes and stores as the audit blob.
 */
export function capturingFetch(exchange: Exchange): typeof fetch {
  return async (input, init) => {
    const body = init?.body;
    if (typeof body === 'string') {
      try {
        exchange.request = JSON.parse(body);
      } catch {
        exchange.request = body;
      }
    }
    const res = await fetch(input, init);
    exchange.status = res.status;
    exchange.retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    exchange.onData?.();
    if (res.ok && res.body && (res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      // A streamed answer passes through as it arrives: every chunk is kept (an aborted call keeps
      // its partial output for the audit blob) and resets the gateway's idle timer.
      exchange.responseText = '';
      const decoder = new TextDecoder();
      const tee = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          exchange.responseText += decoder.decode(chunk, { stream: true });
          exchange.onData?.();
          controller.enqueue(chunk);
        },
      });
      return new Response(res.body.pipeThrough(tee), { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      // ended by the call's own signal (deadline, timeout, stage over): classified by that, not as a cut body
      if (init?.signal?.aborted) throw err;
      throw new LlmError(
        'truncated_response',
        `response body from ${res.url || 'provider'} ended early (HTTP ${res.status}): ${(err as Error).message}`,
        res.status,
      );
    }
    exchange.responseText = text;
    const headers = new Headers(res.headers);
    // the body is now decoded text; stale framing headers would confuse the SDK's reader
    headers.delete('content-length');
    headers.delete('content-encoding');
    headers.delete('transfer-encoding');
    return new Response(text, { status: res.status, statusText: res.statusText, headers });
  };
}

/** Maps a completed HTTP status to an error class (undefined for 2xx). */
export function classifyStatus(status: number, retryAfterMs: number | undefined, detail: string): LlmError | undefined {
  if (status >= 200 && status < 300) return undefined;
  const msg = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  // checked before the status classes: llama.cpp reports a missing --jinja as a 500
  const refused = refusalIn(status, detail);
  if (refused) return new LlmError('unsupported', msg, status, undefined, refused);
  if (status === 429) return new LlmError('rate_limited', msg, status, retryAfterMs);
  if (status === 408) return new LlmError('timeout', msg, status, retryAfterMs);
  if (status >= 500) return new LlmError('server_error', msg, status, retryAfterMs);
  if (status === 401 || status === 403) return new LlmError('auth', msg, status);
  return new LlmError('bad_request', msg, status);
}

/** A short, secret-free detail from an error body (provider error JSON message or first chars). */
export function errorDetail(text: string | undefined): string {
  if (!text) return '';
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const m = typeof j.error === 'object' && j.error ? j.error.message : typeof j.error === 'string' ? j.error : j.message;
    if (typeof m === 'string') return m.slice(0, 300);
    if (typeof j.detail === 'string') return j.detail.slice(0, 300);
  } catch {
    // not JSON
  }
  return text.slice(0, 120).replace(/\s+/g, ' ');
}

/**
 * A streamed answer the call's signal ended before its end (an SDK ends the iteration quietly when
 * its signal aborts). Thrown as no LlmError, so classifyFailure decides by which signal fired:
 * the per-call deadline is a `timeout`, the stage or run ending is `aborted`.
 */
export class StreamCut extends Error {
  constructor() {
    super("streamed answer ended by the call's signal before its end");
    this.name = 'StreamCut';
  }
}

/**
 * Classifies whatever an SDK call threw, using what the capture saw first (status, body) and the
 * abort reason second, so the class does not depend on SDK error types.
 */
export function classifyFailure(err: unknown, exchange: Exchange, signal: AbortSignal, timedOut: boolean): LlmError {
  if (err instanceof LlmError) return err;
  // SDKs wrap what our fetch threw (e.g. a truncated body) as a connection error's cause
  const inner = (err as { cause?: unknown })?.cause;
  if (inner instanceof LlmError) return inner;
  if (exchange.status !== undefined) {
    const byStatus = classifyStatus(exchange.status, exchange.retryAfterMs, errorDetail(exchange.responseText));
    if (byStatus) return byStatus;
  }
  // a good status whose body the call's own signal cut is a timeout or an abort, not a malformed body
  if (timedOut) return new LlmError('timeout', 'provider did not answer within the per-call timeout');
  if (signal.aborted) return abortedCall();
  if (exchange.status !== undefined && exchange.responseText !== undefined) {
    return new LlmError(
      'malformed_response',
      `malformed response body (HTTP ${exchange.status}): ${(err as Error)?.message ?? String(err)}`.slice(0, 300),
      exchange.status,
    );
  }
  const cause = (err as { cause?: { message?: string; code?: string } })?.cause;
  return new LlmError('network', `cannot reach provider: ${cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err)}`.slice(0, 300));
}
