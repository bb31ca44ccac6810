/**
 * The ES library's declaration files as the checker needs them: without their block comments.
 * Two thirds of the library's 480,000 characters are JSDoc, which the parser scans past and
 * the checker never reads in a declaration file (JSDoc carries types only in JavaScript); a
 * process that builds a program parses the library, so leaving the comments out saves about a
 * fifth of that parse on every run (comments are the cheap part to scan).
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

/**
 * The library's declarations of binary data: the typed arrays, `DataView`, `SharedArrayBuffer`
 * and `Atomics` (with their constructors), nearly half of what the ES2022 library holds once its
 * comments are gone. None of them can carry a repository type, and no kept declaration returns
 * or takes one: the only kept mention is `SharedArrayBuffer` inside `ArrayBufferTypes`, which
 * `ArrayBufferLike` is made of, and only declarations named `ArrayBuffer…` use that. So a program
 * that can reach none of them (see {@link mayNeedWholeLibrary}) types every expression the same
 * without them. (`Intl` is kept: the locale methods of strings, numbers, dates and arrays take its
 * option types as parameters, which type the literals passed to them.)
 */
const LEAN_OMITTED = /^(?:(?:Int|Uint|Float)(?:8|16|32|64)(?:Clamped)?Array|Big(?:Int|Uint)64Array|DataView|SharedArrayBuffer)(?:Constructor)?$|^Atomics$/;

/**
 * Text through which a file may reach an omitted declaration, so a program holding it needs the
 * whole library: the names themselves (`ArrayBuffer` stands for every type built on the omitted
 * buffers, a digit before `Array` for every typed array), `globalThis` (whose type has every
 * global as a property, reachable by a computed key), a Unicode escape (which may spell a name),
 * and any reference directive (which may load another library, the DOM's typed arrays with it).
 * A false match only costs the time the omission saves. A script's top-level `this` is
 * `globalThis` too: see the host.
 */
const MAY_NAME_OMITTED = /Atomics|DataView|ArrayBuffer|\d(?:Clamped)?Array|globalThis|\\u/;
const REFERENCE_DIRECTIVE = /<reference\b/i;

export function mayNeedWholeLibrary(text: string): boolean {
  return MAY_NAME_OMITTED.test(text) || REFERENCE_DIRECTIVE.test(text);
}

/** A line that starts a top-level statement of a library file, with the name a declaration declares. */
const STATEMENT_START =
  /^(?:\/\/\/|(?:declare\s+)?(?:interface|var|const|let|namespace|module|type|function|class|enum)\s+([A-Za-z_$][\w$]*)|declare\b|export\b|import\b)/;

/**
 * A library file without its top-level declarations of the omitted names. The library is written
 * one statement per top-level line, each starting with its keyword at the start of a line, and
 * everything else of it (bodies, continued type parameter lists, closing brackets) either
 * indented or starting with a bracket or operator; so a statement runs from its keyword's line to
 * the next such line. Input as `withoutBlockComments` gives it (a comment cannot hide a line
 * start). A test holds the result to the shipped library, statement for statement.
 */
export function withoutOmittedDeclarations(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    const start = STATEMENT_START.exec(line);
    if (start) dropping = start[1] !== undefined && LEAN_OMITTED.test(start[1]);
    if (!dropping) kept.push(line);
  }
  return kept.length === lines.length ? text : kept.join('\n');
}
