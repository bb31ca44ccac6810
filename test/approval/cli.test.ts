import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { entriesOfKind } from '../../src/approval/log-facts.js';
import { writeKeyPair } from '../../src/audit/index.js';
import { makeApprovalFixture, type ApprovalFixture } from './fixture.js';

const execFileP = promisify(execFile);
const bin = path.join(packageRoot, 'bin', 'bulwark.js');

async function bulwark(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 60_000, ...(cwd ? { cwd } : {}) });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('bulwark approve / gate status / trailers / incident (CLI)', { timeout: 120_000 }, () => {
  let fx: ApprovalFixture;
  let config: string;
  beforeEach(async () => {
    fx = await makeApprovalFixture();
    await fx.log.close();
    config = path.join(fx.dir, 'bulwark.toml');
    writeFileSync(
      config,
      [
        '[approvals]',
        'allowed_signers = "allowed_signers"',
        '[approvals.groups]',
        'lending-leads = ["alice@bank.example"]',
        '[approvals.github_users]',
        'octo-alice = "alice@bank.example"',
        '[[gate.zones]]',
        'name = "lending"',
        'path = "lending/**"',
        'approver_groups = ["lending-leads"]',
        '',
      ].join('\n'),
    );
  });
  afterEach(async () => fx.cleanup());

  const common = () => ['--audit-db', fx.dbPath, '--config', config];

  it('gate, approve and gate status find the log through a relative [audit] db of --config, from any working directory', async () => {
    writeFileSync(config, readFileSync(config, 'utf8') + '[audit]\ndb = "audit.db"\nkey_file = "audit.key"\n');
    const cwd = packageRoot; // not fx.dir: a path resolved against the working directory would miss the log
    const g = await bulwark(
      ['gate', '--repo', fx.repo.dir, '--base', fx.base, '--head', fx.head, '--config', config, '--run-id', 'gate-rel', '--no-cache'],
      {},
      cwd,
    );
    assert.equal(g.code, 2, g.stderr);
    const s0 = await bulwark(['gate', 'status', '--run', 'gate-rel', '--config', config], {}, cwd);
    assert.equal(s0.code, 2, s0.stderr);
    assert.match(s0.stdout, /run gate-rel: approval required/);
    const a = await bulwark(
      ['approve', '--run', fx.runId, '--reviewer', 'alice@bank.example', '--key', fx.keys.alice, '--repo', fx.repo.dir, '--config', config],
      {},
      cwd,
    );
    assert.equal(a.code, 0, a.stderr);
    const s1 = await bulwark(['gate', 'status', '--run', fx.runId, '--config', config], {}, cwd);
    assert.equal(s1.code, 0, s1.stdout + s1.stderr);
  });

  it('gate status exits 2 until a signed approval lands, then 0; trailers name the approver', async () => {
    const s0 = await bulwark(['gate', 'status', '--run', fx.runId, ...common()]);
    assert.equal(s0.code, 2, s0.stderr);
    assert.match(s0.stdout, /approval required/);
    assert.match(s0.stdout, /zone lending: 0\/1 approvals; missing group lending-leads/);

    const bad = await bulwark(['approve', '--run', fx.runId, '--reviewer', 'author@example.test', '--key', fx.keys.author, '--repo', fx.repo.dir, ...common()]);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /^bulwark: reviewer author@example\.test is an author of the change/);

    const ok = await bulwark(['approve', '--run', fx.runId, '--reviewer', 'alice@bank.example', '--key', fx.keys.alice, '--repo', fx.repo.dir, ...common()]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /recorded approve of sha256:[0-9a-f]{64} by alice@bank\.example \(key SHA256:/);

    const s1 = await bulwark(['gate', 'status', '--run', fx.runId, '--json', ...common()]);
    assert.equal(s1.code, 0, s1.stderr);
    assert.equal((JSON.parse(s1.stdout) as { approved: boolean }).approved, true);

    const t = await bulwark(['trailers', '--run', fx.runId, ...common()]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^Reviewed-by-Agent: bulwark run run-0001\n/);
    assert.match(t.stdout, /Bulwark-Approved-by: alice@bank\.example/);

    const inc = await bulwark(['incident', 'report', '--commit', fx.head, '--json', ...common()]);
    assert.equal(inc.code, 0, inc.stderr);
    assert.deepEqual(
      (JSON.parse(inc.stdout) as { timeline: { kind: string }[] }).timeline.map((x) => x.kind),
      ['run_started', 'gate_decision', 'approval'],
    );

    // the approval travels into the evidence bundle and an auditor re-checks its SSH signature offline
    const exportKey = path.join(fx.dir, 'export-key', 'audit.key');
    writeKeyPair(exportKey);
    const bundle = path.join(fx.dir, 'bundle');
    const ex = await bulwark(['audit', 'export', '--from', '2026-01-01', '--to', '2100-01-01', '--out', bundle, '--key', exportKey, ...common()]);
    assert.equal(ex.code, 0, ex.stderr);
    const vb = await bulwark(['audit', 'verify', '--bundle', bundle, '--trusted-key', exportKey + '.pub', '--allowed-signers', fx.allowedSigners]);
    assert.equal(vb.code, 0, vb.stdout + vb.stderr);
    assert.match(vb.stdout, /approvals: 1 SSH signature\(s\) verified/);
    const onlyBob = path.join(fx.dir, 'only-bob');
    writeFileSync(
      onlyBob,
      readFileSync(fx.allowedSigners, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('bob@'))
        .join('\n') + '\n',
    );
    const vb2 = await bulwark(['audit', 'verify', '--bundle', bundle, '--trusted-key', exportKey + '.pub', '--allowed-signers', onlyBob]);
    assert.equal(vb2.code, 5);
    assert.match(vb2.stderr, /approval by alice@bank\.example .*not valid/);

    const unknown = await bulwark(['gate', 'status', '--run', 'nope', ...common()]);
    assert.equal(unknown.code, 3);
  });

  it('imports GitHub PR approvals (method github) from the REST API, refusing the PR author, the commit authors and stale commits', async () => {
    const requests: string[] = [];
    const posted: { url: string; body: Record<string, unknown> }[] = [];
    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      requests.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ''}`);
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        posted.push({ url: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        // a GITHUB_TOKEN without checks: write → the status API is used instead
        res.statusCode = req.url === '/repos/bank/payments/check-runs' ? 403 : 201;
        res.end(JSON.stringify(res.statusCode === 403 ? { message: 'Resource not accessible by integration' } : { id: 77 }));
        return;
      }
      if (req.url === '/repos/bank/payments/pulls/7') {
        res.end(JSON.stringify({ number: 7, head: { sha: fx.head }, user: { login: 'dev-author' }, commits: 2 }));
      } else if (req.url === '/repos/bank/payments/pulls/8') {
        // more commits than GitHub lists
        res.end(JSON.stringify({ number: 8, head: { sha: fx.head }, user: { login: 'dev-author' }, commits: 300 }));
      } else if (req.url?.startsWith('/repos/bank/payments/pulls/8/')) {
        res.end(JSON.stringify([{ sha: fx.head, author: { login: 'dev-author' }, committer: { login: 'web-flow' } }]));
      } else if (req.url?.startsWith('/repos/bank/payments/pulls/7/commits')) {
        res.end(
          JSON.stringify([
            // "Update branch": the clicking user authors the merge, GitHub's web-flow commits it
            { sha: fx.head, author: { login: 'dev-author' }, committer: { login: 'web-flow' } },
            { sha: fx.head, author: null, committer: { login: 'octo-carol' } },
          ]),
        );
      } else if (req.url?.startsWith('/repos/bank/payments/pulls/7/reviews')) {
        res.end(
          JSON.stringify([
            {
              id: 1,
              user: { login: 'octo-alice' },
              state: 'APPROVED',
              commit_id: fx.head,
              submitted_at: '2026-11-16T12:00:00Z',
              html_url: 'https://github.example/bank/payments/pull/7#pullrequestreview-1',
            },
            {
              id: 2,
              user: { login: 'dev-author' },
              state: 'APPROVED',
              commit_id: fx.head,
              submitted_at: '2026-11-16T12:01:00Z',
              html_url: 'https://github.example/r2',
            },
            {
              id: 3,
              user: { login: 'octo-bob' },
              state: 'APPROVED',
              commit_id: fx.base,
              submitted_at: '2026-11-16T12:02:00Z',
              html_url: 'https://github.example/r3',
            },
            {
              id: 4,
              user: { login: 'octo-carol' },
              state: 'COMMENTED',
              commit_id: fx.head,
              submitted_at: '2026-11-16T12:03:00Z',
              html_url: 'https://github.example/r4',
            },
            {
              id: 5,
              user: { login: 'octo-carol' },
              state: 'APPROVED',
              commit_id: fx.head,
              submitted_at: '2026-11-16T12:04:00Z',
              html_url: 'https://github.example/r5',
            },
            // GitHub logins are case-insensitive: the mapping is written in lower case
            {
              id: 6,
              user: { login: 'Octo-Author' },
              state: 'APPROVED',
              commit_id: fx.head,
              submitted_at: '2026-11-16T12:05:00Z',
              html_url: 'https://github.example/r6',
            },
            // not mapped while a commit's author has no GitHub account: cannot be compared
            {
              id: 7,
              user: { login: 'octo-dan' },
              state: 'APPROVED',
              commit_id: fx.head,
              submitted_at: '2026-11-16T12:06:00Z',
              html_url: 'https://github.example/r7',
            },
          ]),
        );
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ message: 'Not Found' }));
      }
    };
    // void: an error in the handler surfaces as an unhandled rejection, which fails the test
    const server: Server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('octo-alice = "alice@bank.example"', 'octo-alice = "alice@bank.example"\nocto-author = "author@example.test"'),
      );
      const args = ['approve', '--run', fx.runId, '--github-repo', 'bank/payments', '--pr', '7', '--api-url', apiUrl, '--repo', fx.repo.dir, ...common()];
      const r = await bulwark(args, { GITHUB_TOKEN: 'ghp_test_token' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /imported approve by github:octo-alice/);
      assert.match(r.stdout, /skipped review by dev-author: the reviewer is the pull request author/);
      assert.match(r.stdout, /skipped review by octo-bob: review is on [0-9a-f]{40}, not the reviewed head/);
      assert.match(r.stdout, /skipped review by octo-carol: the reviewer authored or committed a commit of the pull request/);
      assert.match(r.stdout, /skipped review by Octo-Author: the reviewer's principal author@example.test authored a commit of the change/);
      assert.match(r.stdout, /skipped review by octo-dan: a commit of the pull request has an author GitHub links to no account/);
      const capped = await bulwark(
        args.map((a) => (a === '7' ? '8' : a)),
        { GITHUB_TOKEN: 'ghp_test_token' },
      );
      assert.equal(capped.code, 3, capped.stdout + capped.stderr);
      assert.match(capped.stderr, /has 300 commits but GitHub listed 1/);
      assert.ok(
        requests.every((q) => q.endsWith('auth=token ghp_test_token')),
        requests.join('\n'),
      );
      assert.doesNotMatch(r.stdout + r.stderr, /ghp_test_token/);
      const again = await bulwark(args, { GITHUB_TOKEN: 'ghp_test_token' });
      assert.match(again.stdout, /skipped review by octo-alice: already imported/);

      const { openAuditLog } = await import('../../src/audit/index.js');
      const log = await openAuditLog({ location: fx.dbPath, mustExist: true });
      try {
        const approvals = await entriesOfKind(log.store, 'approval');
        assert.equal(approvals.length, 1);
        assert.equal(approvals[0]!.entry.method, 'github');
        assert.equal(approvals[0]!.entry.time, '2026-11-16T12:00:00.000Z');
      } finally {
        await log.close();
      }
      // the mapped GitHub login satisfies the lending-leads group
      const s = await bulwark(['gate', 'status', '--run', fx.runId, '--github-repo', 'bank/payments', '--api-url', apiUrl, ...common()], {
        GITHUB_TOKEN: 'ghp_test_token',
      });
      assert.equal(s.code, 0, s.stdout + s.stderr);
      assert.match(s.stdout, /github: status 77 on [0-9a-f]{40} set to success/);
      assert.deepEqual(
        posted.map((p) => p.url),
        ['/repos/bank/payments/check-runs', `/repos/bank/payments/statuses/${fx.head}`],
      );
      assert.equal(posted[0]!.body.conclusion, 'success');
      assert.equal(posted[0]!.body.name, 'bulwark');
      assert.equal(posted[1]!.body.state, 'success');
      assert.equal(posted[1]!.body.context, 'bulwark');
    } finally {
      server.close();
    }
  });
});
