import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small emulation of the GitHub REST endpoints Bulwark uses, on 127.0.0.1, keeping state in
 * memory and recording every request so tests can assert the exact method, path and body.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
}

export interface FakeGithubOptions {
  /** Answer POST /check-runs with 403 (a token without checks: write). */
  forbidCheckRuns?: boolean;
  /** Answer every write with 500 (GitHub having a bad day). */
  failWrites?: boolean;
  /** Never answer (a hung API). */
  hang?: boolean;
}

export class FakeGithub {
  readonly requests: RecordedRequest[] = [];
  readonly issueComments = new Map<number, Comment[]>();
  readonly reviewComments = new Map<number, (Comment & { path: string; line: number })[]>();
  readonly reviews: { id: number; pull: number; body: unknown }[] = [];
  readonly checkRuns: Record<string, unknown>[] = [];
  readonly statuses: Record<string, unknown>[] = [];
  private nextId = 1000;
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
        };
        this.requests.push(rec);
        if (this.options.hang) return;
        const [status, payload] = this.route(rec);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(payload));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests that changed state (everything but GET). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  addIssueComment(issue: number, body: string, user: Comment['user'] = { login: 'someone', type: 'User' }): Comment {
    const c = { id: this.nextId++, body, user };
    this.issueComments.set(issue, [...(this.issueComments.get(issue) ?? []), c]);
    return c;
  }

  private route(r: RecordedRequest): [number, unknown] {
    const p = r.path;
    if (this.options.failWrites && r.method !== 'GET') return [500, { message: 'Internal Server Error' }];
    const b = (r.body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    const bot = { login: 'github-actions[bot]', type: 'Bot' as const };
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(p))) {
      const n = Number(m[1]);
      if (r.method === 'GET') return [200, r.query.page && r.query.page !== '1' ? [] : (this.issueComments.get(n) ?? [])];
      if (r.method === 'POST') {
        const c = { id: this.nextId++, body: String(b.body), user: bot };
        this.issueComments.set(n, [...(this.issueComments.get(n) ?? []), c]);
        return [201, c];
      }
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(p)) && r.method === 'PATCH') {
      const id = Number(m[1]);
      for (const list of this.issueComments.values()) {
        const c = list.find((x) => x.id === id);
        if (c) {
          if (c.user.type !== 'Bot') return [403, { message: 'Resource not accessible by integration' }];
          c.body = String(b.body);
          return [200, c];
        }
      }
      return [404, { message: 'Not Found' }];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/comments$/.exec(p)) && r.method === 'GET') {
      return [200, r.query.page && r.query.page !== '1' ? [] : (this.reviewComments.get(Number(m[1])) ?? [])];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/reviews$/.exec(p)) && r.method === 'POST') {
      const n = Number(m[1]);
      if (b.event !== 'COMMENT') return [422, { message: 'this fake only accepts COMMENT reviews' }];
      const id = this.nextId++;
      const comments = (b.comments as { path: string; line: number; body: string }[] | undefined) ?? [];
      for (const c of comments) this.reviewComments.set(n, [...(this.reviewComments.get(n) ?? []), { id: this.nextId++, body: c.body, path: c.path, line: c.line, user: bot }]);
      this.reviews.push({ id, pull: n, body: b });
      return [200, { id, state: 'COMMENTED' }];
    }
    if ((m = /^\/repos\/[^/]+\/[^/]+\/commits\/([^/]+)\/check-runs$/.exec(p)) && r.method === 'GET') {
      if (this.options.forbidCheckRuns) return [403, { message: 'Resource not accessible by integration' }];
      const runs = this.checkRuns.filter((c) => c.head_sha === m![1] && (!r.query.check_name || c.name === r.query.check_name));
      return [200, { total_count: runs.length, check_runs: runs }];
    }
    if (/^\/repos\/[^/]+\/[^/]+\/check-runs$/.test(p) && r.method === 'POST') {
      if (this.options.forbidCheckRuns) return [403, { message: 'Resource not accessible by integration' }];
      const run = { id: this.nextId++, ...b };
      this.checkRuns.push(run);
      return [201, run];
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
}
