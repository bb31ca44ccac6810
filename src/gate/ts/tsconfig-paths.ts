import { createHash } from 'node:crypto';
import path from 'node:path';
// required, not imported: see compiler.ts (Node would scan the CommonJS compiler for named exports)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- require()d on purpose, see the comment above
import ts = require('typescript');

/** A tsconfig.json or jsconfig.json of the revision (path relative to the repository). */
export interface TsConfigSource {
  path: string;
  text: string;
}

/** The module-resolution settings that apply to one file: its nearest config's `baseUrl` and `paths`. */
export interface ModuleScope {
  options: ts.CompilerOptions;
  /** Identifies the settings (empty when none): part of every cached result that resolution went into. */
  key: string;
}

interface Settings {
  /** As written, with the folder of the config that wrote it (`${configDir}` is resolved per file). */
  baseUrl?: { value: string; dir: string };
  paths?: Record<string, string[]>;
  /** Folder `paths` are relative to when there is no baseUrl: the config that declares them. */
  pathsDir?: string;
}

const CONFIG_DIR = '${configDir}';

/**
 * Which `baseUrl`/`paths` (import aliases such as `@bank/*`) apply to each file, as the TypeScript
 * compiler would take them from the nearest tsconfig.json (else jsconfig.json) above the file,
 * following `extends` to other configs of the repository. A config that does not parse is ignored:
 * its aliases then stay unresolved, and calls through them fall back to same-named functions.
 * `root` is the virtual folder the repository's files live under.
 */
export function moduleScopes(configs: readonly TsConfigSource[], root: string, base: ts.CompilerOptions): (file: string) => ModuleScope {
  const byPath = new Map(configs.map((c) => [c.path, c.text]));
  const parsed = new Map<string, { settings: Settings; extends: string[] } | null>();
  const parse = (rel: string): { settings: Settings; extends: string[] } | null => {
    if (parsed.has(rel)) return parsed.get(rel)!;
    const text = byPath.get(rel);
    let out: { settings: Settings; extends: string[] } | null = null;
    if (text !== undefined) {
      const parsed = ts.parseConfigFileTextToJson(rel, text);
      const config: unknown = parsed.config;
      const error = parsed.error;
      if (!error && config && typeof config === 'object') {
        const dir = path.posix.dirname(rel);
        const co = (config as { compilerOptions?: Record<string, unknown> }).compilerOptions ?? {};
        const settings: Settings = {};
        if (typeof co.baseUrl === 'string') settings.baseUrl = { value: co.baseUrl, dir };
        if (co.paths && typeof co.paths === 'object' && !Array.isArray(co.paths)) {
          const paths: Record<string, string[]> = {};
          for (const [k, v] of Object.entries(co.paths as Record<string, unknown>))
            if (Array.isArray(v)) paths[k] = v.filter((x): x is string => typeof x === 'string');
          settings.paths = paths;
          settings.pathsDir = path.posix.join(root, dir);
        }
        const ext = (config as { extends?: unknown }).extends;
        const list = typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext.filter((x): x is string => typeof x === 'string') : [];
        // only configs of this repository can be read (a package's config is not in the revision)
        const extendsRel = list.filter((e) => e.startsWith('.')).map((e) => path.posix.normalize(path.posix.join(dir, e.endsWith('.json') ? e : `${e}.json`)));
        out = { settings, extends: extendsRel };
      }
    }
    parsed.set(rel, out);
    return out;
  };
  const effective = new Map<string, Settings>();
  const settingsOf = (rel: string, depth = 0): Settings => {
    const known = effective.get(rel);
    if (known) return known;
    const own = parse(rel);
    let merged: Settings = {};
    if (own && depth < 8) {
      // later `extends` entries override earlier ones, and the config itself overrides them all
      for (const e of own.extends) merged = { ...merged, ...definedOf(settingsOf(e, depth + 1)) };
      merged = { ...merged, ...definedOf(own.settings) };
    }
    effective.set(rel, merged);
    return merged;
  };
  const configDirs = new Map<string, string>();
  for (const c of configs) {
    const dir = path.posix.dirname(c.path);
    const name = path.posix.basename(c.path);
    // other names (tsconfig.base.json) count only where a config extends them
    if (name !== 'tsconfig.json' && name !== 'jsconfig.json') continue;
    // tsconfig.json wins over jsconfig.json in the same folder, as for the compiler's tooling
    if (!configDirs.has(dir) || name === 'tsconfig.json') configDirs.set(dir, c.path);
  }
  const scopes = new Map<string, ModuleScope>();
  const none: ModuleScope = { options: base, key: '' };
  const forDir = (dir: string): ModuleScope => {
    const known = scopes.get(dir);
    if (known) return known;
    const config = configDirs.get(dir);
    let scope: ModuleScope;
    if (config !== undefined) {
      const s = settingsOf(config);
      // `${configDir}` (TypeScript 5.5) is the folder of the config a file is compiled with: this one
      const here = path.posix.join(root, dir);
      const expand = (v: string): string => (v.startsWith(CONFIG_DIR) ? here + v.slice(CONFIG_DIR.length) : v);
      const baseUrl = s.baseUrl
        ? s.baseUrl.value.startsWith(CONFIG_DIR)
          ? expand(s.baseUrl.value)
          : path.posix.join(root, s.baseUrl.dir, s.baseUrl.value)
        : s.paths
          ? s.pathsDir
          : undefined;
      const paths = s.paths ? Object.fromEntries(Object.entries(s.paths).map(([k, v]) => [k, v.map(expand)])) : undefined;
      scope =
        baseUrl === undefined
          ? none
          : {
              options: { ...base, baseUrl, ...(paths ? { paths } : {}) },
              key: createHash('sha1')
                .update(JSON.stringify({ baseUrl: baseUrl.slice(root.length), paths: paths ?? null }))
                .digest('hex'),
            };
    } else scope = dir === '.' || dir === '' ? none : forDir(path.posix.dirname(dir));
    scopes.set(dir, scope);
    return scope;
  };
  return (file) => (configs.length === 0 ? none : forDir(path.posix.dirname(file.slice(root.length)) || '.'));
}

const definedOf = (s: Settings): Settings => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));
