import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;

/**
 * Digest of the code that turns facts into edges: every compiled module of the gate (this
 * folder and below: the resolvers, the graph builder, the TypeScript analysis) and the TypeScript
 * compiler's version. A stored graph or resolution made by other code is never reused, so a fix
 * to a resolver takes effect on the first run after an upgrade, even for a revision whose graph
 * or shapes were stored before it (the cache format is bumped only when the extractors' output
 * changes). 6–9 ms (61 modules, about 450 KB), once per process that reads a stored graph.
 */
export function gateCodeVersion(): string {
  if (version !== undefined) return version;
  const dir = path.dirname(fileURLToPath(import.meta.url));
  const h = createHash('sha256');
  for (const file of compiledModules(dir)) h.update(`${path.relative(dir, file)}\0`).update(readFileSync(file));
  try {
    const pkg = createRequire(import.meta.url).resolve('typescript/package.json');
    h.update(`typescript\0${(JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version as string}`);
  } catch {
    h.update('typescript\0?');
  }
  return (version = h.digest('hex'));
}

/** Every compiled module (`.js`) in `dir` and below, sorted by path. */
export function compiledModules(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.js')) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}
