/**
 * A loopback OpenAI-compatible Chat Completions server that takes as long as a real provider:
 * time to first token, then a steady number of output tokens per second. It answers streamed
 * (`"stream": true`, Server-Sent Events with chunks paced at the token rate) or in one body after
 * the same total time, as the request asks. Used by bench/pipeline/latency-profile.ts.
 *
 * How long each answer is comes from `plan(request)`: a number of output tokens (capped by the
 * request's max_tokens / max_completion_tokens) and whether this turn reads a file first. The
 * answer hands in a review in whatever form the request asks for: a `submit_review` tool call
 * when that tool is offered, JSON when `response_format` asks for it, else Markdown text with a
 * fenced JSON block. Text is padded to ~4 characters per output token.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Timing {
  /** Time to first token, ms. */
  ttftMs: number;
  tokensPerSecond: number;
}

export interface TurnPlan {
  /** Output tokens this answer should have (before the max_tokens cap). */
  tokens: number;
  /** Call read_file on this path instead of handing in the review. */
  readFile?: string;
}

export interface EmulatedCall {
  stage: string;
  receivedAt: number;
  answeredAt: number;
  /** The model time this call emulated: TTFT + tokens / rate. */
  modelMs: number;
  tokens: number;
  streamed: boolean;
}

export interface EmulatedServer {
  url: string;
  calls: EmulatedCall[];
  timing: Timing;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** A request field as text ('' when it is not a string). */
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The stage a request belongs to: the worker's first user message is a JSON context naming it. */
export function stageOf(body: Json): string {
  const msgs = (body.messages ?? []) as Json[];
  const first = msgs.find((m) => m.role === 'user');
  try {
    const ctx = JSON.parse(str(first?.content)) as { stage?: string };
    if (ctx.stage) return ctx.stage;
  } catch {
    // not the JSON context
  }
  return /"stage":\s*"([^"]+)"/.exec(str(first?.content))?.[1] ?? '?';
}

function padTo(chars: number, seed: string): string {
  const sentence = `${seed} The change moves money between accounts; amounts are integer minor units and every path is checked for validation, rounding and error handling. `;
  let s = '';
  while (s.length < chars) s += sentence;
  return s.slice(0, chars);
}

/** The review an answer hands in, with its Markdown padded so the whole answer has ~`tokens` tokens. */
function review(stage: string, tokens: number): Json {
  const findings = [
    {
      file: 'src/ledger/transfer.js',
      line: 12,
      severity: 'medium',
      category: 'correctness',
      message: 'Amount is not validated as a positive integer.',
      confidence: 0.7,
    },
  ];
  const fixed = JSON.stringify({ summary_markdown: '', findings }).length;
  return { summary_markdown: padTo(Math.max(40, tokens * 4 - fixed), `### ${stage}\n\n`), findings };
}

export async function startEmulatedProvider(timing: Timing, plan: (body: Json, stage: string) => TurnPlan): Promise<EmulatedServer> {
  const calls: EmulatedCall[] = [];
  const sockets = new Set<Socket>();
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const receivedAt = performance.now();
        let body: Json;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'invalid JSON', type: 'invalid_request_error' } }));
          return;
        }
        if (!req.url?.endsWith('/chat/completions')) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message: `no route ${req.url}`, type: 'invalid_request_error' } }));
          return;
        }
        const stage = stageOf(body);
        const p = plan(body, stage);
        const cap = Number(body.max_completion_tokens ?? body.max_tokens ?? Infinity);
        const tools = ((body.tools ?? []) as Json[]).map((t) => str((t.function as Json | undefined)?.name));
        const reading = p.readFile !== undefined && tools.includes('read_file');
        const tokens = Math.max(1, Math.min(reading ? 40 : p.tokens, cap));
        const model = str(body.model) || 'emulated';
        const id = `chatcmpl-emu${++n}`;
        // what the answer carries: a tool call, JSON content or Markdown with a fenced JSON block
        let toolCall: { name: string; arguments: string } | undefined;
        let content = '';
        if (reading) toolCall = { name: 'read_file', arguments: JSON.stringify({ path: p.readFile }) };
        else if (tools.includes('submit_review')) toolCall = { name: 'submit_review', arguments: JSON.stringify(review(stage, tokens)) };
        else if (body.response_format) content = JSON.stringify(review(stage, tokens));
        else {
          const r = review(stage, tokens);
          content = `${String(r.summary_markdown)}\n\n\`\`\`json\n${JSON.stringify({ findings: r.findings })}\n\`\`\`\n`;
        }
        const usage = { prompt_tokens: Math.ceil(JSON.stringify(body).length / 4), completion_tokens: tokens, total_tokens: 0 };
        usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
        const finish = toolCall ? 'tool_calls' : tokens >= cap ? 'length' : 'stop';
        const modelMs = timing.ttftMs + (tokens / timing.tokensPerSecond) * 1000;
        const streamed = body.stream === true;
        if (!streamed) {
          await sleep(modelMs - (performance.now() - receivedAt));
          const message: Json = { role: 'assistant', content: toolCall ? null : content };
          if (toolCall) message.tool_calls = [{ id: `call_${n}`, type: 'function', function: toolCall }];
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model,
              choices: [{ index: 0, message, finish_reason: finish }],
              usage,
            }),
          );
        } else {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
          const send = (delta: Json, finishReason: string | null = null, extra: Json = {}): void => {
            res.write(
              `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`,
            );
          };
          const text = toolCall ? toolCall.arguments : content;
          await sleep(timing.ttftMs - (performance.now() - receivedAt));
          send(
            toolCall
              ? {
                  role: 'assistant',
                  content: null,
                  tool_calls: [{ index: 0, id: `call_${n}`, type: 'function', function: { name: toolCall.name, arguments: '' } }],
                }
              : { role: 'assistant', content: '' },
          );
          // pieces every ~50 ms, each as many characters as the rate allows in that time
          const start = performance.now();
          let sent = 0;
          while (sent < text.length) {
            await sleep(50);
            const due = Math.min(text.length, Math.floor((((performance.now() - start) / 1000) * timing.tokensPerSecond * text.length) / tokens));
            if (due > sent) {
              const piece = text.slice(sent, due);
              send(toolCall ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { content: piece });
              sent = due;
            }
          }
          send({}, finish);
          if ((body.stream_options as Json | undefined)?.include_usage)
            res.write(
              `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [], usage })}\n\n`,
            );
          res.end('data: [DONE]\n\n');
        }
        calls.push({ stage, receivedAt, answeredAt: performance.now(), modelMs, tokens, streamed });
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    timing,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
