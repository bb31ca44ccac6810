import type { ChatMessage, CompletionParams, CompletionResult, OutputMode, ToolSpec } from '../protocol/completion.js';

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
  | 'aborted'
  /** The returned model is not the requested one and provider.pin_model = "fail". */
  | 'model_mismatch'
  /** The server refused a feature (tools, tool_choice, response_format, a parameter): the call is re-shaped, not retried. */
  | 'unsupported';

const RETRYABLE: ReadonlySet<LlmErrorClass> = new Set(['rate_limited', 'server_error', 'timeout', 'network', 'truncated_response', 'malformed_response']);

export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    readonly errorClass: LlmErrorClass,
    message: string,
    readonly status?: number,
    /** Retry-After of the response in ms, when it sent one. */
    readonly retryAfterMs?: number,
    /** For 'unsupported': what the server refused, so the gateway can send the call another way. */
    readonly refused?: Refusal,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.errorClass);
  }
}

/** A call ended by its signal: the stage's or the run's deadline passed, or its stage is over (answered, failed, worker gone). */
export const abortedCall = (): LlmError => new LlmError('aborted', 'call aborted (stage or run deadline, or its stage is over)');

/** A feature a server refused, read from its error body (see output-mode.ts). */
export type Refusal = 'tools' | 'tool_choice' | 'response_format' | 'max_tokens' | 'temperature' | 'top_p' | 'seed' | 'reasoning_effort';

/**
 * How calls to one provider and model are shaped: learned from the provider's defaults for the
 * model, the configuration, and the server's refusals during the run.
 */
export interface CallShape {
  mode: OutputMode;
  /** Force the hand-in with tool_choice (tools mode). */
  forceToolChoice: boolean;
  /** Send the output cap as max_completion_tokens (OpenAI reasoning models) instead of max_tokens. */
  maxCompletionTokens: boolean;
  /** Send the configured temperature (reasoning models accept only their default). */
  sendTemperature: boolean;
  /** Send the configured top_p (OpenAI reasoning models refuse it). */
  sendTopP: boolean;
  /** Send the configured seed (dropped when a server refuses it). */
  sendSeed: boolean;
  /** OpenAI reasoning_effort, when configured and accepted. */
  reasoningEffort?: string;
}

/** The request as a provider adapter sends it: the worker's conversation shaped for the call's mode. */
export interface WireRequest {
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** Tools mode: 'required' = some tool must be called; a name = exactly that tool. */
  toolChoice?: 'required' | { name: string };
  /** json_schema mode: the answer must be one JSON object matching this schema. */
  responseSchema?: { name: string; schema: Record<string, unknown> };
  /** Which text of the system prompt is the same for every stage (prompt caching). */
  sharedSystemPrefix?: number;
}

/** One HTTP exchange as the provider adapter saw it, for hashing and the audit blob. */
export interface Exchange {
  /** The request body object sent (parsed JSON). */
  request: unknown;
  status?: number;
  /** Raw response body text, when one was read completely. */
  responseText?: string;
  retryAfterMs?: number;
  /** Called whenever a streamed response delivers data (the gateway's idle timer). */
  onData?: () => void;
}

/** A provider adapter: one attempt, no retries (the gateway owns retries). */
export interface Provider {
  readonly kind: string;
  /** Default model when neither topology nor config names one. */
  readonly defaultModel: string;
  /** Whether complete() streams the response (so an idle timeout applies). */
  readonly streams: boolean;
  /** How calls to this model start out (e.g. reasoning-model parameters, a capability check); the gateway merges it over its defaults. */
  initialShape?(model: string, signal: AbortSignal): Promise<Partial<CallShape>>;
  complete(req: WireRequest, params: CompletionParams, opts: CallOptions, exchange: Exchange): Promise<CompletionResult>;
  /** Sends a recorded wire request body again, unchanged (`bulwark replay`); absent = cannot replay. */
  resend?(body: Record<string, unknown>, opts: ResendOptions, exchange: Exchange): Promise<CompletionResult>;
}

export interface ResendOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** The recorded call streamed: re-send it streamed (the recorded output is the stream's events). */
  stream: boolean;
}

export interface CallOptions {
  signal: AbortSignal;
  timeoutMs: number;
  shape: CallShape;
}

/**
 * Anthropic's stop reasons, which Bedrock Converse shares, in the channel's terms: `end_turn` and
 * `stop_sequence` end the answer; anything unknown is `other`.
 */
export function stopReasonOf(reason: string | null | undefined): CompletionResult['stopReason'] {
  if (reason === 'tool_use') return 'tool_use';
  if (reason === 'end_turn' || reason === 'stop_sequence') return 'end';
  if (reason === 'max_tokens') return 'max_tokens';
  return 'other';
}
