import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small emulation of the GitHub REST endpoints Bulwark uses, on 127.0.0.1, keeping state in
 * memory and recording every request so tests can assert the exact method, path and body. Error
 * answers copy GitHub's documented status codes, headers and bodies (rate limits, validation
 * failures, missing permissions).
 */
export interface RecordedRequest {
  method: string;
  /** Full path as requested (with the GitHub Enterprise prefix, if any). */
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
  /** Date.now() when the request arrived. */
  at: number;
}

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  created_at: string;
}

export const DOCS = 'https://docs.github.com/rest';

/** What an injected failure answers. */
export type Injected =
  /** 403 secondary rate limit with `retry-after` (seconds). */
  | { kind: 'secondary'; retryAfter: number }
  /** 403 primary rate limit: `x-ratelimit-remaining: 0`, reset `resetIn` seconds from now. */
  | { kind: 'primary'; resetIn: number }
  /** 403 "Resource not accessible by integration" (the token lacks the permission). */
  | { kind: 'forbidden' }
  /** 422 Validation Failed. */
  | { kind: 'invalid'; errors?: unknown[] }
  | { kind: 'server-error' };

export interface FakeGithubOptions {
  /** Answer POST/PATCH /check-runs with 403 (a token without checks: write). */
  forbidCheckRuns?: boolean;
  /** Answer every write with 500 (GitHub having a bad day). */
  failWrites?: boolean;
  /** Never answer (a hung API). */
  hang?: boolean;
  /** Serve the API under this path only, as GitHub Enterprise does (`/api/v3`). */
  prefix?: string;
  /**
   * GitHub's view of each pull request's diff: the new-side lines a review comment may point at,
   * per path. A comment on any other line is refused with 422, as GitHub does. Unset: any line.
   */
  diffLines?: Record<string, number[]>;
  /** The user a personal access token belongs to (tokens not starting with `ghs_`). */
  user?: string;
  /** The bot an installation token (`ghs_…`) writes as. */
  appLogin?: string;
}

export class FakeGithub {
  readonly requests: RecordedRequest[] = [];
  readonly issueComments = new Map<number, Comment[]>();
  readonly reviewComments = new Map<number, (Comment & { path: string; line: number })[]>();
  readonly reviews: { id: number; pull: number; body: unknown }[] = [];
  readonly checkRuns: (Record<string, unknown> & { id: number; annotations: unknown[] })[] = [];
  readonly statuses: Record<string, unknown>[] = [];
  private readonly injected: { method: string; path: RegExp; answer: Injected; times: number }[] = [];
  private nextId = 1000;
  private clock = Date.parse('2026-01-01T00:00:00Z');
  private server: http.Server;
  url = '';

  constructor(readonly options: FakeGithubOptions = {}) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://127.0.0.1');
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = null;
        try {
          body = raw ? JSON.parse(raw) : null;
        } catch {
          body = raw;
        }
        const rec: RecordedRequest = {
          method: req.method ?? 'GET',
          path: u.pathname,
          query: Object.fromEntries(u.searchParams),
          body,
          authorization: req.headers.authorization,
          at: Date.now(),
        };
        this.requests.push(rec);
        if (this.options.hang) return;
        const [status, payload, headers] = this.answer(rec);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(payload));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The REST base a client should use (with the Enterprise prefix when set). */
  get apiUrl(): string {
    return this.url + (this.options.prefix ?? '');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests that changed state (everything but GET). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  /** `METHOD /path` of every request, for exact assertions. */
  calls(filter: (r: RecordedRequest) => boolean = () => true): string[] {
    return this.requests.filter(filter).map((r) => `${r.method} ${r.path}`);
  }

  /** Answers the next `times` requests matching method and path (without prefix) with `answer`. */
  inject(method: string, path: RegExp | string, answer: Injected, times = 1): void {
    this.injected.push({ method, path: typeof path === 'string' ? new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : path, answer, times });
  }

  addIssueComment(issue: number, body: string, user: Comment['user'] = { login: 'someone', type: 'User' }): Comment {
    const c = { id: this.nextId++, body, user, created_at: this.tick() };
    this.issueComments.set(issue, [...(this.issueComments.get(issue) ?? []), c]);
    return c;
  }

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private identity(r: RecordedRequest): { installation: boolean; user: Comment['user'] } {
    const token = (r.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
    if (token.startsWith('ghs_')) return { installation: true, user: { login: this.options.appLogin ?? 'github-actions[bot]', type: 'Bot' } };
    return { installation: false, user: { login: this.options.user ?? 'octo-dev', type: 'User' } };
  }

  private answer(r: RecordedRequest): [number, unknown, Record<string, string>] {
    const prefix = this.options.prefix ?? '';
    if (!r.path.startsWith(prefix + '/')) return [404, { message: 'Not Found', documentation_url: DOCS }, {}];
    const path = r.path.slice(prefix.length);
    const hit = this.injected.find((i) => i.times > 0 && i.method === r.method && i.path.test(path));
    if (hit) {
      hit.times--;
      return injectedAnswer(hit.answer);
    }
    const [status, payload] = this.route({ ...r, path });
    return [status, payload, {}];
  }

  private route(r: RecordedRequest): [number, unknown] {
    const p = r.path;
    if (this.options.failWrites && r.method !== 'GET') return [500, { message: 'Internal Server Error' }];
    const b = (r.body ?? {}) as Record<string, unknown>;
    const me = this.identity(r);
    let m: RegExpExecArray | null;
    if (p === '/user' && r.method === 'GET') {
      // an installation token is not a user
      if (me.installation)
        return [403, { message: 'Resource not accessible by integration', documentation_url: `${DOCS}/users/users#get-the-authenticated-user`, status: '403' }];
      return [200, { login: me.user.login, id: 1, type: 'User' }];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(p))) {
      const n = Number(m[1]);
      if (r.method === 'GET') return [200, r.query.page && r.query.page !== '1' ? [] : (this.issueComments.get(n) ?? [])];
      if (r.method === 'POST') {
        const c = { id: this.nextId++, body: String(b.body), user: me.user, created_at: this.tick() };
        this.issueComments.set(n, [...(this.issueComments.get(n) ?? []), c]);
        return [201, c];
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(p)) && r.method === 'PATCH') {
      const id = Number(m[1]);
      for (const list of this.issueComments.values()) {
        const c = list.find((x) => x.id === id);
        if (c) {
          // an app may edit only its own comments; a maintainer's personal token may edit anyone's
          if (me.installation && c.user.login !== me.user.login)
            return [
              403,
              { message: 'Resource not accessible by integration', documentation_url: `${DOCS}/issues/comments#update-an-issue-comment`, status: '403' },
            ];
          c.body = String(b.body);
          return [200, c];
        }
      }
      return [404, { message: 'Not Found' }];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/comments$/.exec(p))) {
      const n = Number(m[1]);
      if (r.method === 'GET') return [200, r.query.page && r.query.page !== '1' ? [] : (this.reviewComments.get(n) ?? [])];
      if (r.method === 'POST') {
        const c = b as { path: string; line: number; body: string; start_line?: number };
        if (!this.inDiff(c)) {
          return [
            422,
            {
              message: 'Validation Failed',
              errors: [{ resource: 'PullRequestReviewComment', code: 'custom', field: 'pull_request_review_thread.line', message: 'could not be resolved' }],
              documentation_url: `${DOCS}/pulls/comments#create-a-review-comment-for-a-pull-request`,
              status: '422',
            },
          ];
        }
        const rc = { id: this.nextId++, body: c.body, path: c.path, line: c.line, user: me.user, created_at: this.tick() };
        this.reviewComments.set(n, [...(this.reviewComments.get(n) ?? []), rc]);
        return [201, rc];
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/reviews$/.exec(p)) && r.method === 'POST') {
      const n = Number(m[1]);
      if (b.event !== 'COMMENT') return [422, { message: 'this fake only accepts COMMENT reviews' }];
      const comments = (b.comments as { path: string; line: number; body: string; start_line?: number }[] | undefined) ?? [];
      // one comment off the diff refuses the whole review
      if (comments.some((c) => !this.inDiff(c))) {
        return [
          422,
          {
            message: 'Validation Failed',
            errors: ['Line could not be resolved'],
            documentation_url: `${DOCS}/pulls/reviews#create-a-review-for-a-pull-request`,
            status: '422',
          },
        ];
      }
      const id = this.nextId++;
      for (const c of comments)
        this.reviewComments.set(n, [
          ...(this.reviewComments.get(n) ?? []),
          { id: this.nextId++, body: c.body, path: c.path, line: c.line, user: me.user, created_at: this.tick() },
        ]);
      this.reviews.push({ id, pull: n, body: b });
      return [200, { id, state: 'COMMENTED' }];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/commits\/([^/]+)\/check-runs$/.exec(p)) && r.method === 'GET') {
      if (this.options.forbidCheckRuns) return forbidden('checks/runs#list-check-runs-for-a-git-reference');
      const runs = this.checkRuns.filter((c) => c.head_sha === m![1] && (!r.query.check_name || c.name === r.query.check_name));
      return [200, { total_count: runs.length, check_runs: runs }];
    }
    if (/^\/repos\/[^/]+\/[^/]+\/check-runs$/.test(p) && r.method === 'POST') {
      if (this.options.forbidCheckRuns) return forbidden('checks/runs#create-a-check-run');
      const bad = badAnnotations(b);
      if (bad) return bad;
      const out = (b.output ?? {}) as { annotations?: unknown[] };
      const run = { id: this.nextId++, ...b, annotations: [...(out.annotations ?? [])] };
      this.checkRuns.push(run);
      return [201, run];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/.exec(p)) && r.method === 'PATCH') {
      if (this.options.forbidCheckRuns) return forbidden('checks/runs#update-a-check-run');
      const run = this.checkRuns.find((c) => c.id === Number(m![1]));
      if (!run) return [404, { message: 'Not Found', documentation_url: `${DOCS}/checks/runs#update-a-check-run` }];
      const bad = badAnnotations(b);
      if (bad) return bad;
      const out = (b.output ?? {}) as { annotations?: unknown[] };
      // annotations are appended on every update; the other fields replace
      Object.assign(run, b, { annotations: [...run.annotations, ...(out.annotations ?? [])] });
      return [200, run];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/commits\/([^/]+)\/statuses$/.exec(p)) && r.method === 'GET') {
      if (r.query.page && r.query.page !== '1') return [200, []];
      return [200, this.statuses.filter((s) => s.sha === m![1]).reverse()];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/statuses\/([^/]+)$/.exec(p)) && r.method === 'POST') {
      const s = { id: this.nextId++, sha: m[1], ...b };
      this.statuses.push(s);
      return [201, s];
    }
    return [404, { message: `fake GitHub: no route for ${r.method} ${p}` }];
  }

  private inDiff(c: { path: string; line: number; start_line?: number }): boolean {
    const d = this.options.diffLines;
    if (!d) return true;
    const lines = d[c.path] ?? [];
    return lines.includes(c.line) && (c.start_line === undefined || lines.includes(c.start_line));
  }
}

function forbidden(doc: string): [number, unknown] {
  return [403, { message: 'Resource not accessible by integration', documentation_url: `${DOCS}/${doc}`, status: '403' }];
}

/** GitHub's checks API: at most 50 annotations per request, each with a valid range and level. */
function badAnnotations(b: Record<string, unknown>): [number, unknown] | null {
  const list = ((b.output ?? {}) as { annotations?: Record<string, unknown>[] }).annotations;
  if (!list) return null;
  const errors: string[] = [];
  if (list.length > 50) errors.push('Only 50 annotations may be sent per request');
  for (const a of list) {
    const start = a.start_line as number;
    const end = a.end_line as number;
    if (typeof a.path !== 'string' || !Number.isInteger(start) || start < 1 || !Number.isInteger(end) || end < start)
      errors.push(`invalid annotation range ${JSON.stringify(a)}`);
    if (!['notice', 'warning', 'failure'].includes(String(a.annotation_level))) errors.push(`invalid annotation_level ${String(a.annotation_level)}`);
  }
  return errors.length ? [422, { message: 'Validation Failed', errors, documentation_url: `${DOCS}/checks/runs#update-a-check-run`, status: '422' }] : null;
}

function injectedAnswer(a: Injected): [number, unknown, Record<string, string>] {
  switch (a.kind) {
    case 'secondary':
      return [
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000:0000:00000000.',
          documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        },
        { 'retry-after': String(a.retryAfter) },
      ];
    case 'primary': {
      const reset = Math.floor(Date.now() / 1000) + a.resetIn;
      return [
        403,
        {
          message: 'API rate limit exceeded for installation ID 1234.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: '403',
        },
        {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '5000',
          'x-ratelimit-reset': String(reset),
          'x-ratelimit-resource': 'core',
        },
      ];
    }
    case 'forbidden':
      return [403, { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' }, {}];
    case 'invalid':
      return [422, { message: 'Validation Failed', errors: a.errors ?? [], documentation_url: DOCS, status: '422' }, {}];
    case 'server-error':
      return [500, { message: 'Internal Server Error' }, {}];
  }
}
