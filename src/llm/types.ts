import type { CompletionParams, CompletionRequest, CompletionResult } from '../protocol/completion.js';

// The conversation shapes cross the worker channel and live in protocol/; the gateway's own types follow.
export * from '../protocol/completion.js';

/** Classes of failure recorded in the audit log and used for retry decisions. */
export type LlmErrorClass =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'truncated_response'
  | 'malformed_response'
  | 'auth'
  | 'bad_request'
  | 'budget_exceeded'
  | 'model_mismatch'
  | 'aborted';

const RETRYABLE: ReadonlySet<LlmErrorClass> = new Set(['rate_limited', 'server_error', 'timeout', 'network', 'truncated_response', 'malformed_response']);

export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    readonly errorClass: LlmErrorClass,
    message: string,
    readonly status?: number,
    /** Retry-After of the response in ms, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.errorClass);
  }
}

/** One HTTP exchange as the provider adapter saw it, for hashing and the audit blob. */
export interface Exchange {
  /** The request body object sent (parsed JSON). */
  request: unknown;
  status?: number;
  /** Raw response body text, when one was read completely. */
  responseText?: string;
  retryAfterMs?: number;
}

/** A provider adapter: one attempt, no retries (the gateway owns retries). */
export interface Provider {
  readonly kind: string;
  /** Default model when neither topology nor config names one. */
  readonly defaultModel: string;
  complete(req: CompletionRequest, params: CompletionParams, opts: { signal: AbortSignal; timeoutMs: number }, exchange: Exchange): Promise<CompletionResult>;
  /** Sends a recorded wire request body again, unchanged (`bulwark replay`); absent = cannot replay. */
  resend?(body: Record<string, unknown>, opts: { signal: AbortSignal; timeoutMs: number }, exchange: Exchange): Promise<CompletionResult>;
}
