import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { UsageError } from '../domain/errors.js';

/** Static prefix folders of the gate's read-scope globs (Landlock grants folders, not globs). */
export function readRootsFor(repoDir: string, readScope: readonly string[] | undefined): string[] {
  if (!readScope || readScope.length === 0) return [repoDir];
  const roots = new Set<string>();
  for (const glob of readScope) {
    const scan = picomatch.scan(glob);
    const base = (scan.isGlob ? scan.base : glob).replace(/\/+$/, '');
    if (!base || base === '.' || base.startsWith('..') || path.isAbsolute(base)) return [repoDir];
    roots.add(path.join(repoDir, base));
  }
  return [...roots].filter((r, _, all) => !all.some((o) => o !== r && r.startsWith(o + path.sep)));
}

export interface RefusedRoot {
  /** The root as the repository names it (relative to the repository root). */
  root: string;
  reason: string;
}

export interface CheckedRoots {
  /** The repository root's realpath: what tools resolve paths against. */
  repoReal: string;
  /** Roots safe to grant, as realpaths inside `repoReal`. */
  granted: string[];
  refused: RefusedRoot[];
}

function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Checks the read roots derived from a checkout before they reach a sandbox policy. The checkout's
 * content is the change under review, so a component of a root (a zone, a shared path, or any
 * folder above one) may be a symlink the change added; the launcher grants the realpath of each
 * root, which would then be wherever the link points, outside the repository included. So every
 * component below the repository root is lstat'ed from the root down and a root that passes
 * through a symlink is refused whatever its target (inside the repository too: a link cannot widen
 * a stage's scope to a zone the gate did not select), as is a root whose realpath leaves the
 * repository's realpath. A refused root is left out, never replaced by something wider.
 * The repository root itself is the operator's choice, not the change's: it must be a directory
 * and its realpath is what is granted. A root that does not exist is passed on unchanged (the
 * policy check reports it as before); nothing that does not exist can be read through.
 */
export function checkReadRoots(repoDir: string, roots: readonly string[]): CheckedRoots {
  let repoReal: string;
  try {
    repoReal = realpathSync(repoDir);
  } catch {
    throw new UsageError(`repository checkout ${repoDir} does not exist`);
  }
  if (!statSync(repoReal).isDirectory()) throw new UsageError(`repository checkout ${repoDir} is not a directory`);
  const granted: string[] = [];
  const refused: RefusedRoot[] = [];
  for (const root of roots) {
    const rel = path.relative(repoDir, root);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      refused.push({ root, reason: 'outside the repository' });
      continue;
    }
    const verdict = checkComponents(repoReal, rel);
    if (verdict.refused !== undefined) refused.push({ root: rel, reason: verdict.refused });
    else granted.push(verdict.path);
  }
  return { repoReal, granted: [...new Set(granted)], refused };
}

function checkComponents(repoReal: string, rel: string): { path: string; refused?: undefined } | { path?: undefined; refused: string } {
  let cur = repoReal;
  for (const part of rel.split(path.sep).filter((p) => p !== '' && p !== '.')) {
    cur = path.join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch (err) {
      // a root that does not exist is passed on (the policy check names it); any other failure to
      // look at a component (EACCES, ELOOP, ENOTDIR) refuses the root rather than trust it
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: path.join(repoReal, rel) };
      return { refused: `${rel}: cannot inspect ${path.relative(repoReal, cur) || '.'} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    if (st.isSymbolicLink()) {
      let target = '?';
      try {
        target = readlinkSync(cur);
      } catch {
        // the link's text is only for the record
      }
      return { refused: `${path.relative(repoReal, cur)} is a symbolic link (to ${target}); read roots may not pass through symlinks` };
    }
  }
  let real: string;
  try {
    real = realpathSync(cur);
  } catch {
    return { path: cur };
  }
  if (!inside(repoReal, real)) return { refused: `resolves to ${real}, outside the repository ${repoReal}` };
  return { path: real };
}
