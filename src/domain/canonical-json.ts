import canonicalizeModule from 'canonicalize';

// The package is CommonJS (`module.exports = serialize`) but its typings declare an ES default
// export, which NodeNext resolution types as the module object; at runtime the default import is
// the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/**
 * RFC 8785 canonical JSON (sorted keys, fixed number format): the same value always gives the same
 * bytes. Used for audit entries, request hashes and evidence bundles. `pretty` re-indents the
 * canonical text for human-read files (manifest, integrity report) keeping key order and numbers.
 */
export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new Error('canonical JSON: value cannot be serialized');
  return s;
}

export function prettyCanonicalJson(value: unknown): string {
  return JSON.stringify(JSON.parse(canonicalJson(value)), null, 2) + '\n';
}
