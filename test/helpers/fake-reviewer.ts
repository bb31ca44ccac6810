/**
 * A scripted "model" for the fake provider servers: canned but plausible review behaviour that
 * exercises the real agent loop (a read_file tool call first, then submit_review with findings
 * derived from the diff by simple patterns). Used by the pipeline tests, the benchmark and by
 * `npm run demo` when no real provider is configured. It is not an LLM and never claims to be.
 */
import type { FakeAction, FakeRequest, Responder } from './fake-llm-server.js';

export interface Conversation {
  format: 'openai' | 'anthropic';
  system: string;
  /** Text of the first user message (the worker's JSON context). */
  firstUser: string;
  /** Number of assistant turns so far. */
  turns: number;
  toolNames: string[];
  /** Texts of the tool results in the last user/tool turn. */
  lastToolResults: string[];
  model: string;
}

type Json = Record<string, unknown>;

/** A field of the request as text, absent as ''. */
function text(v: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a fake server shows whatever the client sent, as String() shows it
  return String(v ?? '');
}

/** Reads either wire format into one neutral view. */
export function conversationOf(body: unknown): Conversation {
  const b = (body ?? {}) as Json;
  const msgs = (Array.isArray(b.messages) ? b.messages : []) as Json[];
  const tools = (Array.isArray(b.tools) ? b.tools : []) as Json[];
  if (msgs[0]?.role === 'system') {
    const nonSystem = msgs.slice(1);
    const firstUser = nonSystem.find((m) => m.role === 'user');
    const tail: string[] = [];
    for (let i = nonSystem.length - 1; i >= 0 && nonSystem[i]!.role === 'tool'; i--) tail.unshift(text(nonSystem[i]!.content));
    return {
      format: 'openai',
      system: text(msgs[0].content),
      firstUser: text(firstUser?.content),
      turns: nonSystem.filter((m) => m.role === 'assistant').length,
      toolNames: tools.map((t) => text((t.function as Json | undefined)?.name)),
      lastToolResults: tail,
      model: text(b.model),
    };
  }
  const textOf = (c: unknown): string =>
    typeof c === 'string'
      ? c
      : Array.isArray(c)
        ? (c as Json[])
            .filter((x) => x.type === 'text')
            .map((x) => String(x.text))
            .join('\n')
        : '';
  const last = msgs[msgs.length - 1];
  const lastResults = last && Array.isArray(last.content) ? (last.content as Json[]).filter((x) => x.type === 'tool_result').map((x) => text(x.content)) : [];
  return {
    format: 'anthropic',
    system: typeof b.system === 'string' ? b.system : textOf(b.system),
    firstUser: textOf(msgs[0]?.content),
    turns: msgs.filter((m) => m.role === 'assistant').length,
    toolNames: tools.map((t) => text(t.name)),
    lastToolResults: lastResults,
    model: text(b.model),
  };
}

export interface ReviewContext {
  stage?: string;
  change?: { files?: { path: string; diff?: string }[] };
  upstream?: Record<string, { markdown?: string; findings?: { severity: string; message: string; file: string; line: number }[] }>;
  gate?: { flagged?: boolean } | null;
}

export function contextOf(conv: Conversation): ReviewContext {
  try {
    return JSON.parse(conv.firstUser) as ReviewContext;
  } catch {
    return {};
  }
}

interface Rule {
  re: RegExp;
  severity: 'critical' | 'high' | 'medium' | 'low';
  category: string;
  message: string;
  kind: 'correctness' | 'security';
}

const RULES: Rule[] = [
  {
    kind: 'correctness',
    re: /parseFloat|toFixed\(|\bfloat\(|Number\([^)]*amount/i,
    severity: 'high',
    category: 'correctness',
    message: 'Monetary amount handled as binary floating point; rounding errors will mis-state balances. Use integer minor units (cents) or a decimal type.',
  },
  {
    kind: 'correctness',
    re: /catch\s*(\([^)]*\))?\s*\{\s*\}|except\s*:\s*pass/,
    severity: 'medium',
    category: 'correctness',
    message: 'Error swallowed silently; a failed payment step would look like success.',
  },
  { kind: 'correctness', re: /\bTODO\b|\bFIXME\b/, severity: 'low', category: 'maintainability', message: 'Unfinished code (TODO/FIXME) in a payment path.' },
  {
    kind: 'security',
    re: /(console\.log|log(?:ger)?\.\w+|print)\(.*(card|pan|cvv|cardNumber|card_number)/i,
    severity: 'critical',
    category: 'security',
    message: 'Card data (PAN/CVV) written to logs; violates PCI DSS requirement 3.',
  },
  { kind: 'security', re: /\b(md5|sha1)\b/i, severity: 'high', category: 'security', message: 'Weak hash algorithm (MD5/SHA-1) used for a security purpose.' },
  {
    kind: 'security',
    re: /(skip|bypass|disable)_?(auth|verification|signature)|verify\s*=\s*False|rejectUnauthorized\s*:\s*false/i,
    severity: 'high',
    category: 'security',
    message: 'Authentication or verification is bypassed on this path.',
  },
  { kind: 'security', re: /(password|secret|api_?key)\s*[:=]\s*['"][^'"]{4,}/i, severity: 'high', category: 'security', message: 'Hard-coded credential.' },
];

interface ScriptedFinding {
  file: string;
  line: number;
  severity: string;
  category: string;
  message: string;
  confidence: number;
}

/** Added lines of the fenced diff text the pipeline sends: "<newLine>\t+<text>". */
export function addedLines(diff: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  for (const l of diff.split('\n')) {
    const m = /^\s*(\d+)\t\+(.*)$/.exec(l);
    if (m) out.push({ line: Number(m[1]), text: m[2]! });
  }
  return out;
}

export function scriptedFindings(ctx: ReviewContext, kind: 'correctness' | 'security' | 'all'): ScriptedFinding[] {
  const out: ScriptedFinding[] = [];
  for (const f of ctx.change?.files ?? []) {
    for (const { line, text } of addedLines(f.diff ?? '')) {
      for (const r of RULES) {
        if ((kind === 'all' || r.kind === kind) && r.re.test(text)) {
          out.push({ file: f.path, line, severity: r.severity, category: r.category, message: r.message, confidence: 0.8 });
        }
      }
    }
  }
  return out.slice(0, 20);
}

function reply(action: Omit<Extract<FakeAction, { type: 'reply' }>, 'type'>): FakeAction {
  return { type: 'reply', ...action };
}

export interface ScriptedReviewerOptions {
  /** First turn reads the first changed file with read_file (default true). */
  readFirst?: boolean;
  /** Observe each parsed conversation (tests use this to see what each stage received). */
  onRequest?(conv: Conversation, ctx: ReviewContext, req: FakeRequest): void;
}

/** The scripted reviewer as a fake-server responder. */
export function scriptedReviewer(opts: ScriptedReviewerOptions = {}): Responder {
  return (req) => {
    const conv = conversationOf(req.body);
    const ctx = contextOf(conv);
    opts.onRequest?.(conv, ctx, req);
    const stage = ctx.stage ?? 'stage';
    const files = ctx.change?.files ?? [];
    if ((opts.readFirst ?? true) && conv.turns === 0 && conv.toolNames.includes('read_file') && files.length > 0) {
      return reply({ text: `Reading ${files[0]!.path} for context.`, toolCalls: [{ name: 'read_file', arguments: { path: files[0]!.path } }] });
    }
    const upstream = Object.entries(ctx.upstream ?? {});
    let findings: ScriptedFinding[];
    let summary: string;
    if (upstream.length > 0 && /summary/i.test(stage)) {
      findings = [];
      const all = upstream.flatMap(([, u]) => u.findings ?? []);
      summary = [
        `### Summary`,
        ``,
        `${all.length} finding(s) from ${upstream.map(([n]) => n).join(', ')}.`,
        ...all.slice(0, 10).map((f) => `- **${f.severity}** ${f.file}:${f.line}: ${f.message}`),
        ctx.gate?.flagged ? `\nThe compliance gate flagged regulated code: a human approval is required.` : '',
      ].join('\n');
    } else {
      const kind = /secur/i.test(stage) ? 'security' : /static|lint|correct/i.test(stage) ? 'correctness' : 'all';
      findings = scriptedFindings(ctx, kind);
      summary = `### ${stage}\n\nReviewed ${files.length} changed file(s); ${findings.length} finding(s).`;
    }
    if (!conv.toolNames.includes('submit_review')) {
      // a server without tool calls: the hand-in as a JSON document (json_schema mode) or as
      // Markdown with a fenced JSON block (text mode), as the output rules in the system prompt ask
      const b = (req.body ?? {}) as { response_format?: unknown; format?: unknown };
      if (b.response_format !== undefined || b.format !== undefined) return reply({ text: JSON.stringify({ summary_markdown: summary, findings }) });
      return reply({ text: `${summary}\n\n\`\`\`json\n${JSON.stringify({ findings }, null, 1)}\n\`\`\`\n` });
    }
    return reply({ text: '', toolCalls: [{ name: 'submit_review', arguments: { summary_markdown: summary, findings } }] });
  };
}
