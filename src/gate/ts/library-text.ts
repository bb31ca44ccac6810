/**
 * The ES library's declaration files as the checker needs them: without their block comments.
 * Two thirds of the library's 480,000 characters are JSDoc, which the parser scans past and
 * the checker never reads in a declaration file (JSDoc carries types only in JavaScript); a
 * process that builds a program parses the whole library, so leaving the comments out saves
 * about a fifth of that parse on every run (comments are the cheap part to scan).
 *
 * A lexer for declaration files only: it knows strings, template literal types and line
 * comments (kept whole, so `/// <reference lib=…/>` directives stay and a `/*` inside one starts
 * nothing), which is all the syntax in which `/*` can appear without opening a comment; a
 * declaration file has no regular expression literals. A comment is replaced by the line breaks
 * it held (the parser reads a line break as a statement's end, and line numbers stay), and a file
 * with a substitution in a template (`${…}`, which may nest anything) is left as it is.
 */
const SPECIAL = /\/\*|\/\/|["'`]/g;

export function withoutBlockComments(text: string): string {
  let out = '';
  let copied = 0;
  SPECIAL.lastIndex = 0;
  for (let m = SPECIAL.exec(text); m; m = SPECIAL.exec(text)) {
    const at = m.index;
    const token = m[0];
    let end: number;
    if (token === '//') {
      const nl = text.indexOf('\n', at);
      end = nl < 0 ? text.length : nl;
    } else if (token === '/*') {
      const close = text.indexOf('*/', at + 2);
      // an unterminated comment is left for the parser to report
      if (close < 0) break;
      let breaks = 0;
      for (let nl = text.indexOf('\n', at); nl >= 0 && nl < close; nl = text.indexOf('\n', nl + 1)) breaks++;
      out += text.slice(copied, at) + (breaks > 0 ? '\n'.repeat(breaks) : ' ');
      copied = close + 2;
      SPECIAL.lastIndex = copied;
      continue;
    } else {
      end = endOfQuoted(text, at, token);
      if (end < 0) return text;
    }
    SPECIAL.lastIndex = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** The index just past the string or template that opens at `at` with `quote` (escapes skipped); -1 for a template with a substitution. */
function endOfQuoted(text: string, at: number, quote: string): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i + 1;
    else if (quote === '`' && c === '$' && text[i + 1] === '{') return -1;
    // a line break ends an unterminated string literal (not a template)
    else if (c === '\n' && quote !== '`') return i;
  }
  return text.length;
}
