/**
 * What the provider says answered a call, compared with what was asked for. Pure.
 *
 * A returned name that is a file path (llama.cpp's server reports the model file it loaded) is
 * reduced to the file name: the folder is a detail of the server's disk, and a path may carry a
 * user name. Names such as "Qwen/Qwen2.5-Coder-7B" (a hub id, not a path) are kept whole.
 */
export function normalizeReturnedModel(model: string): string {
  const t = model.trim();
  const isPath = /^(\/|~\/|\.\.?\/|[A-Za-z]:[\\/])/.test(t) || t.includes('\\');
  if (!isPath) return t;
  const parts = t.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? t;
}

/** A date stamp providers append when an alias resolves to a snapshot: -2025-04-14, -20250929. */
const SNAPSHOT = /^-(\d{4}-\d{2}-\d{2}|\d{8})$/;
/** Model file extensions a self-hosted server reports with the name. */
const MODEL_FILE = /\.(gguf|ggml|bin|safetensors)$/i;

/**
 * Whether the returned model is the requested one. Accepted as the same: identical names (case
 * ignored); the requested alias resolved to a dated snapshot (`gpt-4.1-mini` →
 * `gpt-4.1-mini-2025-04-14`, `claude-sonnet-4-5` → `claude-sonnet-4-5-20250929`); Ollama's implicit
 * `:latest` tag; a model file whose name without extension is the requested name. Anything else is
 * a mismatch (another model, another size or quantisation, another snapshot than the pinned one).
 */
export function modelMatches(requested: string, returned: string): boolean {
  const want = requested.trim().toLowerCase();
  const got = normalizeReturnedModel(returned).toLowerCase();
  if (got === want) return true;
  if (got.startsWith(want) && SNAPSHOT.test(got.slice(want.length))) return true;
  if (got === `${want}:latest` || want === `${got}:latest`) return true;
  if (MODEL_FILE.test(got) && got.replace(MODEL_FILE, '') === want.replace(MODEL_FILE, '')) return true;
  return false;
}
