import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { gitSourceReader, loadRunRecord } from '../review/run-record.js';
import { renderRunReport } from '../review/html/report.js';
import { STYLESHEET } from '../review/html/style.js';
import { COOKIE, cookieToken, tokenMatches } from './auth.js';
import type { ConsoleContext } from './context.js';
import { bundleTar } from './evidence.js';
import { layout } from './layout.js';
import { approvalsPage } from './pages/approvals.js';
import { auditPage, blobBytes, blobPage, entriesPage, entryPage, startVerify } from './pages/audit.js';
import { incidentsPage, MAX_TRACE_BYTES, traceFrames } from './pages/incidents.js';
import { runPage, runsPage } from './pages/runs.js';
import { usagePage } from './pages/usage.js';

/**
 * Every response forbids scripts, frames and loads from anywhere but the console (pages are
 * rendered on the server and work without script); PR-derived text is escaped by the templates.
 */
export const CONSOLE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function createConsoleApp(ctx: ConsoleContext, opts: { token: string; secureCookie: boolean }): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONSOLE_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
  });

  app.use('*', async (c, next) => {
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (tokenMatches(opts.token, bearer) || tokenMatches(opts.token, cookieToken(c.req.header('cookie')))) return next();
    const url = new URL(c.req.url);
    const given = url.searchParams.get('token');
    if (c.req.method === 'GET' && tokenMatches(opts.token, given)) {
      // trade the URL token for a cookie and drop it from the address bar (and from history)
      url.searchParams.delete('token');
      c.header('Set-Cookie', `${COOKIE}=${opts.token}; Path=/; HttpOnly; SameSite=Strict${opts.secureCookie ? '; Secure' : ''}`);
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    return c.html(
      String(
        await html`<!doctype html>
          <html lang="en">
            <head>
              <meta charset="utf-8" />
              <title>Bulwark console: token required</title>
            </head>
            <body>
              <main>
                <h1>Token required</h1>
                <p>
                  Open the address the console printed at start (it carries <code>?token=</code>), or send <code>Authorization: Bearer &lt;token&gt;</code>.
                </p>
              </main>
            </body>
          </html>`,
      ),
      401,
    );
  });

  // the index is brought up to date before any page reads it
  app.use('*', async (_c, next) => {
    await ctx.index.refresh();
    return next();
  });

  app.get('/', (c) => c.redirect('/runs', 302));
  app.get('/static/console.css', (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/runs', async (c) => c.html(await runsPage(ctx, c.req.query())));
  app.get('/runs/:id', async (c) => {
    const page = await runPage(ctx, c.req.param('id'));
    return page ? c.html(page) : notFound(c, 'No such run in the log.');
  });
  app.get('/runs/:id/report.html', async (c) => {
    const id = c.req.param('id');
    const head = ctx.index.runs.get(id)?.head;
    const source = ctx.repoDir && head ? gitSourceReader(ctx.repoDir, head) : undefined;
    const rec = await loadRunRecord(ctx.store, id, source ? { source } : {});
    if (!rec) return notFound(c, 'No such run in the log.');
    const text = await renderRunReport(rec, { generatedAt: new Date().toISOString(), version: ctx.version, logLocation: ctx.location });
    return c.body(text, 200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Disposition': `attachment; filename="bulwark-${id.replace(/[^\w.-]/g, '_')}.html"`,
    });
  });
  app.get('/approvals', async (c) => c.html(await approvalsPage(ctx)));
  app.get('/audit', async (c) => c.html(await auditPage(ctx)));
  app.post('/audit/verify', (c) => {
    startVerify(ctx);
    return c.redirect('/audit', 303);
  });
  app.get('/audit/entries', async (c) => c.html(await entriesPage(ctx, c.req.query())));
  app.get('/audit/entries/:index', async (c) => {
    const n = Number(c.req.param('index'));
    const page = Number.isSafeInteger(n) && n >= 0 ? await entryPage(ctx, n) : null;
    return page ? c.html(page) : notFound(c, 'No such entry.');
  });
  app.get('/audit/blobs/:address', async (c) => {
    const page = await blobPage(ctx, c.req.param('address'));
    return page ? c.html(page) : notFound(c, 'No such blob (never stored, or moved out by retention).');
  });
  app.get('/audit/blobs/:address/raw', async (c) => {
    const data = await blobBytes(ctx, c.req.param('address'));
    if (!data) return notFound(c, 'No such blob.');
    return c.body(new Uint8Array(data), 200, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': 'attachment; filename="blob.bin"' });
  });
  app.get('/audit/evidence/:file', async (c) => {
    const m = /^(.+)\.tar$/.exec(c.req.param('file'));
    const tar = m && ctx.evidenceDir ? await bundleTar(ctx.evidenceDir, m[1]!) : null;
    if (!tar) return notFound(c, 'No such evidence bundle.');
    return c.body(new Uint8Array(tar), 200, { 'Content-Type': 'application/x-tar', 'Content-Disposition': `attachment; filename="${m![1]!}.tar"` });
  });
  app.get('/incidents', async (c) => c.html(await incidentsPage(ctx, { commit: c.req.query('commit') })));
  // the body is counted as it arrives (a chunked request has no Content-Length to check first)
  const traceLimit = bodyLimit({ maxSize: MAX_TRACE_BYTES, onError: (c) => c.text(`stack trace larger than ${MAX_TRACE_BYTES} bytes`, 413) });
  app.post('/incidents/trace', traceLimit, async (c) => {
    const form = await c.req.parseBody();
    const text = typeof form.trace === 'string' ? form.trace.slice(0, MAX_TRACE_BYTES) : '';
    const rev = typeof form.rev === 'string' && form.rev.trim() ? form.rev.trim() : 'HEAD';
    return c.html(await incidentsPage(ctx, {}, { text, rev, frames: await traceFrames(ctx, text, rev) }));
  });
  app.get('/usage', async (c) => c.html(await usagePage(ctx, c.req.query())));
  app.notFound((c) => notFound(c, 'No such page.'));
  app.onError(async (err, c) =>
    c.html(
      await layout(
        'Error',
        '',
        html`<h1>Error</h1>
          <p role="alert">${err.message.split('\n')[0]}</p>`,
      ),
      500,
    ),
  );
  return app;
}

async function notFound(c: Context, message: string): Promise<Response> {
  return c.html(
    String(
      await layout(
        'Not found',
        '',
        html`<h1>Not found</h1>
          <p>${message}</p>`,
      ),
    ),
    404,
  );
}
