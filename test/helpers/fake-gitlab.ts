import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small emulation of the GitLab REST API v4 endpoints Bulwark publishes with, on 127.0.0.1,
 * keeping state in memory and recording every request (method, path, parsed body) so tests can
 * assert them exactly. Shapes follow GitLab's documentation: notes, discussions, commit statuses,
 * GET /user and a merge request with `diff_refs`; errors are `{"message": "..."}` with GitLab's
 * status codes, and a position off the diff is refused with GitLab's 400 line-code message.
 */
export interface GitlabRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** JSON bodies parsed; multipart form bodies as { field: value }. */
  body: unknown;
  contentType: string;
  privateToken: string | undefined;
}

interface User {
  id: number;
  username: string;
  name: string;
  state: 'active';
  avatar_url: string;
  web_url: string;
}

interface Note {
  id: number;
  type: 'DiffNote' | 'DiscussionNote' | null;
  body: string;
  attachment: null;
  author: User;
  created_at: string;
  updated_at: string;
  system: boolean;
  noteable_id: number;
  noteable_type: 'MergeRequest';
  noteable_iid: number;
  resolvable: boolean;
  confidential: boolean;
  internal: boolean;
  position?: Record<string, unknown>;
}

export const INVALID_POSITION = '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}';

export interface FakeGitlabOptions {
  /** The user each token belongs to (unknown tokens get 401). */
  tokens?: Record<string, string>;
  /** The MR's diff: new-side lines a discussion may point at, per path. Unset: any line. */
  diffLines?: Record<string, number[]>;
  /** diff_refs of every merge request. */
  diffRefs?: { base_sha: string; start_sha: string; head_sha: string };
}

export class FakeGitlab {
  readonly requests: GitlabRequest[] = [];
  readonly notes = new Map<number, Note[]>();
  readonly discussions = new Map<number, { id: string; individual_note: boolean; notes: Note[] }[]>();
  readonly statuses: Record<string, unknown>[] = [];
  private readonly users = new Map<string, User>();
  private readonly injected: { method: string; path: RegExp; status: number; message: string; times: number }[] = [];
  private nextId = 500;
  private clock = Date.parse('2026-01-01T00:00:00Z');
  private server: http.Server;
  url = '';

  constructor(readonly options: FakeGitlabOptions = {}) {
    for (const [token, username] of Object.entries(options.tokens ?? { 'glpat-test': 'bulwark-bot' })) this.users.set(token, this.user(username));
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(req, Buffer.concat(chunks)).then(({ status, body, headers }) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(body === undefined ? '' : JSON.stringify(body));
        });
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v4`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Answers the next `times` requests matching method and path with `status` and `{"message": message}`. */
  inject(method: string, path: RegExp, status: number, message: string, times = 1): void {
    this.injected.push({ method, path, status, message, times });
  }

  /** A note written by someone else (e.g. a user pasting the marker). */
  addNote(iid: number, username: string, body: string): Note {
    const n = this.note(iid, this.user(username), body, null);
    this.notesOf(iid).push(n);
    return n;
  }

  calls(filter: (r: GitlabRequest) => boolean = () => true): string[] {
    return this.requests.filter(filter).map((r) => `${r.method} ${r.path}`);
  }

  writes(): GitlabRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private user(username: string): User {
    const id = [...username].reduce((a, c) => a + c.charCodeAt(0), 0);
    return {
      id,
      username,
      name: username,
      state: 'active',
      avatar_url: `https://gitlab.example/uploads/${username}.png`,
      web_url: `https://gitlab.example/${username}`,
    };
  }

  private notesOf(iid: number): Note[] {
    if (!this.notes.has(iid)) this.notes.set(iid, []);
    return this.notes.get(iid)!;
  }

  private note(iid: number, author: User, body: string, type: Note['type']): Note {
    const at = new Date((this.clock += 1000)).toISOString();
    return {
      id: this.nextId++,
      type,
      body,
      attachment: null,
      author,
      created_at: at,
      updated_at: at,
      system: false,
      noteable_id: 9000 + iid,
      noteable_type: 'MergeRequest',
      noteable_iid: iid,
      resolvable: type === 'DiffNote',
      confidential: false,
      internal: false,
    };
  }

  private async parseBody(req: http.IncomingMessage, raw: Buffer): Promise<{ body: unknown; contentType: string }> {
    const contentType = String(req.headers['content-type'] ?? '');
    if (raw.length === 0) return { body: undefined, contentType };
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
      const out: Record<string, string> = {};
      for (const [k, v] of form.entries()) out[k] = typeof v === 'string' ? v : '(file)';
      return { body: out, contentType };
    }
    return { body: JSON.parse(raw.toString('utf8')) as unknown, contentType };
  }

  private async handle(req: http.IncomingMessage, raw: Buffer): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const { body, contentType } = await this.parseBody(req, raw);
    const token = req.headers['private-token'] as string | undefined;
    // routed and recorded as sent: a project path travels URL-encoded (acme%2Fpay), as GitLab requires
    const path = u.pathname;
    this.requests.push({ method, path, query: Object.fromEntries(u.searchParams), body, contentType, privateToken: token });
    const err = (status: number, message: string): { status: number; body: unknown } => ({ status, body: { message } });

    const inj = this.injected.find((i) => i.times > 0 && i.method === method && i.path.test(path));
    if (inj) {
      inj.times--;
      return err(inj.status, inj.message);
    }
    const me = token ? this.users.get(token) : undefined;
    if (!me) return err(401, '401 Unauthorized');
    if (!path.startsWith('/api/v4/')) return err(404, '404 Not Found');
    const p = path.slice('/api/v4'.length);
    const b = (body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;

    if (method === 'GET' && p === '/user')
      return { status: 200, body: { ...me, created_at: '2025-01-01T00:00:00.000Z', bot: false, email: `${me.username}@example.test` } };

    if ((m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)$/.exec(p)) && method === 'GET') {
      const iid = Number(m[2]);
      const refs = this.options.diffRefs ?? null;
      return {
        status: 200,
        body: {
          id: 9000 + iid,
          iid,
          project_id: 77,
          title: 'MR',
          state: 'opened',
          sha: refs?.head_sha ?? null,
          diff_refs: refs,
          web_url: `https://gitlab.example/acme/pay/-/merge_requests/${iid}`,
        },
      };
    }

    if ((m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes$/.exec(p))) {
      const iid = Number(m[2]);
      if (method === 'GET') return this.page(this.notesOf(iid), u);
      if (method === 'POST') {
        if (typeof b.body !== 'string' || b.body === '') return err(400, '400 Bad request - body is missing');
        const n = this.note(iid, me, b.body, null);
        this.notesOf(iid).push(n);
        return { status: 201, body: n };
      }
    }
    if ((m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes\/(\d+)$/.exec(p)) && method === 'PUT') {
      const n = this.notesOf(Number(m[2])).find((x) => x.id === Number(m![3]));
      if (!n) return err(404, '404 Not found');
      if (n.author.username !== me.username) return err(403, '403 Forbidden');
      n.body = String(b.body);
      n.updated_at = new Date((this.clock += 1000)).toISOString();
      return { status: 200, body: n };
    }

    if ((m = /^\/projects\/([^/]+)\/merge_requests\/(\d+)\/discussions$/.exec(p))) {
      const iid = Number(m[2]);
      if (!this.discussions.has(iid)) this.discussions.set(iid, []);
      const list = this.discussions.get(iid)!;
      if (method === 'GET') return this.page(list, u);
      if (method === 'POST') {
        const refs = this.options.diffRefs;
        const pos = (k: string): string | undefined => b[`position[${k}]`] as string | undefined;
        let position: Record<string, unknown> | undefined;
        if (pos('position_type') !== undefined) {
          if (pos('position_type') !== 'text') return err(400, '400 Bad request - position_type does not have a valid value');
          if (refs && (pos('base_sha') !== refs.base_sha || pos('start_sha') !== refs.start_sha || pos('head_sha') !== refs.head_sha))
            return err(400, INVALID_POSITION);
          const path = pos('new_path') ?? '';
          const line = Number(pos('new_line'));
          const allowed = this.options.diffLines?.[path];
          if (!Number.isInteger(line) || line <= 0 || (this.options.diffLines && !allowed?.includes(line))) return err(400, INVALID_POSITION);
          position = {
            base_sha: pos('base_sha'),
            start_sha: pos('start_sha'),
            head_sha: pos('head_sha'),
            old_path: pos('old_path'),
            new_path: path,
            position_type: 'text',
            old_line: pos('old_line') ? Number(pos('old_line')) : null,
            new_line: line,
          };
        }
        const n = {
          ...this.note(iid, me, typeof b.body === 'string' ? b.body : '', position ? 'DiffNote' : 'DiscussionNote'),
          ...(position ? { position } : {}),
        };
        const d = { id: (this.nextId++).toString(16).padStart(40, 'd'), individual_note: false, notes: [n] };
        list.push(d);
        return { status: 201, body: d };
      }
    }

    if ((m = /^\/projects\/([^/]+)\/statuses\/([0-9a-f]{40})$/.exec(p)) && method === 'POST') {
      const state = String(b.state);
      if (!['pending', 'running', 'success', 'failed', 'canceled', 'skipped'].includes(state))
        return err(400, '400 Bad request - state does not have a valid value');
      const name = typeof b.name === 'string' ? b.name : typeof b.context === 'string' ? b.context : 'default';
      const prev = [...this.statuses].reverse().find((s) => s.sha === m![2] && s.name === name);
      if (prev && prev.status === state && state === 'running')
        return err(400, 'Cannot transition status via :run from :running (Reason(s): Status cannot transition via "run")');
      const s = {
        id: this.nextId++,
        sha: m[2],
        ref: (b.ref as string | undefined) ?? 'feature',
        status: state,
        name,
        target_url: (b.target_url as string | undefined) ?? null,
        description: (b.description as string | undefined) ?? null,
        created_at: new Date((this.clock += 1000)).toISOString(),
        started_at: null,
        finished_at: null,
        allow_failure: false,
        coverage: null,
        pipeline_id: (b.pipeline_id as number | undefined) ?? 1,
        author: me,
      };
      this.statuses.push(s);
      return { status: 201, body: s };
    }
    return err(404, '404 Not Found');
  }

  /** Offset pagination with GitLab's headers (x-page, x-total-pages, link rel="next"). */
  private page<T>(items: T[], u: URL): { status: number; body: T[]; headers: Record<string, string> } {
    const per = Math.min(100, Number(u.searchParams.get('per_page') ?? 20));
    const page = Number(u.searchParams.get('page') ?? 1);
    const total = Math.max(1, Math.ceil(items.length / per));
    const headers: Record<string, string> = {
      'x-page': String(page),
      'x-per-page': String(per),
      'x-total': String(items.length),
      'x-total-pages': String(total),
    };
    if (page < total) {
      const next = new URL(u.toString());
      next.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
      next.searchParams.set('page', String(page + 1));
      next.searchParams.set('per_page', String(per));
      headers.link = `<${next.toString()}>; rel="next"`;
      headers['x-next-page'] = String(page + 1);
    }
    return { status: 200, body: items.slice((page - 1) * per, page * per), headers };
  }
}
