/** A fake OpenAI Chat Completions server (also what Ollama/vLLM/LiteLLM speak). */
import { callId, startFakeServer, type FakeServer, type FakeServerOptions, type WireFormat } from './fake-llm-server.js';

export type { FakeAction, FakeRequest, FakeServer, Responder } from './fake-llm-server.js';

export const openAiFormat: WireFormat = {
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
  streamEvents(action, req, index) {
    // the same answer, cut into the chunks an OpenAI-compatible server streams
    const whole = openAiFormat.success(action, req, index) as {
      id: string;
      model: string;
      created: number;
      choices: { message: { content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[];
      usage: unknown;
    };
    const base = { id: whole.id, object: 'chat.completion.chunk', created: whole.created, model: whole.model };
    const msg = whole.choices[0]!.message;
    const chunks: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
    for (const piece of (msg.content ?? '').match(/[\s\S]{1,16}/g) ?? [])
      chunks.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    for (const [i, c] of (msg.tool_calls ?? []).entries()) {
      chunks.push({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: i, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] },
            finish_reason: null,
          },
        ],
      });
      for (const piece of c.function.arguments.match(/[\s\S]{1,64}/g) ?? [])
        chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: piece } }] }, finish_reason: null }] });
    }
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: whole.choices[0]!.finish_reason }] });
    const wantsUsage = (req.body as { stream_options?: { include_usage?: boolean } } | undefined)?.stream_options?.include_usage === true;
    if (wantsUsage) chunks.push({ ...base, choices: [], usage: whole.usage });
    return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'];
  },
  errorBody: (status, message) => ({ error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }),
};

/** `url` is the base URL for the SDK / OPENAI_BASE_URL (ends in /v1). */
export function startFakeOpenAi(opts: FakeServerOptions): Promise<FakeServer> {
  return startFakeServer(openAiFormat, opts);
}
