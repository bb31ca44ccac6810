/** A fake Anthropic Messages API server. */
import { callId, startFakeServer, type FakeServer, type FakeServerOptions, type WireFormat } from './fake-llm-server.js';

export type { FakeAction, FakeRequest, FakeServer, Responder } from './fake-llm-server.js';

const anthropicFormat: WireFormat = {
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
      usage: { input_tokens: action.usage?.input ?? 100, output_tokens: action.usage?.output ?? 20 },
    };
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
