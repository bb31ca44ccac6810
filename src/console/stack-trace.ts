/**
 * Frames of a pasted stack trace: the file and line each frame names, in the formats of the
 * languages the gate reads (Python, Java/Kotlin, Node/TypeScript, Go). Lines that are not frames
 * are kept as text so the page can show the trace as pasted.
 */

export interface Frame {
  /** 0-based line of the pasted text. */
  at: number;
  text: string;
  file: string;
  line: number;
  fn: string | null;
}

const PATTERNS: { re: RegExp; file: number; line: number; fn?: number }[] = [
  // Python:   File "app/ledger.py", line 42, in post
  { re: /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?/, file: 1, line: 2, fn: 3 },
  // Node:     at post (/srv/app/src/ledger.ts:42:7)   or   at /srv/app/src/ledger.ts:42:7
  { re: /^\s*at (?:(.+?) \()?((?:file:\/\/)?[^\s()]+?):(\d+):\d+\)?\s*$/, file: 2, line: 3, fn: 1 },
  // Java:     at com.bank.Ledger.post(Ledger.java:42)
  { re: /^\s*at ([\w$.<>]+)\(([\w$.-]+\.(?:java|kt|scala|groovy)):(\d+)\)/, file: 2, line: 3, fn: 1 },
  // Go:       \t/home/u/app/ledger.go:42 +0x1d
  { re: /^\s+(\/?[^\s:]+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$/, file: 1, line: 2 },
];

/** Frames, at most `max` of them (a paste is untrusted input of any size). */
export function parseStackTrace(text: string, max = 200): Frame[] {
  const frames: Frame[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && frames.length < max; i++) {
    const t = lines[i]!;
    for (const p of PATTERNS) {
      const m = p.re.exec(t);
      if (!m) continue;
      const line = Number(m[p.line]);
      if (!Number.isSafeInteger(line) || line < 1) break;
      frames.push({ at: i, text: t.trim(), file: m[p.file]!.replace(/^file:\/\//, ''), line, fn: p.fn !== undefined ? (m[p.fn] ?? null) : null });
      break;
    }
  }
  return frames;
}

/**
 * The repository file a frame's path names: the tracked path that is the longest suffix of it
 * (traces carry absolute paths of the machine that ran the code, Java traces only a file name
 * plus the class's package). Null when no tracked file fits or the fit is ambiguous.
 */
export function resolveFrameFile(frame: Frame, tracked: readonly string[]): string | null {
  const parts = frame.file.split(/[\\/]/).filter(Boolean);
  if (parts.length === 0) return null;
  let javaHint: string | null = null;
  if (parts.length === 1 && frame.fn) {
    // com.bank.Ledger.post + Ledger.java → com/bank/Ledger.java
    const segs = frame.fn.split('.');
    segs.pop();
    const cls = segs.pop();
    if (cls && segs.length > 0) javaHint = `${segs.join('/')}/${parts[0]}`;
  }
  for (let k = parts.length; k >= 1; k--) {
    const suffix = parts.slice(parts.length - k).join('/');
    const hits = tracked.filter((t) => t === suffix || t.endsWith(`/${suffix}`));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) {
      if (javaHint) {
        const hinted = hits.filter((h) => h === javaHint || h.endsWith(`/${javaHint}`));
        if (hinted.length === 1) return hinted[0]!;
      }
      return null;
    }
  }
  return null;
}

/** Commit trailers and authors that mark a commit as written by an agent. */
const AGENT_TRAILER = /^(?:co-authored-by|generated-by|assisted-by|ai-assisted|agent)\s*:\s*(.+)$/gim;
const AGENT_NAME = /\b(?:bot|agent|copilot|claude|codex|gpt|gemini|devin|cursor|aider|sweep|bulwark-agent)\b|\[bot\]/i;

export interface Attribution {
  agent: boolean;
  /** What made it agent-written (a trailer or the author), or why it is taken as human. */
  why: string;
  /** The Bulwark run that reviewed it, from a `Reviewed-by-Agent: bulwark run <id>` trailer. */
  reviewedBy: string | null;
}

/** Attributes one commit from its author and message. */
export function attributeCommit(author: string, email: string, message: string): Attribution {
  const reviewed = /^Reviewed-by-Agent:\s*bulwark run (\S+)\s*$/im.exec(message);
  const reviewedBy = reviewed ? reviewed[1]! : null;
  if (AGENT_NAME.test(author) || /\[bot\]@/i.test(email)) return { agent: true, why: `author ${author} <${email}>`, reviewedBy };
  for (const m of message.matchAll(AGENT_TRAILER)) {
    const who = m[1]!.trim();
    const key = m[0].split(':')[0]!.trim();
    if (key.toLowerCase() !== 'co-authored-by' || AGENT_NAME.test(who)) return { agent: true, why: `${key}: ${who}`, reviewedBy };
  }
  return { agent: false, why: 'no agent trailer or author', reviewedBy };
}
