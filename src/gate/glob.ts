import picomatch from 'picomatch';

/**
 * A test for whether a string matches any of some globs (`dot` on): the globs' regular
 * expressions tested directly, after an equality test, which is what picomatch's matcher does for
 * a POSIX path, without its per-call bookkeeping (the gate tests every path of a tree and every
 * definition of a graph, where that bookkeeping costs more than the match).
 */
export function globTest(globs: string | readonly string[]): (s: string) => boolean {
  const compiled = (typeof globs === 'string' ? [globs] : globs).map((glob) => ({ glob, re: picomatch.makeRe(glob, { dot: true }) }));
  return (s) => s !== '' && compiled.some(({ glob, re }) => s === glob || re.test(s));
}
