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

/**
 * The library's declarations of binary data and internationalisation: typed arrays, `DataView`,
 * `SharedArrayBuffer`, `Atomics` and the `Intl` namespace (with their constructors). They are
 * more than half of what the ES2022 library holds once its comments are gone, and none of them
 * can carry a repository type: no kept declaration returns one of them (the kept ones name only
 * `Intl` types, as parameter types of `toLocaleString` and `localeCompare`, whose calls return a
 * string either way, and `SharedArrayBuffer` inside `ArrayBufferTypes`). A program none of whose
 * files names one of them therefore resolves every call the same without them.
 */
const LEAN_OMITTED =
  /^(?:(?:Int|Uint|Float)(?:8|16|32|64)(?:Clamped)?Array|Big(?:Int|Uint)64Array|DataView|SharedArrayBuffer)(?:Constructor)?$|^(?:Intl|Atomics)$/;

/**
 * Whether a repository file may name an omitted declaration, so a program holding it needs the
 * whole library. A superset of the names (`ArrayBuffer` stands for every type built on the
 * omitted buffers, a library reference directive for whatever it loads); a false match only
 * costs the time the omission saves.
 */
const MAY_NAME_OMITTED = /Intl|Atomics|DataView|ArrayBuffer|\d(?:Clamped)?Array|reference\s+lib/;

export function mayNeedWholeLibrary(text: string): boolean {
  return MAY_NAME_OMITTED.test(text);
}

/** The first line of a top-level declaration, with the name it declares. */
const DECLARATION_HEAD = /^(?:declare\s+)?(?:interface|var|const|let|namespace|type|function|class)\s+([A-Za-z_$][\w$]*)/;

/**
 * A library file without its top-level declarations of the omitted names. The library is written
 * one declaration per top-level line, its body indented and its closing brace at the start of a
 * line; a line that starts with anything but white space or a closing bracket starts the next
 * statement. Input as `withoutBlockComments` gives it (a comment cannot hide a line start).
 */
export function withoutOmittedDeclarations(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    const c = line.charCodeAt(0);
    // not white space, `}`, `)` or `]`: a new top-level statement
    if (line.length > 0 && c !== 32 && c !== 9 && c !== 13 && c !== 125 && c !== 41 && c !== 93) {
      const name = DECLARATION_HEAD.exec(line)?.[1];
      dropping = name !== undefined && LEAN_OMITTED.test(name);
    }
    if (!dropping) kept.push(line);
  }
  return kept.length === lines.length ? text : kept.join('\n');
}
