import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const NAV = [
  { href: '/runs', label: 'Runs' },
  { href: '/approvals', label: 'Approvals' },
  { href: '/audit', label: 'Audit log' },
  { href: '/incidents', label: 'Incidents' },
  { href: '/usage', label: 'Usage' },
] as const;

/** Every console page: landmarks (banner, navigation, main), the stylesheet served by the console itself. */
export function layout(title: string, current: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · Bulwark console</title>
        <link rel="stylesheet" href="/static/console.css" />
      </head>
      <body>
        <header class="top">
          <span class="brand">Bulwark console</span>
          <nav aria-label="Sections">
            <ul>
              ${NAV.map((n) => html`<li><a href="${n.href}" ${n.href === current ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}
            </ul>
          </nav>
        </header>
        <main id="main">${body}</main>
      </body>
    </html>`;
}

/** Builds a query string from the set values only. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
