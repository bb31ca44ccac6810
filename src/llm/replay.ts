import { createTwoFilesPatch } from 'diff';
import { canonicalJson } from '../domain/canonical-json.js';
import type { EntryInput } from '../domain/audit-entries.js';
import type { AuditSink } from './gateway.js';
import { requestHash, sha256Ref } from './gateway.js';
import { classifyFailure } from './http-capture.js';
import { normalizeReturnedModel, modelMatches } from './model-pin.js';
import { paramsOfBody } from './sent-params.js';
import { LlmError, type CompletionResult, type Exchange, type Provider } from './types.js';

/**
 * Re-sending a recorded model call (`bulwark replay`) and comparing what comes back with what was
 * recorded. The request body is sent exactly as recorded (model, sampling parameters, messages,
 * tools); the comparison is of the model's output — its text and tool calls (names and
 * arguments) — because a response body also carries ids and timestamps that differ on every call.
 */

/** What an llm_call's audit blob holds (see LlmGateway): the wire request and the raw response. */
export interface RecordedBlob {
  provider: string;
  /** The call streamed: the response body is its events as received. */
  stream?: boolean;
  request: Record<string, unknown>;
  response: { status: number | null; body: string | null };
}

export function parseRecordedBlob(text: string): RecordedBlob {
  const v = JSON.parse(text) as Partial<RecordedBlob>;
  if (!v || typeof v !== 'object' || typeof v.provider !== 'string' || !v.request || typeof v.request !== 'object' || !v.response)
    throw new Error('not an llm_call blob (provider, request, response expected)');
  return v as RecordedBlob;
}

/** Whether a recorded call streamed (its request said so, or the gateway marked the blob: Converse has no stream field). */
export function wasStreamed(blob: RecordedBlob): boolean {
  return blob.stream === true || blob.request.stream === true;
}

/**
 * The provider-neutral output of a recorded response body of `kind` — a whole JSON body, or for a
 * streamed call the events as received, folded as the live call folded them; undefined when it is
 * not a complete answer.
 */
export async function parseResponseBody(kind: string, body: string | null, model: string, streamed = false): Promise<CompletionResult | undefined> {
  if (body === null) return undefined;
  if (streamed) {
    try {
      if (kind === 'openai' || kind === 'ollama') return (await import('./providers/openai.js')).fromOpenAiStreamText(body);
      if (kind === 'anthropic') return await (await import('./providers/anthropic.js')).fromAnthropicStreamText(body);
      if (kind === 'bedrock') return (await import('./providers/bedrock.js')).fromConverseStreamText(body, model);
    } catch {
      return undefined;
    }
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  try {
    if (kind === 'openai' || kind === 'ollama') return (await import('./providers/openai.js')).fromOpenAiResponse(json);
    if (kind === 'anthropic') return (await import('./providers/anthropic.js')).fromAnthropicResponse(json);
    if (kind === 'bedrock') return (await import('./providers/bedrock.js')).fromConverseOutput(json, model);
  } catch {
    return undefined;
  }
  return undefined;
}

/** The part of an answer a replay compares: text and tool calls by name and arguments (ids are per response). */
export function outputContent(r: CompletionResult): { text: string; toolCalls: { name: string; arguments: Record<string, unknown> }[] } {
  return { text: r.text, toolCalls: r.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })) };
}

/** SHA-256 of the canonical JSON of `outputContent`: equal for the same output whatever the response's ids. */
export function outputContentHash(r: CompletionResult): string {
  return sha256Ref(canonicalJson(outputContent(r)));
}

function pretty(r: CompletionResult | undefined): string {
  if (!r) return '(no complete answer recorded)\n';
  const c = outputContent(r);
  // the text line by line, then each tool call's arguments as indented JSON: a diff points at the change
  return `${c.text}\n${c.toolCalls.map((t) => `tool call ${t.name}\n${JSON.stringify(t.arguments, null, 2)}`).join('\n')}\n`;
}

export interface ReplayedCall {
  /** Index of the recorded llm_call entry in the log. */
  index: number;
  stage: string;
  provider: string;
  model: string;
  /** Whether the re-sent call's output equals the recorded output. */
  status: 'match' | 'mismatch' | 'error';
  recordedHash: string | null;
  replayedHash: string | null;
  /** The raw response bodies are byte-identical (same output_hash as recorded). */
  identicalBody: boolean;
  modelReturned: string | null;
  /** Unified diff of recorded → replayed output when they differ. */
  diff?: string;
  error?: string;
}

export interface ReplayInput {
  index: number;
  stage: string;
  agentId: string;
  /** The llm_call's recorded fields. */
  entry: { model_requested: string; params: Record<string, unknown>; output_hash: string | null };
  blob: RecordedBlob;
}

/**
 * Sends one recorded call again through `provider` and appends the new call's llm_call entry
 * (with its own blob) to the replay run. No retries: a replay reports what the server does now.
 */
export async function replayCall(
  provider: Provider,
  input: ReplayInput,
  ctx: { runId: string; audit: AuditSink; timeoutMs: number; idleTimeoutMs?: number },
): Promise<ReplayedCall> {
  const model = input.entry.model_requested;
  const streamed = wasStreamed(input.blob);
  const recorded = await parseResponseBody(input.blob.provider, input.blob.response.body, model, streamed);
  const base: Omit<ReplayedCall, 'status' | 'replayedHash' | 'identicalBody' | 'modelReturned'> = {
    index: input.index,
    stage: input.stage,
    provider: input.blob.provider,
    model,
    recordedHash: recorded ? outputContentHash(recorded) : null,
  };
  const exchange: Exchange = { request: undefined };
  const timer = new AbortController();
  const t = setTimeout(() => timer.abort(), ctx.timeoutMs);
  // a streamed call is cut off after idleTimeoutMs without data, as the gateway does
  const idle = new AbortController();
  let idleTimer: NodeJS.Timeout | undefined;
  if (streamed && ctx.idleTimeoutMs !== undefined) {
    const idleMs = ctx.idleTimeoutMs;
    exchange.onData = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => idle.abort(), idleMs);
    };
  }
  const signal = AbortSignal.any([timer.signal, idle.signal]);
  const started = performance.now();
  let result: CompletionResult | undefined;
  let failure: LlmError | undefined;
  try {
    if (!provider.resend) throw new LlmError('bad_request', `provider ${provider.kind} cannot re-send a recorded request`);
    result = await provider.resend(input.blob.request, { signal, timeoutMs: ctx.timeoutMs, stream: streamed }, exchange);
  } catch (err) {
    failure = idle.signal.aborted
      ? new LlmError('timeout', `no data from the provider for ${(ctx.idleTimeoutMs ?? 0) / 1000} s (idle timeout)`)
      : err instanceof LlmError
        ? err
        : classifyFailure(err, exchange, new AbortController().signal, timer.signal.aborted);
  } finally {
    clearTimeout(t);
    clearTimeout(idleTimer);
    exchange.onData = undefined;
  }
  const sent = exchange.request ?? input.blob.request;
  const returned = result?.model ? normalizeReturnedModel(result.model).slice(0, 256) : null;
  const blob = await ctx.audit.putBlob(
    canonicalJson({
      provider: input.blob.provider,
      ...(streamed ? { stream: true } : {}),
      request: sent,
      response: { status: exchange.status ?? null, body: exchange.responseText ?? null },
      ...(failure ? { error: { class: failure.errorClass, message: failure.message } } : {}),
    }),
  );
  const entry: Extract<EntryInput, { kind: 'llm_call' }> = {
    kind: 'llm_call',
    run_id: ctx.runId,
    stage: input.stage,
    agent_id: `replay:${input.agentId}`.slice(0, 256),
    provider: input.blob.provider,
    model_requested: model,
    model_returned: returned,
    ...(returned !== null ? { model_mismatch: !modelMatches(model, returned) } : {}),
    // the body went out as recorded: read its parameters back as the gateway does
    params: paramsOfBody(sent),
    input_hash: requestHash(sent),
    output_hash: exchange.responseText !== undefined ? sha256Ref(exchange.responseText) : null,
    latency_ms: Math.max(0, Math.round(performance.now() - started)),
    tokens_in: result?.usage.inputTokens ?? 0,
    tokens_out: result?.usage.outputTokens ?? 0,
    ...(result?.usage.cachedInputTokens ? { tokens_cached: Math.min(result.usage.inputTokens, result.usage.cachedInputTokens) } : {}),
    status: failure ? 'error' : 'ok',
    error_class: failure ? failure.errorClass : null,
    blob,
  };
  await ctx.audit.append(entry);
  const identicalBody = exchange.responseText !== undefined && input.entry.output_hash === sha256Ref(exchange.responseText);
  if (failure || !result) {
    return { ...base, status: 'error', replayedHash: null, identicalBody: false, modelReturned: returned, error: failure?.message ?? 'no answer' };
  }
  const replayedHash = outputContentHash(result);
  if (replayedHash === base.recordedHash) return { ...base, status: 'match', replayedHash, identicalBody, modelReturned: returned };
  return {
    ...base,
    status: 'mismatch',
    replayedHash,
    identicalBody,
    modelReturned: returned,
    diff: createTwoFilesPatch('recorded', 'replayed', pretty(recorded), pretty(result), undefined, undefined, { context: 3 }),
  };
}
