import {
  LlmError,
  type CallOptions,
  type CallShape,
  type CompletionParams,
  type CompletionResult,
  type Exchange,
  type Provider,
  type ResendOptions,
  type WireRequest,
} from './types.js';

/**
 * A provider whose SDK is imported on its first call. Resolving providers happens for every run
 * (it decides which ones exist and their default models), but a run pays the start-up cost of an
 * SDK only for the providers its stages actually call.
 */
export class LazyProvider implements Provider {
  private loading: Promise<Provider> | undefined;
  constructor(
    readonly kind: string,
    readonly defaultModel: string,
    private readonly load: () => Promise<Provider>,
    /** Known without loading: whether the adapter streams. */
    readonly streams: boolean,
  ) {}

  /** The real provider, its SDK loaded once. */
  private provider(): Promise<Provider> {
    return (this.loading ??= this.load());
  }

  async initialShape(model: string, signal: AbortSignal): Promise<Partial<CallShape>> {
    const p = await this.provider();
    return p.initialShape ? p.initialShape(model, signal) : {};
  }

  async complete(req: WireRequest, params: CompletionParams, call: CallOptions, exchange: Exchange): Promise<CompletionResult> {
    return (await this.provider()).complete(req, params, call, exchange);
  }

  async resend(body: Record<string, unknown>, call: ResendOptions, exchange: Exchange): Promise<CompletionResult> {
    const p = await this.provider();
    if (!p.resend) throw new LlmError('bad_request', `provider ${this.kind} cannot re-send a recorded request`);
    return p.resend(body, call, exchange);
  }
}

/** Default models, known without loading an SDK. */
export const DEFAULT_MODELS = {
  anthropic: 'claude-sonnet-4-5',
  openai: 'gpt-4.1-mini',
  bedrock: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
  ollama: 'llama3.1',
} as const;
