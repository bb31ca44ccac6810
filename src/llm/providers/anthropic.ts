import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { capturingFetch } from '../http-capture.js';
import { DEFAULT_MODELS } from '../lazy-provider.js';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { DEFAULT_SHAPE } from '../output-mode.js';
import { sseData } from '../sse.js';
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
  stopReasonOf,
} from '../types.js';

type Cache = { cache_control?: { type: 'ephemeral' } };
type ContentBlock =
  | ({ type: 'text'; text: string } & Cache)
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

/** Maps the neutral conversation to a Messages API request body. */
export function toAnthropicBody(req: WireRequest, params: CompletionParams, shape: CallShape = DEFAULT_SHAPE): Record<string, unknown> {
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
  // Prompt caching: the system prompt and the first user message (the change, gate and upstream
  // context) are the prefix every turn of a stage re-sends; breakpoints on both let turns after
  // the first read them from the cache. (Below the model's minimum cacheable length the API
  // ignores the marks.)
  const first = messages[0]?.content[0];
  if (first && first.type === 'text') first.cache_control = { type: 'ephemeral' };
  const choice = req.toolChoice;
  return {
    model: params.model,
    max_tokens: params.maxTokens,
    ...(params.temperature !== undefined && shape.sendTemperature ? { temperature: params.temperature } : {}),
    ...(params.topP !== undefined && shape.sendTopP ? { top_p: params.topP } : {}),
    system: [{ type: 'text', text: req.system, cache_control: { type: 'ephemeral' } }],
    messages,
    ...(req.tools.length > 0 ? { tools: req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
    ...(choice && req.tools.length > 0 ? { tool_choice: choice === 'required' ? { type: 'any' } : { type: 'tool', name: choice.name } } : {}),
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
  const stop = stopReasonOf(r.stop_reason);
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

/**
 * The answer of a recorded streamed call, from the SSE text as received (`bulwark replay`), folded
 * by the SDK's own accumulator as a live stream is; a stream without message_stop is no answer.
 */
export async function fromAnthropicStreamText(raw: string): Promise<CompletionResult> {
  const events: string[] = [];
  for (const data of sseData(raw)) {
    let ev: { type?: unknown; error?: { message?: unknown } };
    try {
      ev = JSON.parse(data) as typeof ev;
    } catch {
      throw new LlmError('malformed_response', 'a streamed event is not JSON');
    }
    if (ev.type === 'error') throw new LlmError('server_error', `Anthropic stream: ${typeof ev.error?.message === 'string' ? ev.error.message : 'error'}`);
    if (ev.type === 'message_start' || ev.type === 'message_delta' || ev.type === 'message_stop' || String(ev.type).startsWith('content_block_'))
      events.push(JSON.stringify(ev));
  }
  if (!events.some((e) => e.includes('"type":"message_stop"')))
    throw new LlmError('truncated_response', `streamed response ended without message_stop after ${events.length} event(s)`);
  const bytes = new TextEncoder().encode(events.join('\n') + '\n');
  const rs = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  return fromAnthropicResponse(await MessageStream.fromReadableStream(rs).finalMessage());
}

export class AnthropicProvider implements Provider {
  readonly kind = 'anthropic';
  readonly defaultModel: string = DEFAULT_MODELS.anthropic;
  readonly streams: boolean;
  constructor(private readonly opts: { apiKey: string; baseURL?: string; stream?: boolean }) {
    this.streams = opts.stream ?? true;
  }

  async complete(req: WireRequest, params: CompletionParams, call: CallOptions, exchange: Exchange): Promise<CompletionResult> {
    const body = toAnthropicBody(req, params, call.shape);
    return this.send(this.streams ? { ...body, stream: true } : body, call, exchange);
  }

  /** Sends a recorded request body again, unchanged (`bulwark replay`): streamed when it was streamed. */
  async resend(body: Record<string, unknown>, call: ResendOptions, exchange: Exchange): Promise<CompletionResult> {
    return this.send(body, call, exchange);
  }

  private async send(body: Record<string, unknown>, call: { signal: AbortSignal; timeoutMs: number }, exchange: Exchange): Promise<CompletionResult> {
    const client = this.client(call, exchange);
    exchange.request = body;
    if (body.stream !== true) {
      const msg = await client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming, { signal: call.signal });
      return fromAnthropicResponse(msg);
    }
    // the SDK adds stream: true itself and folds the events (usage of message_start and message_delta included)
    const { stream: _stream, ...rest } = body;
    const stream = client.messages.stream(rest as unknown as Anthropic.MessageCreateParamsNonStreaming, { signal: call.signal });
    return fromAnthropicResponse(await stream.finalMessage());
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
