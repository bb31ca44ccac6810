/**
 * Loopback servers that behave as the model servers banks run do, including the error bodies
 * those servers document or are reported to send (quoted in docs/pipeline-and-providers.md):
 *
 * - vllm: vLLM started without --enable-auto-tool-choice, of a release without tool_choice
 *   "required": named tool choice and guided JSON work, "required" and "auto" are refused (400).
 * - ollama: Ollama with an embedding model listed first and a chat model whose template has no
 *   tools (/api/tags, /api/show capabilities, /api/generate keep_alive; 400 "does not support tools").
 * - llamacpp: llama.cpp's server started without --jinja (500 "tools param requires --jinja flag"),
 *   returning its model file path as the model name.
 * - openai-reasoning: an OpenAI gpt-5/o-series model (400 unsupported max_tokens / temperature).
 * - litellm: a LiteLLM proxy in front of that vLLM: the same refusals, in LiteLLM's error shape
 *   ("litellm.BadRequestError: Hosted_vllmException - …", code as a string).
 * - azure: Azure OpenAI (deployment path, api-version, api-key header) with a deployment whose
 *   name hides a reasoning model.
 *
 * Answers come from a scripted responder (usually the scripted reviewer), rendered as JSON or as
 * server-sent events when the request streams.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { clientLeftWithin, type FakeAction, type FakeRequest, type Responder } from './fake-llm-server.js';
import { openAiFormat } from './fake-openai.js';

export type Flavour = 'vllm' | 'litellm' | 'ollama' | 'llamacpp' | 'openai-reasoning' | 'azure';

export interface ModelServer {
  /** Base URL as a user configures it (…/v1; Azure: the resource endpoint; Ollama: its origin). */
  url: string;
  origin: string;
  requests: FakeRequest[];
  /** Chat requests only, with the status each got. */
  chats(): FakeRequest[];
  close(): Promise<void>;
}

export const ERRORS = {
  vllmRequired: {
    status: 400,
    body: {
      object: 'error',
      message: 'The tool_choice option required is not yet supported but on the roadmap.',
      type: 'BadRequestError',
      param: null,
      code: 400,
    },
  },
  vllmAuto: {
    status: 400,
    body: {
      object: 'error',
      message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
      type: 'BadRequestError',
      param: null,
      code: 400,
    },
  },
  ollamaNoTools: (model: string) => ({
    status: 400,
    body: { error: { message: `registry.ollama.ai/library/${model} does not support tools`, type: 'api_error', param: null, code: null } },
  }),
  llamaJinja: { status: 500, body: { error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' } } },
  llamaToolParse: {
    status: 500,
    body: { error: { code: 500, message: 'The model produced output that does not match the expected peg-native format', type: 'server_error' } },
  },
  /** llama.cpp releases before json_schema response formats (thrown as a runtime_error: 500). */
  llamaNoJsonSchema: {
    status: 500,
    body: { error: { code: 500, message: 'response_format type must be one of "text" or "json_object", but got: json_schema', type: 'server_error' } },
  },
  openaiMaxTokens: {
    status: 400,
    body: {
      error: {
        message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'unsupported_parameter',
      },
    },
  },
  openaiTemperature: (t: number) => ({
    status: 400,
    body: {
      error: {
        message: `Unsupported value: 'temperature' does not support ${t} with this model. Only the default (1) value is supported.`,
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'unsupported_value',
      },
    },
  }),
  azureNoDeployment: {
    status: 404,
    body: {
      error: {
        code: 'DeploymentNotFound',
        message:
          'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
      },
    },
  },
} as const;

export interface ModelServerOptions {
  respond: Responder;
  /** Ollama: the chat model (default "gemma:2b", listed after an embedding model). */
  model?: string;
  /** Ollama: report no capabilities in /api/show (servers before capabilities were added). */
  noCapabilities?: boolean;
  /** Ollama: answer /api/show after this long (a busy server); no answer once the client has left. */
  showDelayMs?: number;
  /** Azure: the deployment that exists (default "review-deploy"). */
  deployment?: string;
  /** llama.cpp: started with --jinja, but the model's tool calls do not parse (500 on every tool request). */
  toolParseFailure?: boolean;
}

type Body = Record<string, unknown> & { tools?: unknown[]; tool_choice?: unknown; stream?: boolean; model?: string };

/** The refusal a flavour answers a chat request with, or undefined when it serves it. */
function refusal(flavour: Flavour, body: Body, o: ModelServerOptions): { status: number; body: unknown } | undefined {
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  switch (flavour) {
    case 'vllm':
      if (!tools) return undefined;
      if (body.tool_choice === 'required') return ERRORS.vllmRequired;
      if (body.tool_choice === undefined || body.tool_choice === 'auto') return ERRORS.vllmAuto;
      return undefined;
    case 'litellm': {
      const r = refusal('vllm', body, o);
      if (!r) return undefined;
      const upstream = (r.body as { message: string }).message;
      return {
        status: r.status,
        body: {
          error: {
            message: `litellm.BadRequestError: Hosted_vllmException - ${upstream}\nReceived Model Group=${String(body.model)}\nAvailable Model Group Fallbacks=None`,
            type: null,
            param: null,
            code: String(r.status),
          },
        },
      };
    }
    case 'ollama':
      return tools ? ERRORS.ollamaNoTools(o.model ?? 'gemma:2b') : undefined;
    case 'llamacpp':
      return tools ? (o.toolParseFailure ? ERRORS.llamaToolParse : ERRORS.llamaJinja) : undefined;
    case 'openai-reasoning':
    case 'azure':
      if (body.max_tokens !== undefined) return ERRORS.openaiMaxTokens;
      if (typeof body.temperature === 'number' && body.temperature !== 1) return ERRORS.openaiTemperature(body.temperature);
      return undefined;
  }
}

export async function startModelServer(flavour: Flavour, o: ModelServerOptions): Promise<ModelServer> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  const chatModel = o.model ?? 'gemma:2b';
  const deployment = o.deployment ?? 'review-deploy';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Body | undefined;
        try {
          body = JSON.parse(raw) as Body;
        } catch {
          body = undefined;
        }
        const rec: FakeRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw, receivedAt: performance.now() };
        const index = requests.length;
        requests.push(rec);
        const send = (status: number, payload: unknown): void => {
          const text = JSON.stringify(payload);
          rec.status = status;
          rec.response = text;
          rec.answeredAt = performance.now();
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
          res.end(text);
        };
        const url = new URL(req.url ?? '/', 'http://x');
        // Ollama's native API
        if (flavour === 'ollama' && req.method === 'GET' && url.pathname === '/api/tags') {
          return send(200, {
            models: [
              { name: 'nomic-embed-text:latest', model: 'nomic-embed-text:latest', details: { family: 'nomic-bert', families: ['nomic-bert'] } },
              { name: chatModel, model: chatModel, details: { family: 'gemma', families: ['gemma'] } },
            ],
          });
        }
        if (flavour === 'ollama' && req.method === 'POST' && url.pathname === '/api/show') {
          const m = String(body?.model ?? '');
          if (m !== chatModel && m !== 'nomic-embed-text:latest') return send(404, { error: `model '${m}' not found` });
          if (o.showDelayMs && (await clientLeftWithin(res, o.showDelayMs))) return;
          return send(200, {
            details: { family: m === chatModel ? 'gemma' : 'nomic-bert' },
            ...(o.noCapabilities ? {} : { capabilities: m === chatModel ? ['completion'] : ['embedding'] }),
          });
        }
        if (flavour === 'ollama' && req.method === 'POST' && url.pathname === '/api/generate') {
          return send(200, { model: body?.model, created_at: new Date().toISOString(), response: '', done: true, done_reason: 'load' });
        }
        let chat = req.method === 'POST' && url.pathname === '/v1/chat/completions';
        if (flavour === 'azure') {
          const m = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
          chat = req.method === 'POST' && m !== null;
          if (chat && !url.searchParams.get('api-version')) return send(404, { error: { code: '404', message: 'Resource not found' } });
          if (chat && req.headers['api-key'] === undefined)
            return send(401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } });
          if (chat && decodeURIComponent(m![1]!) !== deployment) return send(ERRORS.azureNoDeployment.status, ERRORS.azureNoDeployment.body);
        }
        if (!chat || !body) return send(404, { error: { message: `no route ${req.method} ${req.url}` } });
        const refused = refusal(flavour, body, o);
        if (refused) return send(refused.status, refused.body);
        let action: FakeAction = await o.respond(rec, index);
        if (action.type !== 'reply') return send(500, { error: { message: 'scripted failure' } });
        // llama.cpp answers with the model file it loaded
        if (flavour === 'llamacpp') action = { ...action, model: '/models/qwen2.5-coder-7b-instruct-q4_k_m.gguf' };
        if (body.stream !== true) return send(200, openAiFormat.success(action, rec, index));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        rec.status = 200;
        rec.response = '';
        for (const ev of openAiFormat.streamEvents(action, rec, index)) {
          rec.response += ev;
          res.write(ev);
        }
        rec.answeredAt = performance.now();
        res.end();
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: flavour === 'azure' || flavour === 'ollama' ? origin : `${origin}/v1`,
    origin,
    requests,
    chats: () => requests.filter((r) => /chat\/completions/.test(r.path)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
