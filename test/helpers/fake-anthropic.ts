/** A fake Anthropic Messages API server. */
import { callId, startFakeServer, type FakeServer, type FakeServerOptions, type WireFormat } from './fake-llm-server.js';

export type { FakeAction, FakeRequest, FakeServer, Responder } from './fake-llm-server.js';

export const anthropicFormat: WireFormat = {
  path: '/v1/messages',
  baseSuffix: '',
  // the 2026 SDKs send the key as a Bearer token; older ones as x-api-key
  authorized: (h, key) => h['x-api-key'] === key || h.authorization === `Bearer ${key}`,
  success(action, req) {
    const body = req.body as { model?: string } | undefined;
    const calls = action.toolCalls ?? [];
    const content: unknown[] = [];
    if (action.text) content.push({ type: 'text', text: action.text });
    for (const c of calls) content.push({ type: 'tool_use', id: c.id ?? callId('toolu_'), name: c.name, input: c.arguments });
    return {
      id: callId('msg_'),
      type: 'message',
      role: 'assistant',
      model: action.model ?? `${body?.model ?? 'claude-fake'}-20250101`,
      content,
      stop_reason: calls.length > 0 ? 'tool_use' : action.stop === 'max_tokens' ? 'max_tokens' : 'end_turn',
      stop_sequence: null,
      // input_tokens excludes the prompt-cache reads, as the Messages API counts them
      usage: {
        input_tokens: (action.usage?.input ?? 100) - (action.usage?.cached ?? 0),
        output_tokens: action.usage?.output ?? 20,
        ...(action.usage?.cached !== undefined ? { cache_read_input_tokens: action.usage.cached, cache_creation_input_tokens: 0 } : {}),
      },
    };
  },
  streamEvents(action, req, index) {
    // the Messages API's event sequence for the same answer
    const whole = anthropicFormat.success(action, req, index) as {
      id: string;
      model: string;
      content: ({ type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown })[];
      stop_reason: string;
      usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
    };
    const ev = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    const out = [
      ev('message_start', {
        type: 'message_start',
        message: {
          id: whole.id,
          type: 'message',
          role: 'assistant',
          model: whole.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // message_start carries the prompt's usage, cache reads included; message_delta the output's
          usage: { ...whole.usage, output_tokens: 1 },
        },
      }),
      ev('ping', { type: 'ping' }),
    ];
    for (const [i, b] of whole.content.entries()) {
      if (b.type === 'text') {
        out.push(ev('content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'text', text: '' } }));
        for (const piece of b.text.match(/[\s\S]{1,16}/g) ?? [])
          out.push(ev('content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'text_delta', text: piece } }));
      } else {
        out.push(ev('content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }));
        for (const piece of JSON.stringify(b.input).match(/[\s\S]{1,64}/g) ?? [])
          out.push(ev('content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: piece } }));
      }
      out.push(ev('content_block_stop', { type: 'content_block_stop', index: i }));
    }
    out.push(
      ev('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: whole.stop_reason, stop_sequence: null },
        usage: { output_tokens: whole.usage.output_tokens },
      }),
    );
    out.push(ev('message_stop', { type: 'message_stop' }));
    return out;
  },
  errorBody: (status, message) => ({
    type: 'error',
    error: { type: status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : status === 401 ? 'authentication_error' : 'api_error', message },
  }),
};

/** `url` is the base URL for the SDK (the SDK appends /v1/messages). */
export function startFakeAnthropic(opts: FakeServerOptions): Promise<FakeServer> {
  return startFakeServer(anthropicFormat, opts);
}
