import { html, raw } from 'hono/html';
import type { RunRecord } from '../run-record.js';
import { renderRunBody } from './run-page.js';
import { STYLESHEET } from './style.js';

/**
 * The self-contained HTML report of one run: one file, inline CSS and SVG, no script and nothing
 * fetched. Its own Content-Security-Policy forbids scripts and every load, so even a text that
 * escaped escaping could not run or call out when the file is opened from a CI artifact.
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export async function renderRunReport(rec: RunRecord, meta: { generatedAt: string; version: string; logLocation: string }): Promise<string> {
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${raw(REPORT_CSP)}" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>Bulwark run ${rec.runId}</title>
        <style>
          ${raw(STYLESHEET)}
        </style>
      </head>
      <body>
        <header class="top"><span class="brand">Bulwark</span><span>run report</span></header>
        <main>
          ${renderRunBody(rec)}
          <p class="report-note">
            Generated ${meta.generatedAt} by Bulwark ${meta.version} from the audit log ${meta.logLocation}. The entries named here can be checked with
            <code>bulwark audit verify</code> and <code>bulwark audit proof</code>.
          </p>
        </main>
      </body>
    </html> `;
  return String(await page);
}
