import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pack } from 'tar-stream';

/**
 * Weekly evidence bundles as `bulwark audit export` wrote them: directories with a manifest.json.
 * The console serves them as tar archives; it cannot make one, because a bundle is signed and the
 * console holds no signing key.
 */

export interface BundleListing {
  name: string;
  period: string;
}

/** Bundle directories directly under dir (names are what the download URL accepts, nothing else). */
export function listBundles(dir: string): BundleListing[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: BundleListing[] = [];
  for (const name of names.sort().reverse()) {
    if (!/^[\w.-]{1,200}$/.test(name) || name.startsWith('.')) continue;
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, name, 'manifest.json'), 'utf8')) as { period?: { from?: string; to?: string } };
      out.push({ name, period: manifest.period ? `${manifest.period.from ?? '?'} – ${manifest.period.to ?? '?'}` : '' });
    } catch {
      // not a bundle
    }
  }
  return out;
}

/** A tar archive of one listed bundle's regular files, or null when the name is not a listed bundle. */
export async function bundleTar(dir: string, name: string): Promise<Buffer | null> {
  if (!listBundles(dir).some((b) => b.name === name)) return null;
  const root = path.join(dir, name);
  const tar = pack();
  const files = readdirSync(root)
    .filter((f) => statSync(path.join(root, f)).isFile())
    .sort();
  for (const f of files) {
    const data = readFileSync(path.join(root, f));
    tar.entry({ name: `${name}/${f}`, size: data.byteLength, mode: 0o644, mtime: new Date(0) }, data);
  }
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
