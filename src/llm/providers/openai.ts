import OpenAI, { AzureOpenAI } from 'openai';
import { z } from 'zod';
import { capturingFetch, StreamCut } from '../http-capture.js';
import { DEFAULT_MODELS } from '../lazy-provider.js';
import { DEFAULT_SHAPE, isOpenAiReasoningModel } from '../output-mode.js';
import {
  LlmError,
  type CallOptions,
  type CallShape,
  type CompletionParams,
  type CompletionResult,
  type Exchange,
  type Provider,
  type ResendOptions,
  type WireRequest,
} from '../types.js';
import { sseData } from '../sse.js';

/** Maps the shaped conversation to a Chat Completions request body. */
export function toOpenAiBody(req: WireRequest, params: CompletionParams, shape: CallShape = DEFAULT_SHAPE): Record<string, unknown> {
  const messages: Record<string, unknown>[] = [{ role: 'system', content: req.system }];
  for (const m of req.messages) {
    if (m.role === 'user') messages.push({ role: 'user', content: m.content });
    else if (m.role === 'tool') messages.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.isError ? `ERROR: ${m.content}` : m.content });
    else
      messages.push({
        role: 'assistant',
        content: m.content || null,
        ...(m.toolCalls && m.toolCalls.length > 0
          ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) }
          : {}),
      });
  }
  const choice = req.toolChoice;
  return {
    model: params.model,
    ...(shape.maxCompletionTokens ? { max_completion_tokens: params.maxTokens } : { max_tokens: params.maxTokens }),
    ...(params.temperature !== undefined && shape.sendTemperature ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined && shape.sendTopP ? { top_p: params.topP } : {}),
    ...(params.seed !== undefined && shape.sendSeed ? { seed: params.seed } : {}),
    ...(shape.reasoningEffort !== undefined ? { reasoning_effort: shape.reasoningEffort } : {}),
    messages,
    ...(req.tools.length > 0
      ? { tools: req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })) }
      : {}),
    ...(choice && req.tools.length > 0 ? { tool_choice: choice === 'required' ? 'required' : { type: 'function', function: { name: choice.name } } } : {}),
    // vLLM reads it for guided decoding, Ollama maps it to its `format`, llama.cpp to a grammar
    ...(req.responseSchema
      ? { response_format: { type: 'json_schema', json_schema: { name: req.responseSchema.name, schema: req.responseSchema.schema } } }
      : {}),
  };
}

interface ChunkToolCall {
  index?: number;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}
interface Chunk {
  model?: string;
  choices?: { delta?: { content?: string | null; tool_calls?: ChunkToolCall[] | null } | null; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number | null } | null } | null;
}

/** Folds streamed Chat Completions chunks into the body a non-streamed call returns. */
export function foldChunks(chunks: Iterable<Chunk>): unknown {
  let model = '';
  let content = '';
  let finish: string | null = null;
  let usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens: number } } | null = null;
  const calls: { id: string; name: string; arguments: string }[] = [];
  for (const c of chunks) {
    if (c.model) model = c.model;
    // the last chunk carries the usage when stream_options.include_usage is sent (cached tokens included)
    if (c.usage) {
      const cached = c.usage.prompt_tokens_details?.cached_tokens;
      usage = {
        prompt_tokens: c.usage.prompt_tokens ?? 0,
        completion_tokens: c.usage.completion_tokens ?? 0,
        ...(typeof cached === 'number' ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
      };
    }
    const ch = c.choices?.[0];
    if (!ch) continue;
    if (ch.finish_reason) finish = ch.finish_reason;
    if (ch.delta?.content) content += ch.delta.content;
    for (const tc of ch.delta?.tool_calls ?? []) {
      const i = tc.index ?? calls.length - 1;
      calls[i] ??= { id: '', name: '', arguments: '' };
      if (tc.id) calls[i].id = tc.id;
      if (tc.function?.name) calls[i].name += tc.function.name;
      if (tc.function?.arguments) calls[i].arguments += tc.function.arguments;
    }
  }
  const toolCalls = calls.filter(Boolean).map((c, i) => ({ id: c.id || `call_${i}`, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    model,
    choices: [{ finish_reason: finish, message: { content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) } }],
    usage,
  };
}

/**
 * The answer of a streamed call from its chunks (`raw` = the response body as received). A server
 * that ignored stream: true answers with one JSON body; a stream without a finish_reason was cut off.
 */
export function fromOpenAiChunks(chunks: Chunk[], raw: string, status?: number): CompletionResult {
  if (chunks.length === 0) {
    let whole: unknown;
    try {
      whole = JSON.parse(raw);
    } catch {
      throw new LlmError('malformed_response', `streamed response has no events and is not JSON (HTTP ${status ?? '?'})`, status);
    }
    return fromOpenAiResponse(whole);
  }
  if (!chunks.some((c) => c.choices?.[0]?.finish_reason)) {
    throw new LlmError('truncated_response', `streamed response ended without a finish_reason after ${chunks.length} chunk(s)`, status);
  }
  return fromOpenAiResponse(foldChunks(chunks));
}

/** The answer of a recorded streamed call, from the SSE text as received (`bulwark replay`). */
export function fromOpenAiStreamText(raw: string): CompletionResult {
  const chunks: Chunk[] = [];
  for (const data of sseData(raw)) {
    if (data === '[DONE]') continue;
    try {
      chunks.push(JSON.parse(data) as Chunk);
    } catch {
      throw new LlmError('malformed_response', 'a streamed event is not JSON');
    }
  }
  return fromOpenAiChunks(chunks, raw);
}

const responseSchema = z.object({
  model: z.string(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(z.object({ id: z.string(), type: z.string().optional(), function: z.object({ name: z.string(), arguments: z.string() }) }))
            .nullable()
            .optional(),
        }),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number(),
      completion_tokens: z.number(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().nullable().optional() }).nullable().optional(),
    })
    .nullable()
    .optional(),
});

export function fromOpenAiResponse(body: unknown): CompletionResult {
  const res = responseSchema.safeParse(body);
  if (!res.success)
    throw new LlmError(
      'malformed_response',
      `response does not match Chat Completions: ${res.error.issues[0]?.path.join('.')}: ${res.error.issues[0]?.message}`,
    );
  const r = res.data;
  const choice = r.choices[0]!;
  const toolCalls = (choice.message.tool_calls ?? []).map((c) => {
    let args: unknown;
    try {
      args = c.function.arguments.trim() === '' ? {} : JSON.parse(c.function.arguments);
    } catch {
      // the model wrote broken JSON: hand it back as an argument so the tool reports the problem
      args = { __invalid_json: c.function.arguments.slice(0, 2000) };
    }
    const obj =
      args !== null && typeof args === 'object' && !Array.isArray(args)
        ? (args as Record<string, unknown>)
        : { __invalid_json: c.function.arguments.slice(0, 2000) };
    return { id: c.id, name: c.function.name, arguments: obj };
  });
  const fr = choice.finish_reason;
  const stop = fr === 'tool_calls' || toolCalls.length > 0 ? 'tool_use' : fr === 'stop' ? 'end' : fr === 'length' ? 'max_tokens' : 'other';
  return {
    text: choice.message.content ?? '',
    toolCalls,
    stopReason: stop,
    model: r.model,
    usage: {
      inputTokens: r.usage?.prompt_tokens ?? 0,
      outputTokens: r.usage?.completion_tokens ?? 0,
      // prompt_tokens already includes the cached part
      ...(r.usage?.prompt_tokens_details?.cached_tokens ? { cachedInputTokens: r.usage.prompt_tokens_details.cached_tokens } : {}),
    },
  };
}

export interface OpenAiOptions {
  apiKey: string;
  baseURL?: string;
  /** Azure OpenAI: the api-version query parameter; the model names the deployment. */
  azureApiVersion?: string;
  /** Stream responses (default true). */
  stream?: boolean;
  /** Ollama: its native API (capability check, keep_alive) at this origin. */
  ollama?: { origin: string; keepAlive?: string };
}

/** OpenAI and every OpenAI-compatible server (Ollama, vLLM, LiteLLM, llama.cpp, Azure OpenAI). */
export class OpenAiProvider implements Provider {
  readonly streams: boolean;
  constructor(
    private readonly opts: OpenAiOptions,
    readonly kind: 'openai' | 'ollama' = 'openai',
    readonly defaultModel: string = DEFAULT_MODELS.openai,
  ) {
    this.streams = opts.stream ?? true;
  }

  async initialShape(model: string, signal: AbortSignal): Promise<Partial<CallShape>> {
    const shape: Partial<CallShape> = {};
    if (isOpenAiReasoningModel(model)) Object.assign(shape, { maxCompletionTokens: true, sendTemperature: false, sendTopP: false });
    const o = this.opts.ollama;
    if (o) {
      // Ollama says what a model can do; a model without "tools" gets constrained JSON from the start
      const caps = await ollamaCapabilities(o.origin, model, signal);
      if (caps !== undefined && !caps.includes('tools')) shape.mode = 'json_schema';
      if (o.keepAlive !== undefined) await ollamaKeepAlive(o.origin, model, o.keepAlive, signal);
    }
    return shape;
  }

  private client(call: { timeoutMs: number }, exchange: Exchange): OpenAI {
    const common = {
      apiKey: this.opts.apiKey,
      maxRetries: 0,
      // our own timer (the gateway's) fires first, so the timeout is classified as one
      timeout: call.timeoutMs + 1000,
      fetch: capturingFetch(exchange),
      // never pick up OPENAI_ORG_ID/OPENAI_PROJECT_ID implicitly from the environment
      organization: null,
      project: null,
    };
    if (this.opts.azureApiVersion !== undefined) {
      return new AzureOpenAI({ ...common, endpoint: this.opts.baseURL, apiVersion: this.opts.azureApiVersion });
    }
    return new OpenAI({ ...common, baseURL: this.opts.baseURL ?? 'https://api.openai.com/v1' });
  }

  async complete(req: WireRequest, params: CompletionParams, call: CallOptions, exchange: Exchange): Promise<CompletionResult> {
    const body = toOpenAiBody(req, params, call.shape);
    return this.send(this.streams ? { ...body, stream: true, stream_options: { include_usage: true } } : body, call, exchange);
  }

  /** Sends a recorded request body again, unchanged (`bulwark replay`): streamed when it was streamed. */
  async resend(body: Record<string, unknown>, call: ResendOptions, exchange: Exchange): Promise<CompletionResult> {
    return this.send(body, call, exchange);
  }

  private async send(body: Record<string, unknown>, call: { signal: AbortSignal; timeoutMs: number }, exchange: Exchange): Promise<CompletionResult> {
    const client = this.client(call, exchange);
    exchange.request = body;
    if (body.stream !== true) {
      const out = await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming, { signal: call.signal });
      return fromOpenAiResponse(out);
    }
    const stream = await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal: call.signal });
    const chunks: Chunk[] = [];
    for await (const c of stream) chunks.push(c);
    // the SDK ends the iteration quietly when the signal aborts: an aborted stream is no answer
    if (call.signal.aborted) throw new StreamCut();
    return fromOpenAiChunks(chunks, exchange.responseText ?? '', exchange.status);
  }
}

async function ollamaCapabilities(origin: string, model: string, signal: AbortSignal): Promise<string[] | undefined> {
  const res = await fetch(`${origin}/api/show`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model }),
    signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
  });
  if (res.status === 404) throw new LlmError('bad_request', `Ollama has no model "${model}" (ollama pull ${model}, or set provider.ollama.model)`, 404);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { capabilities?: unknown };
  return Array.isArray(body.capabilities) ? body.capabilities.filter((c): c is string => typeof c === 'string') : undefined;
}

/** Loads the model with the configured keep_alive (Ollama's documented way: a generate call without a prompt). */
async function ollamaKeepAlive(origin: string, model: string, keepAlive: string, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${origin}/api/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, keep_alive: /^-?\d+$/.test(keepAlive) ? Number(keepAlive) : keepAlive }),
    signal,
  });
  await res.text();
  if (!res.ok)
    throw new LlmError(
      'bad_request',
      `Ollama refused keep_alive ${JSON.stringify(keepAlive)} (HTTP ${res.status}): check provider.ollama.keep_alive`,
      res.status,
    );
}
