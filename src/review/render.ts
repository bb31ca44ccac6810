import { renderMarkdown } from './render-markdown.js';
import { renderSarif } from './render-sarif.js';
import { renderTerminal } from './render-terminal.js';
import type { ReviewReport } from './report.js';

export const OUTPUT_FORMATS = ['terminal', 'markdown', 'json', 'sarif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function renderReport(r: ReviewReport, format: OutputFormat, opts: { color?: boolean } = {}): string {
  switch (format) {
    case 'terminal':
      return renderTerminal(r, { color: opts.color ?? false });
    case 'markdown':
      return renderMarkdown(r);
    case 'json':
      return JSON.stringify(r, null, 2) + '\n';
    case 'sarif':
      return renderSarif(r);
  }
}
