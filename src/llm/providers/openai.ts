import OpenAI from 'openai';
import { z } from 'zod';
import { capturingFetch } from '../http-capture.js';
import { DEFAULT_MODELS } from '../lazy-provider.js';
import { LlmError, type CompletionParams, type CompletionRequest, type CompletionResult, type Exchange, type Provider } from '../types.js';

/** Maps the neutral conversation to a Chat Completions request body. */
export function toOpenAiBody(req: CompletionRequest, params: CompletionParams): Record<string, unknown> {
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
  return {
    model: params.model,
    max_tokens: params.maxTokens,
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined ? { top_p: params.topP } : {}),
    ...(params.seed !== undefined ? { seed: params.seed } : {}),
    messages,
    ...(req.tools.length > 0
      ? { tools: req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })) }
      : {}),
  };
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

/** OpenAI and every OpenAI-compatible server (Ollama, vLLM, LiteLLM, Azure OpenAI v1 endpoint). */
export class OpenAiProvider implements Provider {
  constructor(
    private readonly opts: { apiKey: string; baseURL?: string },
    readonly kind: 'openai' | 'ollama' = 'openai',
    readonly defaultModel: string = DEFAULT_MODELS.openai,
  ) {}

  async complete(
    req: CompletionRequest,
    params: CompletionParams,
    call: { signal: AbortSignal; timeoutMs: number },
    exchange: Exchange,
  ): Promise<CompletionResult> {
    const client = this.client(call, exchange);
    const body = toOpenAiBody(req, params);
    exchange.request = body;
    const out = await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming, { signal: call.signal });
    return fromOpenAiResponse(out);
  }

  /** Sends a recorded request body again, unchanged (`bulwark replay`). */
  async resend(body: Record<string, unknown>, call: { signal: AbortSignal; timeoutMs: number }, exchange: Exchange): Promise<CompletionResult> {
    if (body.stream === true) throw new LlmError('bad_request', 'a streamed request cannot be replayed');
    exchange.request = body;
    const out = await this.client(call, exchange).chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming, {
      signal: call.signal,
    });
    return fromOpenAiResponse(out);
  }

  private client(call: { timeoutMs: number }, exchange: Exchange): OpenAI {
    return new OpenAI({
      apiKey: this.opts.apiKey,
      baseURL: this.opts.baseURL ?? 'https://api.openai.com/v1',
      maxRetries: 0,
      // our own timer (the gateway's) fires first, so the timeout is classified as one
      timeout: call.timeoutMs + 1000,
      fetch: capturingFetch(exchange),
      // never pick up OPENAI_ORG_ID/OPENAI_PROJECT_ID implicitly from the environment
      organization: null,
      project: null,
    });
  }
}
