import { BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';
import { DEFAULT_MODELS } from '../lazy-provider.js';
import { LlmError, type CompletionParams, type CompletionRequest, type CompletionResult, type Exchange, type Provider } from '../types.js';

/** Maps the neutral conversation to a Bedrock Converse request. */
export function toConverseInput(req: CompletionRequest, params: CompletionParams): Record<string, unknown> {
  type Block = Record<string, unknown>;
  const messages: { role: 'user' | 'assistant'; content: Block[] }[] = [];
  const push = (role: 'user' | 'assistant', block: Block): void => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content.push(block);
    else messages.push({ role, content: [block] });
  };
  for (const m of req.messages) {
    if (m.role === 'user') push('user', { text: m.content });
    else if (m.role === 'tool')
      push('user', { toolResult: { toolUseId: m.toolCallId, content: [{ text: m.content }], status: m.isError ? 'error' : 'success' } });
    else {
      if (m.content) push('assistant', { text: m.content });
      for (const c of m.toolCalls ?? []) push('assistant', { toolUse: { toolUseId: c.id, name: c.name, input: c.arguments } });
      if (!m.content && !(m.toolCalls && m.toolCalls.length)) push('assistant', { text: '(no text)' });
    }
  }
  return {
    modelId: params.model,
    system: [{ text: req.system }],
    messages,
    inferenceConfig: {
      maxTokens: params.maxTokens,
      ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
      ...(params.topP !== undefined ? { topP: params.topP } : {}),
    },
    ...(req.tools.length > 0
      ? { toolConfig: { tools: req.tools.map((t) => ({ toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.parameters } } })) } }
      : {}),
  };
}

const outputSchema = z.object({
  stopReason: z.string().optional(),
  output: z.object({
    message: z.object({
      content: z.array(
        z.object({
          text: z.string().optional(),
          toolUse: z.object({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).optional(),
        }),
      ),
    }),
  }),
  usage: z
    .object({
      inputTokens: z.number(),
      outputTokens: z.number(),
      cacheReadInputTokens: z.number().nullable().optional(),
      cacheWriteInputTokens: z.number().nullable().optional(),
    })
    .optional(),
});

export function fromConverseOutput(body: unknown, model: string): CompletionResult {
  const res = outputSchema.safeParse(body);
  if (!res.success)
    throw new LlmError('malformed_response', `Bedrock Converse output malformed: ${res.error.issues[0]?.path.join('.')}: ${res.error.issues[0]?.message}`);
  const r = res.data;
  const text: string[] = [];
  const toolCalls: CompletionResult['toolCalls'] = [];
  for (const b of r.output.message.content) {
    if (b.text !== undefined) text.push(b.text);
    if (b.toolUse) {
      const input = b.toolUse.input;
      toolCalls.push({
        id: b.toolUse.toolUseId,
        name: b.toolUse.name,
        arguments: input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {},
      });
    }
  }
  const stop =
    r.stopReason === 'tool_use'
      ? 'tool_use'
      : r.stopReason === 'end_turn' || r.stopReason === 'stop_sequence'
        ? 'end'
        : r.stopReason === 'max_tokens'
          ? 'max_tokens'
          : 'other';
  // Converse does not echo a model version; the requested model id is what answered
  return {
    text: text.join('\n'),
    toolCalls,
    stopReason: stop,
    model,
    // inputTokens excludes prompt-cache reads and writes: all are prompt tokens
    usage: {
      inputTokens: (r.usage?.inputTokens ?? 0) + (r.usage?.cacheReadInputTokens ?? 0) + (r.usage?.cacheWriteInputTokens ?? 0),
      outputTokens: r.usage?.outputTokens ?? 0,
      ...(r.usage?.cacheReadInputTokens ? { cachedInputTokens: r.usage.cacheReadInputTokens } : {}),
    },
  };
}

/** AWS Bedrock via the Converse API; credentials come from the AWS SDK's default chain in the parent. */
export class BedrockProvider implements Provider {
  readonly kind = 'bedrock';
  readonly defaultModel: string = DEFAULT_MODELS.bedrock;
  private readonly client: BedrockRuntimeClient;
  constructor(opts: { region?: string; endpoint?: string }) {
    this.client = new BedrockRuntimeClient({
      region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      maxAttempts: 1,
    });
  }

  async complete(
    req: CompletionRequest,
    params: CompletionParams,
    call: { signal: AbortSignal; timeoutMs: number },
    exchange: Exchange,
  ): Promise<CompletionResult> {
    return this.converse(toConverseInput(req, params), params.model, call, exchange);
  }

  /** Sends a recorded Converse input again, unchanged (`bulwark replay`). */
  resend(body: Record<string, unknown>, call: { signal: AbortSignal; timeoutMs: number }, exchange: Exchange): Promise<CompletionResult> {
    return this.converse(body, typeof body.modelId === 'string' ? body.modelId : '', call, exchange);
  }

  private async converse(
    input: Record<string, unknown>,
    model: string,
    call: { signal: AbortSignal; timeoutMs: number },
    exchange: Exchange,
  ): Promise<CompletionResult> {
    exchange.request = input;
    const timeout = AbortSignal.timeout(call.timeoutMs);
    try {
      const out = await this.client.send(new ConverseCommand(input as unknown as ConverseCommandInput), {
        abortSignal: AbortSignal.any([call.signal, timeout]),
      });
      const { $metadata, ...body } = out;
      exchange.status = $metadata.httpStatusCode ?? 200;
      exchange.responseText = JSON.stringify(body);
      return fromConverseOutput(body, model);
    } catch (err) {
      if (err instanceof LlmError) throw err;
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
      const status = e.$metadata?.httpStatusCode;
      const msg = `${e.name ?? 'Error'}: ${e.message ?? ''}`.slice(0, 200);
      if (timeout.aborted) throw new LlmError('timeout', 'Bedrock did not answer within the per-call timeout');
      if (call.signal.aborted) throw new LlmError('aborted', 'call aborted (stage or run deadline)');
      if (status === undefined) throw new LlmError('network', `cannot reach Bedrock: ${msg}`);
      exchange.status = status;
      if (status === 429 || e.name === 'ThrottlingException') throw new LlmError('rate_limited', msg, status);
      if (status >= 500) throw new LlmError('server_error', msg, status);
      if (status === 401 || status === 403) throw new LlmError('auth', msg, status);
      throw new LlmError('bad_request', msg, status);
    }
  }
}
