/** A fake OpenAI Chat Completions server (also what Ollama/vLLM/LiteLLM speak). */
import { callId, startFakeServer, type FakeServer, type FakeServerOptions, type WireFormat } from './fake-llm-server.js';

export type { FakeAction, FakeRequest, FakeServer, Responder } from './fake-llm-server.js';

const openAiFormat: WireFormat = {
  path: '/v1/chat/completions',
  baseSuffix: '/v1',
  authorized: (h, key) => h.authorization === `Bearer ${key}`,
  success(action, req) {
    const calls = action.toolCalls ?? [];
    const body = req.body as { model?: string } | undefined;
    return {
      id: callId('chatcmpl-'),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: action.model ?? `${body?.model ?? 'fake-model'}-2025-01-01`,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: action.text ?? (calls.length > 0 ? null : ''),
            ...(calls.length > 0
              ? {
                  tool_calls: calls.map((c) => ({
                    id: c.id ?? callId('call_'),
                    type: 'function',
                    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
                  })),
                }
              : {}),
          },
          finish_reason: calls.length > 0 ? 'tool_calls' : action.stop === 'max_tokens' ? 'length' : 'stop',
        },
      ],
      usage: {
        prompt_tokens: action.usage?.input ?? 100,
        completion_tokens: action.usage?.output ?? 20,
        total_tokens: (action.usage?.input ?? 100) + (action.usage?.output ?? 20),
        ...(action.usage?.cached !== undefined ? { prompt_tokens_details: { cached_tokens: action.usage.cached } } : {}),
      },
    };
  },
  errorBody: (status, message) => ({ error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }),
};

/** `url` is the base URL for the SDK / OPENAI_BASE_URL (ends in /v1). */
export function startFakeOpenAi(opts: FakeServerOptions): Promise<FakeServer> {
  return startFakeServer(openAiFormat, opts);
}
