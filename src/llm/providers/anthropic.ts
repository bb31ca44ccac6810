import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { capturingFetch } from '../http-capture.js';
import { DEFAULT_MODELS } from '../lazy-provider.js';
import { LlmError, type CompletionParams, type CompletionRequest, type CompletionResult, type Exchange, type Provider } from '../types.js';

type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

/** Maps the neutral conversation to a Messages API request body. */
export function toAnthropicBody(req: CompletionRequest, params: CompletionParams): Record<string, unknown> {
  const messages: { role: 'user' | 'assistant'; content: ContentBlock[] }[] = [];
  const push = (role: 'user' | 'assistant', block: ContentBlock): void => {
    const last = messages[messages.length - 1];
    // the API wants alternating roles: tool results and the next user text share one user turn
    if (last && last.role === role) last.content.push(block);
    else messages.push({ role, content: [block] });
  };
  for (const m of req.messages) {
    if (m.role === 'user') push('user', { type: 'text', text: m.content });
    else if (m.role === 'tool') push('user', { type: 'tool_result', tool_use_id: m.toolCallId, content: m.content, ...(m.isError ? { is_error: true } : {}) });
    else {
      const blocks: ContentBlock[] = [];
      if (m.content) blocks.push({ type: 'text', text: m.content });
      for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments });
      if (blocks.length === 0) blocks.push({ type: 'text', text: '(no text)' });
      for (const b of blocks) push('assistant', b);
    }
  }
  return {
    model: params.model,
    max_tokens: params.maxTokens,
    ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined ? { top_p: params.topP } : {}),
    system: req.system,
    messages,
    ...(req.tools.length > 0 ? { tools: req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
  };
}

const responseSchema = z.object({
  model: z.string(),
  stop_reason: z.string().nullable().optional(),
  content: z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) }),
      z.object({ type: z.string() }),
    ]),
  ),
  usage: z.object({
    input_tokens: z.number(),
    output_tokens: z.number(),
    cache_read_input_tokens: z.number().nullable().optional(),
    cache_creation_input_tokens: z.number().nullable().optional(),
  }),
});

export function fromAnthropicResponse(body: unknown): CompletionResult {
  const res = responseSchema.safeParse(body);
  if (!res.success)
    throw new LlmError(
      'malformed_response',
      `Anthropic response does not match the Messages API: ${res.error.issues[0]?.path.join('.')}: ${res.error.issues[0]?.message}`,
    );
  const r = res.data;
  const text: string[] = [];
  const toolCalls: CompletionResult['toolCalls'] = [];
  for (const b of r.content) {
    if (b.type === 'text' && 'text' in b) text.push(b.text);
    else if (b.type === 'tool_use' && 'input' in b) toolCalls.push({ id: b.id, name: b.name, arguments: b.input });
  }
  const stop =
    r.stop_reason === 'tool_use'
      ? 'tool_use'
      : r.stop_reason === 'end_turn' || r.stop_reason === 'stop_sequence'
        ? 'end'
        : r.stop_reason === 'max_tokens'
          ? 'max_tokens'
          : 'other';
  return {
    text: text.join('\n'),
    toolCalls,
    stopReason: stop,
    model: r.model,
    // input_tokens excludes what was read from or written to the prompt cache: all three are prompt tokens
    usage: {
      inputTokens: r.usage.input_tokens + (r.usage.cache_read_input_tokens ?? 0) + (r.usage.cache_creation_input_tokens ?? 0),
      outputTokens: r.usage.output_tokens,
      ...(r.usage.cache_read_input_tokens ? { cachedInputTokens: r.usage.cache_read_input_tokens } : {}),
    },
  };
}

export class AnthropicProvider implements Provider {
  readonly kind = 'anthropic';
  readonly defaultModel: string = DEFAULT_MODELS.anthropic;
  constructor(private readonly opts: { apiKey: string; baseURL?: string }) {}

  async complete(
    req: CompletionRequest,
    params: CompletionParams,
    call: { signal: AbortSignal; timeoutMs: number },
    exchange: Exchange,
  ): Promise<CompletionResult> {
    const client = this.client(call, exchange);
    const body = toAnthropicBody(req, params);
    exchange.request = body;
    const msg = await client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming, { signal: call.signal });
    return fromAnthropicResponse(msg);
  }

  /** Sends a recorded request body again, unchanged (`bulwark replay`). */
  async resend(body: Record<string, unknown>, call: { signal: AbortSignal; timeoutMs: number }, exchange: Exchange): Promise<CompletionResult> {
    if (body.stream === true) throw new LlmError('bad_request', 'a streamed request cannot be replayed');
    exchange.request = body;
    const msg = await this.client(call, exchange).messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming, { signal: call.signal });
    return fromAnthropicResponse(msg);
  }

  private client(call: { timeoutMs: number }, exchange: Exchange): Anthropic {
    return new Anthropic({
      apiKey: this.opts.apiKey,
      baseURL: this.opts.baseURL ?? 'https://api.anthropic.com',
      maxRetries: 0,
      // our own timer (the gateway's) fires first, so the timeout is classified as one
      timeout: call.timeoutMs + 1000,
      fetch: capturingFetch(exchange),
    });
  }
}
