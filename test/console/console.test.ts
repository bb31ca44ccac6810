import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { openStore } from '../../src/audit/log.js';
import { packageRoot } from '../../src/sandbox/package-paths.js';
import { startFakeOpenAi, type FakeServer } from '../helpers/fake-openai.js';
import { scriptedReviewer } from '../helpers/fake-reviewer.js';
import { makeGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { BIN, isolatedEnv, runCli } from '../helpers/cli.js';

/**
 * The console end to end: real reviews (the real CLI, sandboxed pipeline, a loopback model
 * server) write a real SQLite log; `bulwark console` serves it as a child process; Debian's
 * Chromium, driven by playwright-core, walks every page. Screenshots go to test-artifacts/console/.
 */

export const CHROMIUM = process.env.BULWARK_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = path.join(packageRoot, 'test-artifacts', 'console');

const HOSTILE_TITLE = '<script>window.__pwned = 1</script> tweak the fee <img src=x onerror="window.__pwned=2">';
const HOSTILE_LOGIN = '"><svg onload=alert(1)>';

const LEDGER = `from payments.fees import Fees


def process_payment(svc, amount):
    fee = svc.compute_fee(amount)
    return amount + fee
`;
const FEES_BASE = `class Fees:
    def compute_fee(self, amount):
        return round(amount * 0.01, 2)
`;
const FEES_HEAD = `class Fees:
    def compute_fee(self, amount):
        rate = 0.015
        return round(float(amount) * rate, 2)
`;

/** Member names of a ustar archive (512-byte headers, name in the first 100 bytes). */
function tarNames(tar: Buffer): string[] {
  const names: string[] = [];
  for (let off = 0; off + 512 <= tar.length;) {
    const name = tar
      .subarray(off, off + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(
      tar
        .subarray(off + 124, off + 136)
        .toString('utf8')
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    names.push(name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

interface Console {
  proc: ChildProcess;
  url: string;
  token: string;
}

function startConsoleProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Console> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, 'console', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /bulwark console: (http\S+)\/\?token=(\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1]!, token: m[2]! });
    });
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('exit', (code) => reject(new Error(`console exited ${code}: ${err}`)));
  });
}

describe('bulwark console (real runs, real browser)', () => {
  let tmp: string;
  let repo: GitRepo;
  let llm: FakeServer;
  let db: string;
  let env: NodeJS.ProcessEnv;
  let flaggedRun: string;
  let plainRun: string;
  let head: string;
  let agentLine: number;
  let con: Console;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pubKey: string;
  let witness: ChildProcess | undefined;
  let evidenceDir: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'bulwark-console-'));
    repo = makeGitRepo('bulwark-console-repo-');
    chmodSync(repo.dir, 0o755);
    repo.writeAll({
      'bulwark.toml': [
        'topology = "review/topology.toml"',
        '',
        '[review]',
        'fail_on = "critical"',
        '',
        '[gate]',
        'roots = ["payments.ledger.process_payment"]',
        '',
        '[[gate.zones]]',
        'name = "ledger"',
        'path = "payments/ledger.py"',
        '',
        '[[gate.zones]]',
        'name = "fees"',
        'path = "payments/fees.py"',
        '',
      ].join('\n'),
      'review/topology.toml': '[[pipeline.stages]]\nname = "correctness"\nprompt_file = "prompts/correctness.md"\n',
      'review/prompts/correctness.md': 'Review the change for correctness.\n',
      'payments/__init__.py': '',
      'payments/ledger.py': LEDGER,
      'payments/fees.py': FEES_BASE,
      'docs/README.md': '# docs\n',
    });
    const base = repo.commit('base');
    repo.checkout('feature', true);
    repo.write('payments/fees.py', FEES_HEAD);
    head = repo.commit('raise the fee\n\nCo-authored-by: Claude <noreply@anthropic.com>');
    agentLine = 4;
    repo.checkout('main');
    repo.checkout('docs-only', true);
    repo.write('docs/README.md', '# docs\n\nMore words.\n');
    const docsHead = repo.commit('docs');
    repo.checkout('feature');

    llm = await startFakeOpenAi({ respond: scriptedReviewer({ readFirst: false }), apiKey: 'sk-test' });
    env = isolatedEnv(tmp, llm.url);
    db = path.join(tmp, 'audit.db');
    const event = path.join(tmp, 'event.json');
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: {
          number: 12,
          title: HOSTILE_TITLE,
          body: 'Raise the fee.',
          html_url: 'javascript:alert(1)',
          user: { login: HOSTILE_LOGIN },
          base: { sha: base, ref: 'main', repo: { full_name: 'acme/pay' } },
          head: { sha: head, ref: 'feature', repo: { full_name: 'acme/pay' } },
        },
      }),
    );
    const flagged = await runCli(
      ['review', '--repo', repo.dir, '--base', base, '--head', head, '--github-event', event, '--format', 'json', '--audit-db', db],
      env,
    );
    assert.equal(flagged.code, 2, flagged.stderr);
    flaggedRun = (JSON.parse(flagged.stdout) as { runId: string }).runId;
    const plain = await runCli(['review', '--repo', repo.dir, '--base', base, '--head', docsHead, '--format', 'json', '--audit-db', db], env);
    assert.equal(plain.code, 0, plain.stderr);
    plainRun = (JSON.parse(plain.stdout) as { runId: string }).runId;
    // the per-user signing key the runs used; its .pub is what an auditor would be handed
    pubKey = path.join(tmp, 'state', 'bulwark', 'audit-key.pub');
    if (!existsSync(pubKey)) {
      const found = execFileSync('find', [tmp, '-name', '*.pub'], { encoding: 'utf8' }).trim().split('\n')[0]!;
      pubKey = found;
    }
    // a witness cosigns the newest checkpoint; the console is told its key
    const wKey = path.join(tmp, 'witness.key');
    assert.equal((await runCli(['audit', 'witness', 'keygen', '--out', wKey, '--name', 'witness.example/w1'], env)).code, 0);
    const store = await openStore(db, { mustExist: true, readonly: true });
    const origin = (await store.getMeta('origin'))!;
    await store.close();
    witness = spawn(
      process.execPath,
      [BIN, 'audit', 'witness', 'serve', '--key', wKey, '--state', path.join(tmp, 'w.state'), '--log', `${origin}=${pubKey}`, '--port', '0'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const wUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      witness!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = / listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      witness!.once('exit', (code) => reject(new Error(`witness exited ${code}`)));
    });
    const wCfg = path.join(tmp, 'witness.toml');
    writeFileSync(
      wCfg,
      `[audit]\nkey_file = "${pubKey.replace(/\.pub$/, '')}"\n\n[[audit.witnesses]]\nname = "w1"\nurl = "${wUrl}"\nkey = "${readFileSync(`${wKey}.pub`, 'utf8').trim()}"\n`,
    );
    const cosigned = await runCli(['audit', 'witness', 'cosign', '--db', db, '--config', wCfg], env);
    assert.equal(cosigned.code, 0, cosigned.stderr);
    // this week's evidence bundle, as the weekly job writes it, for the console to offer
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    evidenceDir = path.join(tmp, 'evidence');
    const exported = await runCli(
      ['audit', 'export', '--from', today, '--to', tomorrow, '--out', path.join(evidenceDir, `day-${today}`), '--audit-db', db],
      env,
    );
    assert.equal(exported.code, 0, exported.stderr);
    con = await startConsoleProcess(
      ['--audit-db', db, '--port', '0', '--repo', repo.dir, '--trusted-key', pubKey, '--witness', `${wKey}.pub`, '--evidence-dir', evidenceDir],
      env,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    con?.proc.kill('SIGTERM');
    witness?.kill('SIGTERM');
    await llm?.close();
    repo?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function axeViolations(p: Page): Promise<string[]> {
    // DevTools evaluation is not subject to the page's CSP, which (rightly) forbids injected scripts
    await p.evaluate(axe.source);
    const result = await p.evaluate(async () => {
      const w = globalThis as unknown as {
        document: unknown;
        axe: { run: (ctx: unknown, o: object) => Promise<{ violations: { id: string; nodes: unknown[] }[] }> };
      };
      return w.axe.run(w.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, rules: { region: { enabled: true } } });
    });
    return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
  }

  it('refuses requests without the token and trades the URL token for an HttpOnly cookie', async () => {
    const bare = await fetch(`${con.url}/runs`);
    assert.equal(bare.status, 401);
    assert.match(bare.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const wrong = await fetch(`${con.url}/runs`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const bearer = await fetch(`${con.url}/runs`, { headers: { authorization: `Bearer ${con.token}` } });
    assert.equal(bearer.status, 200);
    const res = await page.goto(`${con.url}/?token=${con.token}`);
    assert.equal(res?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/runs');
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    const cookies = await context.cookies();
    const c = cookies.find((k) => k.name === 'bulwark_console');
    assert.ok(c?.httpOnly && c.sameSite === 'Strict');
  });

  it('lists runs with filters; the hostile PR title and login are text, no script runs', async () => {
    const res = await page.goto(`${con.url}/runs`);
    const headers = res!.headers();
    assert.match(headers['content-security-policy']!, /default-src 'none'; style-src 'self'/);
    assert.equal(headers['x-frame-options'], 'DENY');
    const rows = page.locator('main table tbody tr');
    assert.equal(await rows.count(), 2);
    assert.ok((await page.textContent('main'))!.includes('<script>window.__pwned = 1</script>'), 'the title is shown as text');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('main img').count(), 0);
    await shot('runs');
    await page.selectOption('select[name=gate]', 'flagged');
    await page.click('form.filters button');
    assert.equal(await rows.count(), 1);
    assert.ok((await rows.first().textContent())!.includes(flaggedRun));
    await page.selectOption('select[name=gate]', 'not-flagged');
    await page.click('form.filters button');
    assert.equal(await rows.count(), 1);
    assert.ok((await rows.first().textContent())!.includes(plainRun));
    await page.goto(`${con.url}/runs?outcome=approval_required`);
    assert.equal(await rows.count(), 1);
    await page.goto(`${con.url}/runs?model=no-such-model`);
    assert.equal(await rows.count(), 0);
  });

  it('shows a run: stages, calls, findings with code, the gate and its call path drawn', async () => {
    await page.goto(`${con.url}/runs/${flaggedRun}`);
    const main = (await page.textContent('main'))!;
    assert.ok(main.includes('approval required'));
    assert.ok(main.includes('correctness'));
    // the finding quotes the reviewed head's code around its line
    const focus = page.locator('.excerpt .l.focus');
    assert.ok((await focus.count()) >= 1);
    assert.ok((await focus.first().textContent())!.includes('float(amount)'));
    // the gate's path: root and changed node, the untyped receiver's call dashed, both zones and the boundary
    const svg = page.locator('.path-graph svg');
    assert.equal(await svg.count(), 1);
    assert.ok((await page.locator('.path-graph .node.changed').textContent())!.includes('compute_fee'));
    assert.ok((await page.locator('.path-graph .node.root').textContent())!.includes('process_payment'));
    assert.equal(await page.locator('.path-graph .edge.name-only').count(), 1);
    assert.equal(await page.locator('.path-graph .boundary').count(), 1);
    assert.ok((await page.textContent('.path-list'))!.includes('⇢'));
    // the PR link is not a javascript: URL
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    assert.equal(await page.locator('script').count(), 0);
    await shot('run');
    assert.deepEqual(await axeViolations(page), []);
  });

  it('walks from a model call to its prompt blob and from an entry to its inclusion proof', async () => {
    await page.goto(`${con.url}/runs/${flaggedRun}`);
    await page.locator('section[aria-labelledby=calls-h] a.mono').first().click();
    assert.match(page.url(), /\/audit\/blobs\/sha256%3A|\/audit\/blobs\/sha256:/);
    assert.ok((await page.textContent('main pre'))!.includes('compute_fee'), 'the stored prompt holds the diff');
    await page.goto(`${con.url}/runs/${flaggedRun}`);
    await page.locator('section[aria-labelledby=calls-h] td a').first().click();
    assert.match(page.url(), /\/audit\/entries\/\d+$/);
    assert.ok((await page.textContent('main'))!.includes('included'));
    await shot('entry');
  });

  it('verifies the log against the trust anchor on request', async () => {
    await page.goto(`${con.url}/audit`);
    assert.ok((await page.textContent('main'))!.includes('signed by trusted key'), (await page.textContent('main')) ?? '');
    assert.match((await page.textContent('section[aria-labelledby=witness-h]'))!, /witness\.example\/w1\+[0-9a-f]+\s*valid cosigned/);
    await page.click('text=Verify the whole log now');
    for (let i = 0; i < 50 && !(await page.textContent('main'))!.includes('verified at'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      await page.goto(`${con.url}/audit`);
    }
    assert.ok((await page.textContent('main'))!.includes('verified at'));
    assert.ok((await page.textContent('main'))!.includes('1 valid cosignature(s)'));
    await shot('audit');
    assert.deepEqual(await axeViolations(page), []);
    // the evidence bundle downloads as a tar holding its signed manifest and entries
    const link = page.locator('section[aria-labelledby=evidence-h] a');
    assert.equal(await link.count(), 1);
    const href = (await link.getAttribute('href'))!;
    const tar = Buffer.from(await (await fetch(`${con.url}${href}`, { headers: { authorization: `Bearer ${con.token}` } })).arrayBuffer());
    const names = tarNames(tar);
    assert.ok(names.some((n) => n.endsWith('/manifest.json')) && names.some((n) => n.endsWith('/entries.jsonl')), names.join(', '));
    assert.equal((await fetch(`${con.url}/audit/evidence/..%2F..%2Fetc.tar`, { headers: { authorization: `Bearer ${con.token}` } })).status, 404);
    await page.goto(`${con.url}/audit/entries?kind=gate_decision`);
    assert.equal(await page.locator('main table tbody tr').count(), 2);
  });

  it('lists the run waiting for approval, then the signed approval', async () => {
    await page.goto(`${con.url}/approvals`);
    assert.ok((await page.textContent('section[aria-labelledby=pending-h]'))!.includes(flaggedRun));
    const key = path.join(tmp, 'alice');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice', '-f', key]);
    const signers = path.join(tmp, 'allowed_signers');
    writeFileSync(signers, `alice@example.test ${readFileSync(`${key}.pub`, 'utf8')}`);
    const ok = await runCli(
      ['approve', '--run', flaggedRun, '--reviewer', 'alice@example.test', '--key', key, '--allowed-signers', signers, '--repo', repo.dir, '--audit-db', db],
      env,
    );
    assert.equal(ok.code, 0, ok.stderr);
    await page.goto(`${con.url}/approvals`);
    assert.ok(!(await page.textContent('section[aria-labelledby=pending-h]'))!.includes(flaggedRun));
    assert.ok((await page.textContent('section[aria-labelledby=recorded-h]'))!.includes('alice@example.test'));
    await shot('approvals');
    assert.deepEqual(await axeViolations(page), []);
  });

  it('builds the incident timeline of a commit and attributes stack-trace frames to agent or human commits', async () => {
    await page.goto(`${con.url}/incidents?commit=${head}`);
    const main = (await page.textContent('main'))!;
    assert.ok(main.includes(flaggedRun));
    assert.ok(main.includes('model call'));
    assert.ok(main.includes('approve by alice@example.test'));
    const trace = [
      'Traceback (most recent call last):',
      '  File "/srv/app/payments/ledger.py", line 5, in process_payment',
      '    fee = svc.compute_fee(amount)',
      `  File "/srv/app/payments/fees.py", line ${agentLine}, in compute_fee`,
      '    return round(float(amount) * rate, 2)',
      'TypeError: <script>alert(1)</script>',
    ].join('\n');
    await page.fill('#trace', trace);
    await page.fill('input[name=rev]', head);
    await page.click('text=Attribute frames');
    const rows = page.locator('main table tbody tr');
    assert.equal(await rows.count(), 2);
    assert.equal((await rows.nth(0).locator('td.attr').textContent())!.trim(), 'human');
    assert.equal((await rows.nth(1).locator('td.attr').textContent())!.trim(), 'agent');
    assert.ok((await rows.nth(1).textContent())!.includes('Co-authored-by: Claude'));
    assert.equal(await page.locator('script').count(), 0);
    // a paste over the cap is refused whether or not the request says its length up front
    const big = `trace=${'x'.repeat(300 * 1024)}&rev=HEAD`;
    const auth = { authorization: `Bearer ${con.token}`, 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await fetch(`${con.url}/incidents/trace`, { method: 'POST', headers: auth, body: big })).status, 413);
    const chunked = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 10; i++) ctl.enqueue(new TextEncoder().encode(big.slice(i * 32 * 1024, (i + 1) * 32 * 1024)));
        ctl.close();
      },
    });
    const viaStream = await fetch(`${con.url}/incidents/trace`, { method: 'POST', headers: auth, body: chunked, duplex: 'half' });
    assert.equal(viaStream.status, 413);
    await shot('incidents');
    assert.deepEqual(await axeViolations(page), []);
  });

  it('plots usage per model', async () => {
    await page.goto(`${con.url}/usage`);
    assert.ok((await page.locator('.chart svg').count()) >= 3);
    assert.ok((await page.textContent('main'))!.includes('call(s)'));
    await shot('usage');
    assert.deepEqual(await axeViolations(page), []);
  });

  it('writes a self-contained HTML report that opens offline with no script', async () => {
    const out = path.join(tmp, 'report.html');
    const r = await runCli(['report', '--run', flaggedRun, '--format', 'html', '--output', out, '--audit-db', db, '--repo', repo.dir], env);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
    assert.doesNotMatch(text, /<script|<link /i);
    assert.ok(text.includes('&lt;script&gt;window.__pwned'));
    const p = await context.newPage();
    const requests: string[] = [];
    p.on('request', (req) => requests.push(req.url()));
    await p.goto(`file://${out}`);
    assert.ok((await p.textContent('h1'))!.includes(flaggedRun));
    assert.equal(await p.locator('.path-graph svg').count(), 1);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')),
      [],
    );
    await p.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    await p.close();
    // review --format html: the run it just recorded, from the log
    const fromReview = path.join(tmp, 'review.html');
    const rv = await runCli(
      ['review', '--repo', repo.dir, '--base', 'main', '--head', 'feature', '--format', 'html', '--output', fromReview, '--audit-db', db, '--force'],
      env,
    );
    assert.equal(rv.code, 2, rv.stderr);
    const rvText = readFileSync(fromReview, 'utf8');
    assert.match(rvText, /<h1>Run <span class="mono">review-/);
    assert.match(rvText, /class="edge name-only"/);
    assert.match(rvText, /float\(amount\)/);
    const missing = await runCli(['report', '--run', 'review-nope', '--audit-db', db], env);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /run review-nope is not in the audit log/);
  });

  it('refuses a non-loopback address without TLS', async () => {
    const r = await runCli(['console', '--audit-db', db, '--host', '0.0.0.0', '--port', '0'], env);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /--host 0\.0\.0\.0 is not a loopback address/);
  });
});
