import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';
import { PROVIDER_KINDS, type ProviderConfig, type ProviderKind } from './config.js';
import { DEFAULT_MODELS, LazyProvider } from './lazy-provider.js';
import type { Provider } from './types.js';

/** A usable provider and the model stages get when the topology names none. */
export interface ResolvedProvider {
  provider: Provider;
  defaultModel: string;
  /** Where the settings came from, for one line of output ("ANTHROPIC_API_KEY", "config", "local Ollama"). */
  source: string;
  /** Where its requests go (base URL, or Bedrock's region/endpoint): part of what identifies a review's configuration. */
  endpoint?: string;
}

/** Which providers, endpoints and default models a run would use (never keys): the same on a re-run means the same reviewer. */
export function providersDigest(p: ResolvedProviders): string {
  const list = [...p.byName].map(([name, r]) => [name, r.provider.kind, r.endpoint ?? '', r.defaultModel]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify({ default: p.defaultName, providers: list }))
    .digest('hex');
}

export interface ResolvedProviders {
  byName: Map<string, ResolvedProvider>;
  /** The provider stages use unless the topology names one; null = none configured. */
  defaultName: string | null;
  /** Key files in use: the sandbox denies them to workers explicitly. */
  keyFiles: string[];
}

export const NO_PROVIDER_HELP = 'no provider configured (set ANTHROPIC_API_KEY, or OPENAI_API_KEY [+ OPENAI_BASE_URL], or run Ollama on 127.0.0.1:11434)';

export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434';

export interface ResolveOptions {
  config: ProviderConfig;
  /** Folder that relative key files are resolved against (where bulwark.toml lives). */
  configDir: string;
  env?: NodeJS.ProcessEnv;
  /** Probe a local Ollama when nothing else is configured (default true). */
  probeOllama?: boolean;
  /** Override of the Ollama probe (tests). */
  ollamaUrl?: string;
}

/** The key files the configuration names (resolved, not read): a stage's policy never grants them. */
export function configuredKeyFiles(config: ProviderConfig | undefined, configDir: string): string[] {
  return [config?.anthropic?.api_key_file, config?.openai?.api_key_file]
    .filter((f): f is string => typeof f === 'string')
    .map((f) => path.resolve(configDir, f));
}

function readKeyFile(file: string, configDir: string): { key: string; file: string } {
  const abs = path.resolve(configDir, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new UsageError(`[provider] api_key_file ${abs}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const key = text.split(/\r?\n/)[0]!.trim();
  if (!key) throw new UsageError(`[provider] api_key_file ${abs}: empty`);
  return { key, file: abs };
}

/**
 * Asks a local Ollama for its models; undefined when nothing answers within a short timeout.
 * Models that cannot chat (embedding models: no "completion" capability, or an embedding
 * family/name when the server reports no capabilities) are left out, so auto-detection never picks one.
 */
export async function probeOllama(baseUrl: string, timeoutMs = 800): Promise<string[] | undefined> {
  const base = baseUrl.replace(/\/+$/, '');
  let names: { name: string; families: string[] }[];
  try {
    const res = await fetch(`${base}/api/tags`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { models?: { name?: string; details?: { family?: string; families?: string[] | null } }[] };
    names = (body.models ?? [])
      .filter((m) => m.name)
      .map((m) => ({ name: m.name!, families: [m.details?.family ?? '', ...(m.details?.families ?? [])].map((f) => f.toLowerCase()) }));
  } catch {
    return undefined;
  }
  const chat: string[] = [];
  for (const m of names) {
    let caps: unknown;
    try {
      const res = await fetch(`${base}/api/show`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: m.name }),
        signal: AbortSignal.timeout(timeoutMs * 2),
      });
      if (res.ok) caps = ((await res.json()) as { capabilities?: unknown }).capabilities;
    } catch {
      caps = undefined;
    }
    const embedding = Array.isArray(caps)
      ? !caps.includes('completion')
      : /embed|bert/.test(m.name.toLowerCase()) || m.families.some((f) => /bert|embed/.test(f));
    if (!embedding) chat.push(m.name);
  }
  return chat;
}

/**
 * Provider selection: explicit config first, then ANTHROPIC_API_KEY, then
 * OPENAI_API_KEY / OPENAI_BASE_URL, then a local Ollama on 127.0.0.1:11434. Keys are read here,
 * in the trusted parent, and live only inside the provider objects.
 */
export async function resolveProviders(opts: ResolveOptions): Promise<ResolvedProviders> {
  const env = opts.env ?? process.env;
  const byName = new Map<string, ResolvedProvider>();
  const keyFiles: string[] = [];
  const modelEnv = env.BULWARK_MODEL?.trim() || undefined;
  // BULWARK_PROVIDER is to [provider] default what BULWARK_MODEL is to the tables' model: the
  // configuration wins, the variable fills in (e.g. the GitHub Action's `provider` input)
  const providerEnv = env.BULWARK_PROVIDER?.trim() || undefined;
  if (providerEnv !== undefined && !(PROVIDER_KINDS as readonly string[]).includes(providerEnv)) {
    throw new UsageError(`BULWARK_PROVIDER ${JSON.stringify(providerEnv)}: expected one of ${PROVIDER_KINDS.join(', ')}`);
  }
  const cfg: ProviderConfig =
    opts.config.default === undefined && providerEnv !== undefined ? { ...opts.config, default: providerEnv as ProviderKind } : opts.config;

  const key = (c: { api_key_env?: string; api_key_file?: string } | undefined, defaultEnv: string): { key: string; source: string } | undefined => {
    if (c?.api_key_file) {
      const k = readKeyFile(c.api_key_file, opts.configDir);
      keyFiles.push(k.file);
      return { key: k.key, source: `key file ${k.file}` };
    }
    const name = c?.api_key_env ?? defaultEnv;
    const v = env[name]?.trim();
    return v ? { key: v, source: name } : undefined;
  };

  const stream = cfg.stream ?? true;
  const anthropicKey = key(cfg.anthropic, 'ANTHROPIC_API_KEY');
  if (anthropicKey) {
    const baseURL = cfg.anthropic?.base_url ?? env.ANTHROPIC_BASE_URL;
    const apiKey = anthropicKey.key;
    const p = new LazyProvider(
      'anthropic',
      DEFAULT_MODELS.anthropic,
      async () => new (await import('./providers/anthropic.js')).AnthropicProvider({ apiKey, baseURL, stream }),
      stream,
    );
    byName.set('anthropic', {
      provider: p,
      defaultModel: cfg.anthropic?.model ?? modelEnv ?? p.defaultModel,
      source: anthropicKey.source,
      endpoint: baseURL ?? 'https://api.anthropic.com',
    });
  }
  const openaiKey = key(cfg.openai, 'OPENAI_API_KEY');
  const openaiBase = cfg.openai?.base_url ?? env.OPENAI_BASE_URL?.trim();
  if (openaiKey || openaiBase) {
    // OpenAI-compatible local servers (vLLM, LiteLLM) often need no key; the SDK insists on one
    const apiKey = openaiKey?.key ?? 'unused';
    const azureApiVersion = cfg.openai?.api_version;
    const p = new LazyProvider(
      'openai',
      DEFAULT_MODELS.openai,
      async () =>
        new (await import('./providers/openai.js')).OpenAiProvider({
          apiKey,
          baseURL: openaiBase || undefined,
          stream,
          ...(azureApiVersion !== undefined ? { azureApiVersion } : {}),
        }),
      stream,
    );
    byName.set('openai', {
      provider: p,
      defaultModel: cfg.openai?.model ?? modelEnv ?? p.defaultModel,
      source: openaiKey?.source ?? `OPENAI_BASE_URL ${openaiBase}`,
      endpoint: openaiBase || 'https://api.openai.com/v1',
    });
  }
  if (cfg.bedrock || cfg.default === 'bedrock') {
    const bedrock = { region: cfg.bedrock?.region, endpoint: cfg.bedrock?.endpoint, stream };
    const p = new LazyProvider('bedrock', DEFAULT_MODELS.bedrock, async () => new (await import('./providers/bedrock.js')).BedrockProvider(bedrock), stream);
    byName.set('bedrock', {
      provider: p,
      defaultModel: cfg.bedrock?.model ?? modelEnv ?? p.defaultModel,
      source: 'AWS credential chain',
      endpoint: cfg.bedrock?.endpoint ?? `bedrock-runtime ${cfg.bedrock?.region ?? env.AWS_REGION ?? 'us-east-1'}`,
    });
  }

  let defaultName: string | null = null;
  if (cfg.default) defaultName = cfg.default;
  else if (byName.has('anthropic')) defaultName = 'anthropic';
  else if (byName.has('openai')) defaultName = 'openai';

  const wantOllama = cfg.ollama !== undefined || cfg.default === 'ollama' || (defaultName === null && (opts.probeOllama ?? true));
  if (wantOllama) {
    const base = cfg.ollama?.base_url ?? opts.ollamaUrl ?? (env.BULWARK_OLLAMA_URL?.trim() || OLLAMA_DEFAULT_URL);
    const models = await probeOllama(base);
    if (models !== undefined || cfg.ollama !== undefined || cfg.default === 'ollama') {
      const origin = base.replace(/\/+$/, '');
      const baseURL = `${origin}/v1`;
      const model = models?.[0] ?? DEFAULT_MODELS.ollama;
      const keepAlive = cfg.ollama?.keep_alive;
      const p = new LazyProvider(
        'ollama',
        model,
        async () =>
          new (await import('./providers/openai.js')).OpenAiProvider(
            { apiKey: 'ollama', baseURL, stream, ollama: { origin, ...(keepAlive !== undefined ? { keepAlive } : {}) } },
            'ollama',
            model,
          ),
        stream,
      );
      byName.set('ollama', { provider: p, defaultModel: cfg.ollama?.model ?? modelEnv ?? p.defaultModel, source: `Ollama at ${base}`, endpoint: base });
      if (defaultName === null) defaultName = 'ollama';
    }
  }
  // A configured default whose key is missing (e.g. a fork PR without secrets) is not a config
  // error: its stages are reported "not run" with how to configure it, and the run exits 5.
  return { byName, defaultName, keyFiles };
}

export type { ProviderKind };

/** A zone's data-residency rules, as `[[gate.zones]]` states them. */
export interface ZoneResidency {
  name: string;
  /** Allowed provider names; empty = any. */
  providers: readonly string[];
  /** Allowed regions: a Bedrock region or an endpoint URL prefix; empty = anywhere. */
  regions: readonly string[];
  /** The zone's own key: its code is sent with this key only. */
  api_key_env?: string | undefined;
}

/** Where one provider's calls for a change go under the touched zones' rules. */
export interface ZoneRoute {
  /** The zone(s) whose rules applied, comma-separated. */
  zone: string;
  provider: string;
  /** The region or endpoint the calls go to. */
  region: string;
  /** The provider to use instead of the run's: the same endpoint with the zone's key when it has one. */
  resolved: ResolvedProvider;
}

/** The region a resolved provider sends to: Bedrock's region, else its endpoint URL. */
export function regionOf(r: ResolvedProvider): string {
  const e = r.endpoint ?? '';
  const m = /^bedrock-runtime (\S+)$/.exec(e);
  if (m) return m[1]!;
  const host = /^https?:\/\/bedrock-runtime[.-]([a-z0-9-]+)\./.exec(e);
  return host ? host[1]! : e;
}

function regionAllowed(region: string, endpoint: string, allowed: readonly string[]): boolean {
  return allowed.length === 0 || allowed.some((a) => region === a || endpoint === a || (a.includes('://') && endpoint.startsWith(a.replace(/\/+$/, ''))));
}

/** A zone rule constrains calls when it names providers, regions or a key. */
export function hasResidencyRules(z: ZoneResidency): boolean {
  return z.providers.length > 0 || z.regions.length > 0 || z.api_key_env !== undefined;
}

/**
 * The route of `provider`'s calls for a change touching `zones` (only those with rules count):
 * null when no touched zone constrains calls. One call carries the whole change, so every
 * touched zone's rules must hold at once: the provider allowed by each, its region allowed by
 * each, at most one zone key. Anything else is refused with the rule that cannot be met
 * (UsageError, exit 3): a zone's code never leaves through a provider, region or key its zone
 * does not allow.
 */
export function routeForZones(zones: readonly ZoneResidency[], provider: string, providers: ResolvedProviders, env: NodeJS.ProcessEnv): ZoneRoute | null {
  const ruled = zones.filter(hasResidencyRules);
  if (ruled.length === 0) return null;
  const names = ruled.map((z) => z.name).join(', ');
  for (const z of ruled) {
    if (z.providers.length > 0 && !z.providers.includes(provider))
      throw new UsageError(`zone ${z.name}: provider "${provider}" is not allowed for its code (gate.zones.providers = ${JSON.stringify(z.providers)})`);
  }
  const keys = [...new Set(ruled.map((z) => z.api_key_env).filter((k): k is string => k !== undefined))];
  if (keys.length > 1)
    throw new UsageError(
      `the change touches zones ${names} whose code must be sent with different keys (${keys.join(', ')}); one review cannot send it with both: split the change per zone`,
    );
  const base = providers.byName.get(provider);
  if (!base) throw new UsageError(`zone ${ruled[0]!.name}: provider "${provider}" is not configured`);
  const endpoint = base.endpoint ?? '';
  const region = regionOf(base);
  for (const z of ruled) {
    if (!regionAllowed(region, endpoint, z.regions))
      throw new UsageError(
        `zone ${z.name}: provider "${provider}" sends to ${region}, which is not an allowed region (gate.zones.regions = ${JSON.stringify(z.regions)})`,
      );
  }
  const keyEnv = keys[0];
  if (keyEnv === undefined) return { zone: names, provider, region, resolved: base };
  const key = env[keyEnv]?.trim();
  if (!key)
    throw new UsageError(`zone ${ruled.find((z) => z.api_key_env === keyEnv)!.name}: api_key_env ${keyEnv} is not set; its code is sent with that key only`);
  const kind = base.provider.kind;
  // the zone's provider streams as the run's own does
  const stream = base.provider.streams;
  let p: Provider;
  if (kind === 'anthropic') {
    p = new LazyProvider(
      'anthropic',
      base.defaultModel,
      async () => new (await import('./providers/anthropic.js')).AnthropicProvider({ apiKey: key, baseURL: endpoint, stream }),
      stream,
    );
  } else if (kind === 'openai' || kind === 'ollama') {
    const baseURL = kind === 'ollama' ? `${endpoint.replace(/\/+$/, '')}/v1` : endpoint;
    p = new LazyProvider(
      kind,
      base.defaultModel,
      async () => new (await import('./providers/openai.js')).OpenAiProvider({ apiKey: key, baseURL, stream }, kind, base.defaultModel),
      stream,
    );
  } else {
    throw new UsageError(`zone ${names}: api_key_env cannot apply to provider "${kind}" (it authenticates through the AWS credential chain)`);
  }
  return { zone: names, provider, region, resolved: { ...base, provider: p, source: keyEnv } };
}
