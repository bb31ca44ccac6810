import type { BatchRecord, GitBatch } from './git-batch.js';

/** One entry of a tree object. */
interface TreeEntry {
  mode: string;
  name: string;
  id: string;
}

const TREE_MODE = '40000';
const GITLINK_MODE = '160000';
/**
 * The modes git writes. ls-tree prints others as git reads them (a zero-padded `040000` is a
 * folder, `100664` a file of mode 100644, anything else a submodule): a tree with any other mode is
 * left to ls-tree, not guessed at.
 */
const WRITTEN_MODES = new Set([TREE_MODE, '100644', '100755', '120000', GITLINK_MODE]);

/** A tree object's entries, in the tree's order; undefined when the object is not a well-formed tree. */
function treeEntries(record: BatchRecord | undefined, idBytes: number): TreeEntry[] | undefined {
  if (record?.type !== 'tree') return undefined;
  const b = record.content;
  const out: TreeEntry[] = [];
  for (let pos = 0; pos < b.length;) {
    const space = b.indexOf(0x20, pos);
    const nul = space < 0 ? -1 : b.indexOf(0, space + 1);
    if (nul < 0 || nul + 1 + idBytes > b.length) return undefined;
    const mode = b.toString('latin1', pos, space);
    if (!WRITTEN_MODES.has(mode)) return undefined;
    out.push({ mode, name: b.toString('utf8', space + 1, nul), id: b.toString('hex', nul + 1, nul + 1 + idBytes) });
    pos = nul + 1 + idBytes;
  }
  return out;
}

/**
 * What `git ls-tree -r -z --full-tree <commit>` prints, read through the run's open `git cat-file
 * --batch` instead of a process of its own: the commit, then its trees a level at a time (one
 * question per level), then every file in the order ls-tree lists them (each tree's entries in
 * their order, a folder's files where the folder is). Git reads the same objects either way,
 * `git replace` included. Undefined when git gives anything unexpected (no such commit, a missing
 * or malformed tree, a mode git does not write): the caller then asks ls-tree, which gives its
 * listing or the error reported.
 */
export async function listThrough(batch: GitBatch, commit: string): Promise<string | undefined> {
  const [c] = await batch.ask([commit]);
  if (c?.type !== 'commit') return undefined;
  const root = /^tree ([0-9a-f]{40}|[0-9a-f]{64})\n/.exec(c.content.toString('latin1', 0, 80))?.[1];
  if (!root) return undefined;
  const idBytes = root.length / 2;
  const trees = new Map<string, TreeEntry[]>();
  for (let level = [root]; level.length > 0;) {
    const records = await batch.ask(level);
    const next = new Set<string>();
    for (const [i, id] of level.entries()) {
      const entries = treeEntries(records[i], idBytes);
      if (!entries || records[i]!.id !== id) return undefined;
      trees.set(id, entries);
      for (const e of entries) if (e.mode === TREE_MODE && !trees.has(e.id)) next.add(e.id);
    }
    level = [...next].filter((id) => !trees.has(id));
  }
  const parts: string[] = [];
  const emit = (id: string, prefix: string): void => {
    for (const e of trees.get(id)!) {
      if (e.mode === TREE_MODE) emit(e.id, `${prefix}${e.name}/`);
      else parts.push(`${e.mode.padStart(6, '0')} ${e.mode === GITLINK_MODE ? 'commit' : 'blob'} ${e.id}\t${prefix}${e.name}\0`);
    }
  };
  emit(root, '');
  return parts.join('');
}
