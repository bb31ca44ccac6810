/**
 * Shared core of the fake provider servers (fake-openai.ts, fake-anthropic.ts): a real HTTP
 * server on 127.0.0.1 that records every request and answers with scripted actions, including
 * the failure shapes a gateway must survive: 429 with Retry-After, 5xx, hangs, malformed JSON
 * and bodies cut off before their Content-Length.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeToolCall {
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type FakeAction =
  | {
      type: 'reply';
      text?: string;
      toolCalls?: FakeToolCall[];
      model?: string;
      usage?: { input: number; output: number; cached?: number };
      stop?: 'end' | 'max_tokens';
      /** Streamed answers: pause between events (a slow but live server). */
      chunkDelayMs?: number;
      /** Streamed answers: send this many events, then nothing more (a server that died mid-answer). */
      stallAfter?: number;
    }
  | { type: 'error'; status: number; retryAfter?: string; body?: string }
  /** Never answers (until the client gives up or the server closes). */
  | { type: 'hang' }
  /** 200 with a body that is not JSON. */
  | { type: 'malformed' }
  /** 200 whose body stops half-way (Content-Length larger than what is sent). */
  | { type: 'truncated' };

/**
 * Waits `ms` before answering; true when the client left first. A client that leaves ends the wait,
 * as a server stops working on a request nobody awaits (and a pending timer would keep the test
 * process alive after its server closed).
 */
export function clientLeftWithin(res: http.ServerResponse, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    res.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body (undefined if it was not JSON). */
  body: unknown;
  raw: string;
  /** performance.now() when the request arrived and when the answer was sent. */
  receivedAt: number;
  answeredAt?: number;
  /** Status and exact body sent back (absent for hangs). */
  status?: number;
  response?: string;
}

export type Responder = (req: FakeRequest, index: number) => FakeAction | Promise<FakeAction>;

export interface FakeServerOptions {
  respond: Responder;
  /** Added before every answer (simulated provider latency). */
  latencyMs?: number;
  /** When set, requests without this key get 401. */
  apiKey?: string;
}

export interface FakeServer {
  /** Base URL to give the SDK (format-specific: OpenAI's includes /v1). */
  url: string;
  origin: string;
  requests: FakeRequest[];
  latencyMs: number;
  close(): Promise<void>;
}

export interface WireFormat {
  path: string;
  baseSuffix: string;
  authorized(headers: http.IncomingHttpHeaders, key: string): boolean;
  success(action: Extract<FakeAction, { type: 'reply' }>, req: FakeRequest, index: number): unknown;
  /** The same answer as server-sent events (the request asked for stream: true). */
  streamEvents(action: Extract<FakeAction, { type: 'reply' }>, req: FakeRequest, index: number): string[];
  errorBody(status: number, message: string): unknown;
}

export async function startFakeServer(format: WireFormat, opts: FakeServerOptions): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { latencyMs: opts.latencyMs ?? 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
        const rec: FakeRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw, receivedAt: performance.now() };
        const index = requests.length;
        requests.push(rec);
        const send = (status: number, payload: string, headers: Record<string, string> = {}): void => {
          rec.answeredAt = performance.now();
          rec.status = status;
          rec.response = payload;
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers });
          res.end(payload);
        };
        if (req.method !== 'POST' || !(req.url ?? '').startsWith(format.path)) {
          return send(404, JSON.stringify(format.errorBody(404, `no route ${req.method} ${req.url}`)));
        }
        if (opts.apiKey !== undefined && !format.authorized(req.headers, opts.apiKey)) {
          return send(401, JSON.stringify(format.errorBody(401, 'invalid api key')));
        }
        const action = await opts.respond(rec, index);
        if (state.latencyMs > 0 && (await clientLeftWithin(res, state.latencyMs))) return;
        switch (action.type) {
          case 'hang':
            return;
          case 'malformed':
            return send(200, '{"id": "x", "choices": [ this is not json');
          case 'truncated': {
            rec.answeredAt = performance.now();
            const full = JSON.stringify(format.success({ type: 'reply', text: 'x'.repeat(200) }, rec, index));
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(full)) });
            res.write(full.slice(0, Math.floor(full.length / 2)));
            // flush the half body, then cut the connection
            setTimeout(() => res.socket?.destroy(), 20);
            return;
          }
          case 'error':
            return send(
              action.status,
              action.body ?? JSON.stringify(format.errorBody(action.status, `simulated ${action.status}`)),
              action.retryAfter !== undefined ? { 'retry-after': action.retryAfter } : {},
            );
          case 'reply': {
            if ((body as { stream?: unknown } | undefined)?.stream !== true) return send(200, JSON.stringify(format.success(action, rec, index)));
            const events = format.streamEvents(action, rec, index);
            res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
            rec.status = 200;
            rec.response = '';
            for (const [i, ev] of events.entries()) {
              if (action.stallAfter !== undefined && i >= action.stallAfter) return;
              if (i > 0 && action.chunkDelayMs) await new Promise((r) => setTimeout(r, action.chunkDelayMs));
              if (res.destroyed) return;
              rec.response += ev;
              res.write(ev);
            }
            rec.answeredAt = performance.now();
            res.end();
            return;
          }
        }
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin + format.baseSuffix,
    origin,
    requests,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(v: number) {
      state.latencyMs = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let idCounter = 0;
export function callId(prefix: string): string {
  idCounter += 1;
  return `${prefix}${idCounter.toString(36).padStart(6, '0')}`;
}
