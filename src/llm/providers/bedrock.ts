import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseCommandInput,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';
import { StreamCut } from '../http-capture.js';
import { DEFAULT_MODELS } from '../lazy-provider.js';
import { DEFAULT_SHAPE, refusalIn } from '../output-mode.js';
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

/** Maps the neutral conversation to a Bedrock Converse request. */
export function toConverseInput(req: WireRequest, params: CompletionParams, shape: CallShape = DEFAULT_SHAPE): Record<string, unknown> {
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
      ...(params.temperature !== undefined && shape.sendTemperature ? { temperature: params.temperature } : {}),
      ...(params.topP !== undefined && shape.sendTopP ? { topP: params.topP } : {}),
    },
    ...(req.tools.length > 0
      ? {
          toolConfig: {
            tools: req.tools.map((t) => ({ toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.parameters } } })),
            ...(req.toolChoice ? { toolChoice: req.toolChoice === 'required' ? { any: {} } : { tool: { name: req.toolChoice.name } } } : {}),
          },
        }
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
  const stop = stopReasonOf(r.stopReason);
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

/** Folds ConverseStream events into the output Converse returns whole; an unfinished stream is no answer. */
export function foldConverseStream(events: ConverseStreamOutput[]): unknown {
  const blocks: { text?: string; toolUse?: { toolUseId: string; name: string; input: string } }[] = [];
  let stopReason: string | undefined;
  let usage: { inputTokens: number; outputTokens: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number } | undefined;
  for (const ev of events) {
    const err = ev.throttlingException ?? ev.serviceUnavailableException;
    if (err) throw new LlmError('rate_limited', `Bedrock stream: ${err.message ?? 'throttled'}`, 429);
    const fail = ev.internalServerException ?? ev.modelStreamErrorException ?? ev.validationException;
    if (fail) throw new LlmError(ev.validationException ? 'bad_request' : 'server_error', `Bedrock stream: ${fail.message ?? 'error'}`);
    if (ev.contentBlockStart?.start?.toolUse) {
      const t = ev.contentBlockStart.start.toolUse;
      blocks[ev.contentBlockStart.contentBlockIndex ?? blocks.length] = { toolUse: { toolUseId: t.toolUseId ?? '', name: t.name ?? '', input: '' } };
    }
    if (ev.contentBlockDelta) {
      const i = ev.contentBlockDelta.contentBlockIndex ?? 0;
      const d = ev.contentBlockDelta.delta;
      const b = (blocks[i] ??= {});
      if (d?.text !== undefined) b.text = (b.text ?? '') + d.text;
      if (d?.toolUse?.input !== undefined && b.toolUse) b.toolUse.input += d.toolUse.input;
    }
    if (ev.messageStop) stopReason = ev.messageStop.stopReason;
    if (ev.metadata?.usage) {
      // the metadata event carries the usage, prompt-cache reads and writes included
      const u = ev.metadata.usage;
      usage = {
        inputTokens: u.inputTokens ?? 0,
        outputTokens: u.outputTokens ?? 0,
        ...(u.cacheReadInputTokens != null ? { cacheReadInputTokens: u.cacheReadInputTokens } : {}),
        ...(u.cacheWriteInputTokens != null ? { cacheWriteInputTokens: u.cacheWriteInputTokens } : {}),
      };
    }
  }
  if (stopReason === undefined) throw new LlmError('truncated_response', `Bedrock stream ended without messageStop after ${events.length} event(s)`);
  const content = blocks.filter(Boolean).map((b) => {
    if (!b.toolUse) return { text: b.text ?? '' };
    let input: unknown;
    try {
      input = b.toolUse.input.trim() === '' ? {} : JSON.parse(b.toolUse.input);
    } catch {
      input = { __invalid_json: b.toolUse.input.slice(0, 2000) };
    }
    return { toolUse: { toolUseId: b.toolUse.toolUseId, name: b.toolUse.name, input } };
  });
  return { stopReason, output: { message: { content } }, ...(usage ? { usage } : {}) };
}

/** The output of a recorded ConverseStream call, from its events as recorded (one JSON line each; `bulwark replay`). */
export function fromConverseStreamText(raw: string, model: string): CompletionResult {
  const events: ConverseStreamOutput[] = [];
  for (const line of raw.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as ConverseStreamOutput);
    } catch {
      throw new LlmError('malformed_response', 'a recorded stream event is not JSON');
    }
  }
  return fromConverseOutput(foldConverseStream(events), model);
}

/** AWS Bedrock via the Converse API; credentials come from the AWS SDK's default chain in the parent. */
export class BedrockProvider implements Provider {
  readonly kind = 'bedrock';
  readonly defaultModel: string = DEFAULT_MODELS.bedrock;
  /** ConverseStream when true (the idle timeout applies), else Converse (only the overall deadline). */
  readonly streams: boolean;
  private readonly client: BedrockRuntimeClient;
  constructor(opts: { region?: string; endpoint?: string; stream?: boolean }) {
    this.streams = opts.stream ?? false;
    this.client = new BedrockRuntimeClient({
      region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      maxAttempts: 1,
    });
  }

  async complete(req: WireRequest, params: CompletionParams, call: CallOptions, exchange: Exchange): Promise<CompletionResult> {
    return this.converse(toConverseInput(req, params, call.shape), params.model, this.streams, call, exchange);
  }

  /** Sends a recorded Converse input again, unchanged (`bulwark replay`): through ConverseStream when it streamed. */
  resend(body: Record<string, unknown>, call: ResendOptions, exchange: Exchange): Promise<CompletionResult> {
    return this.converse(body, typeof body.modelId === 'string' ? body.modelId : '', call.stream, call, exchange);
  }

  private async converse(
    input: Record<string, unknown>,
    model: string,
    streamed: boolean,
    call: { signal: AbortSignal; timeoutMs: number },
    exchange: Exchange,
  ): Promise<CompletionResult> {
    exchange.request = input;
    const timeout = AbortSignal.timeout(call.timeoutMs);
    try {
      const abortSignal = AbortSignal.any([call.signal, timeout]);
      if (streamed) {
        const out = await this.client.send(new ConverseStreamCommand(input as unknown as ConverseStreamCommandInput), { abortSignal });
        exchange.status = out.$metadata.httpStatusCode ?? 200;
        exchange.responseText = '';
        exchange.onData?.();
        const events: ConverseStreamOutput[] = [];
        for await (const ev of out.stream ?? []) {
          events.push(ev);
          // kept as it arrives, one JSON line per event: an aborted call keeps its partial output
          exchange.responseText += JSON.stringify(ev) + '\n';
          exchange.onData?.();
        }
        if (abortSignal.aborted) throw new StreamCut();
        return fromConverseOutput(foldConverseStream(events), model);
      }
      const out = await this.client.send(new ConverseCommand(input as unknown as ConverseCommandInput), { abortSignal });
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
      // the caller's signal carries its own deadline as well as the stage's end: it classifies
      if (call.signal.aborted) throw err;
      if (status === undefined) throw new LlmError('network', `cannot reach Bedrock: ${msg}`);
      exchange.status = status;
      if (status === 429 || e.name === 'ThrottlingException' || e.name === 'ServiceUnavailableException') throw new LlmError('rate_limited', msg, status);
      const refused = refusalIn(status, msg);
      if (refused) throw new LlmError('unsupported', msg, status, undefined, refused);
      if (status >= 500) throw new LlmError('server_error', msg, status);
      if (status === 401 || status === 403) throw new LlmError('auth', msg, status);
      throw new LlmError('bad_request', msg, status);
    }
  }
}
