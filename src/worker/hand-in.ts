/**
 * Reads a result handed in as text: the whole answer as JSON (json_schema mode), or Markdown with
 * a fenced JSON block (text mode, or a server that ignored the tools). Lenient about what models
 * do around the JSON (reasoning blocks, prose, a trailing comma), strict about the result itself:
 * the caller validates the arguments exactly as a tool call's.
 */

export type HandIn = { args: Record<string, unknown>; markdown: string } | { problem: string };

const FENCE = /```[ \t]*(?:json|JSON|jsonc)?[ \t]*\r?\n([\s\S]*?)```/g;

function parseObject(text: string): Record<string, unknown> | unknown[] | undefined {
  for (const candidate of [text, text.replace(/,\s*([}\]])/g, '$1')]) {
    try {
      const v: unknown = JSON.parse(candidate);
      if (v !== null && typeof v === 'object') return v as Record<string, unknown> | unknown[];
    } catch {
      // try the next reading
    }
  }
  return undefined;
}

function asArgs(v: Record<string, unknown> | unknown[], markdown: string): HandIn {
  const args: Record<string, unknown> = Array.isArray(v) ? { findings: v } : { ...v };
  if (args.summary_markdown === undefined || args.summary_markdown === '') {
    if (!markdown) return { problem: 'the answer has JSON but no report: give summary_markdown, or Markdown outside the JSON block' };
    args.summary_markdown = markdown;
  }
  return { args, markdown };
}

export function parseHandIn(answer: string): HandIn {
  // reasoning models served by vLLM/Ollama/llama.cpp may inline their thinking
  const text = answer.replace(/<think>[\s\S]*?<\/think>/g, '').trim();
  if (!text) return { problem: 'the answer was empty' };
  const blocks = [...text.matchAll(FENCE)];
  for (const b of blocks.reverse()) {
    const v = parseObject(b[1]!.trim());
    if (v !== undefined) return asArgs(v, (text.slice(0, b.index) + text.slice(b.index + b[0].length)).trim());
  }
  const whole = parseObject(text);
  if (whole !== undefined) return asArgs(whole, '');
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start >= 0 && end > start) {
    const v = parseObject(text.slice(start, end + 1));
    if (v !== undefined) return asArgs(v, (text.slice(0, start) + text.slice(end + 1)).trim());
  }
  return { problem: 'the answer has no JSON block with the findings' };
}
