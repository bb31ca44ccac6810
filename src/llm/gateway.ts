import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';
import type { EntryInput } from '../domain/audit-entries.js';
import { redactionEntries, totalRedactions, type RedactionCounts, addCounts } from '../domain/redact.js';
import { redactTexts } from './secret-scan.js';
import { classifyFailure } from './http-capture.js';
import { DEFAULT_SHAPE, refusalHint, reshape, shapeRequest, type Reshape } from './output-mode.js';
import {
  abortedCall,
  LlmError,
  type CallShape,
  type CompletionParams,
  type CompletionRequest,
  type CompletionResult,
  type Exchange,
  type OutputMode,
  type Provider,
} from './types.js';
import type { Price } from './config.js';
import { modelMatches, normalizeReturnedModel } from './model-pin.js';
import { costOf, priceFor, roundCost, type TokenCounts } from './pricing.js';
import { paramsOfBody, paramsOfShape } from './sent-params.js';

/** The part of the audit log the gateway writes to (AuditLog satisfies it). */
export interface AuditSink {
  append(entry: EntryInput): Promise<unknown>;
  putBlob(data: Uint8Array | string): Promise<string>;
}

export interface GatewayOptions {
  /** Available providers by name (anthropic, openai, bedrock, ollama). */
  providers: ReadonlyMap<string, Provider>;
  audit: AuditSink;
  runId: string;
  /** Overall deadline of one call; unset = DEFAULT_CALL_TIMEOUT_MS, or DEFAULT_STREAM_CALL_TIMEOUT_MS when the provider streams. */
  callTimeoutMs?: number;
  /** A streamed call that receives nothing for this long (once the response began) is cut off. */
  idleTimeoutMs?: number;
  /** Per provider name: the output mode pinned in the configuration, and the reasoning effort to send. */
  providerSettings?: ReadonlyMap<string, { outputMode?: OutputMode; reasoningEffort?: string }>;
  maxRetries?: number;
  /** Cap of one backoff wait; a Retry-After longer than this ends the retries (fail closed). */
  maxRetryDelayMs?: number;
  baseRetryDelayMs?: number;
  /** Input + output tokens allowed for the whole run; unset = DEFAULT_TOKEN_BUDGET. */
  tokenBudget?: number;
  /** A returned model that is not the requested one: "warn" records and reports it (default), "fail" fails the call after recording it. */
  pinModel?: 'warn' | 'fail';
  /** `[[provider.pricing]]`: per-million-token prices by model. */
  pricing?: readonly Price[];
  /** Cost allowed for the whole run (in the price table's currency); unset = no cost budget. */
  costBudget?: number;
  /** Injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface CallContext {
  stage: string;
  /** Identifies the agent (worker) within the run, e.g. "<stage>#<attempt>". */
  agentId: string;
  provider: string;
  params: CompletionParams;
}

/** What the calls of one stage (or of the run) used, as the providers reported it. */
export interface UsageSummary {
  calls: number;
  tokens: TokenCounts;
  /** Sum of the priced calls' costs; undefined when no call was priced. */
  cost?: number;
  /** Calls whose model has no price (their cost is not in `cost`). */
  unpricedCalls: number;
  /** Model names the provider returned (file paths reduced to the file name), in first-seen order. */
  modelsReturned: string[];
  /** Returned names that are not the requested model (see modelMatches). */
  mismatches: string[];
}

function emptyUsage(): UsageSummary {
  return { calls: 0, tokens: { input: 0, output: 0, cachedInput: 0 }, unpricedCalls: 0, modelsReturned: [], mismatches: [] };
}

export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** A streamed call shows it is alive by its tokens, so its overall deadline can be long; the idle timeout catches a dead one. */
export const DEFAULT_STREAM_CALL_TIMEOUT_MS = 600_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Re-shapes of one call after refusals (tool_choice, tools, response_format, parameters): a bound, not a retry budget. */
const MAX_RESHAPES = 4;
export const DEFAULT_MAX_RETRIES = 3;
export const DEFAULT_MAX_RETRY_DELAY_MS = 20_000;
/**
 * The run's token budget when `provider.token_budget` is not set: every run has one, so a worker
 * that keeps calling cannot spend without bound. Generous for a review (a stage call is typically
 * a few thousand to a few tens of thousands of tokens).
 */
export const DEFAULT_TOKEN_BUDGET = 2_000_000;

/**
 * Tokens held for a call before it is sent: its output cap plus an estimate of its input (about
 * four characters per token of the request as sent). Settled to the provider's count afterwards.
 */
export function reservationFor(request: CompletionRequest, params: CompletionParams): number {
  return params.maxTokens + Math.ceil(JSON.stringify(request).length / 4);
}

export function sha256Ref(data: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of the RFC 8785 canonical JSON of a request body. */
export function requestHash(request: unknown): string {
  return sha256Ref(canonicalJson(request));
}

/** `p`, or the aborted call's error as soon as `signal` aborts (`p` itself goes on). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedCall());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedCall());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedCall());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortedCall());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Every string in a JSON-like value, in a fixed walk order (`rebuild` walks it the same way). */
function stringsOf(v: unknown, into: string[]): string[] {
  if (typeof v === 'string') into.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsOf(x, into));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => stringsOf(x, into));
  return into;
}

function rebuild(v: unknown, next: () => string): unknown {
  if (typeof v === 'string') return next();
  if (Array.isArray(v)) return v.map((x) => rebuild(x, next));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rebuild(x, next)]));
  return v;
}

/**
 * Secrets and payment data are removed from everything the worker assembled (diff, file contents
 * its tools read, upstream outputs) right before it leaves for a provider: the last point the
 * parent controls. Every string goes through the maintained rule set and the pure rules.
 */
export async function redactRequest(req: CompletionRequest): Promise<{ request: CompletionRequest; counts: RedactionCounts }> {
  const counts: RedactionCounts = {};
  const whole = { system: req.system, messages: req.messages };
  const redacted = await redactTexts(stringsOf(whole, []));
  for (const r of redacted) addCounts(counts, r.counts);
  let i = 0;
  const clean = rebuild(whole, () => redacted[i++]!.text) as typeof whole;
  return { request: { ...req, system: clean.system, messages: clean.messages }, counts };
}

/**
 * The trusted LLM gateway: one place that holds provider clients and keys, retries with capped
 * exponential backoff honouring Retry-After, enforces per-call timeouts and the run's token
 * budget, and appends one `llm_call` audit entry (with the request/response blob) per attempt,
 * whether it succeeded or not. An audit write failure fails the call: nothing unrecorded passes.
 */
export class LlmGateway {
  private used = 0;
  /** Tokens held by calls in flight (their reservations), so concurrent calls cannot overrun the budget together. */
  private reserved = 0;
  private calls = 0;
  private readonly usedByStage = new Map<string, number>();
  /** How calls are sent, per provider and model: learned once per run from the server's refusals. */
  private readonly shapes = new Map<string, Promise<CallShape>>();
  /**
   * The capability checks in flight, per provider and model: shared by every call that waits on
   * it, and aborted only when the last of them has left (a call's own abort must not fail the
   * concurrent calls of other stages that wait on the same check).
   */
  private readonly checks = new Map<string, { controller: AbortController; waiting: number }>();
  /** The shape calls are sent with now, per provider and model, once known: a call refused with an older one was overtaken by a concurrent call's re-shape. */
  private readonly currentShape = new Map<string, CallShape>();
  private readonly usage = new Map<string, UsageSummary>();
  private costUsed = 0;
  /** Cost held by calls in flight (their worst case at the price table), like `reserved` for tokens. */
  private costReserved = 0;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly opts: GatewayOptions) {
    this.sleep = opts.sleep ?? abortableSleep;
  }

  get tokensUsed(): number {
    return this.used;
  }
  get callCount(): number {
    return this.calls;
  }
  /** Tokens (input + output) the calls of one stage used so far. */
  tokensOf(stage: string): number {
    return this.usedByStage.get(stage) ?? 0;
  }

  /** What one stage's calls used (calls, tokens, cost, models returned). */
  usageOf(stage: string): UsageSummary {
    const u = this.usage.get(stage) ?? emptyUsage();
    return { ...u, tokens: { ...u.tokens }, modelsReturned: [...u.modelsReturned], mismatches: [...u.mismatches] };
  }

  /** What all calls of the run used. */
  get totalUsage(): UsageSummary {
    const t = emptyUsage();
    for (const u of this.usage.values()) addUsage(t, u);
    return t;
  }

  hasProvider(name: string): boolean {
    return this.opts.providers.has(name);
  }

  private shapeFor(name: string, provider: Provider, model: string, signal: AbortSignal): Promise<CallShape> {
    const key = `${name}\u0000${model}`;
    let p = this.shapes.get(key);
    // a check in the map is unsettled; one every waiter has left is being aborted, and a new
    // caller starts its own
    if (!p || this.checks.get(key)?.controller.signal.aborted) {
      // a caller already gone starts nothing
      if (signal.aborted) return Promise.reject(abortedCall());
      const settings = this.opts.providerSettings?.get(name);
      const check = { controller: new AbortController(), waiting: 0 };
      this.checks.set(key, check);
      p = (async () => {
        const initial = provider.initialShape ? await provider.initialShape(model, check.controller.signal) : {};
        return {
          ...DEFAULT_SHAPE,
          ...initial,
          ...(settings?.outputMode ? { mode: settings.outputMode } : {}),
          ...(settings?.reasoningEffort !== undefined ? { reasoningEffort: settings.reasoningEffort } : {}),
        };
      })();
      // a failed capability check is not remembered: the next call asks again (registered before
      // any waiter's handlers, so a check is settled before its last waiter counts itself out)
      const decided = p;
      const settle = (): void => {
        if (this.checks.get(key) === check) this.checks.delete(key);
      };
      void decided.then(
        (shape) => {
          settle();
          // an abandoned check that still answered is not the one calls are sent with
          if (this.shapes.get(key) === decided && !this.currentShape.has(key)) this.currentShape.set(key, shape);
        },
        () => {
          settle();
          if (this.shapes.get(key) === decided) this.shapes.delete(key);
        },
      );
      this.shapes.set(key, p);
    }
    const check = this.checks.get(key);
    if (!check) return p;
    // waits on the shared check until its own signal aborts; the check goes on for the others
    check.waiting++;
    return untilAborted(p, signal).finally(() => {
      // still in the map: not settled (a check replaced in it was aborted already)
      if (--check.waiting === 0 && this.checks.get(key) === check) check.controller.abort();
    });
  }

  /** Whether calls to this provider and model are now sent with another shape than `shape`. */
  private overtaken(key: string, shape: CallShape): boolean {
    const now = this.currentShape.get(key);
    return now !== undefined && now !== shape;
  }

  /**
   * One model call with retries. Each attempt is audited; by default the call waits for its audit
   * writes, and an audit failure fails it. With `deferAudit`, the writes are handed to the caller
   * instead (the pipeline accepts a stage's output only after they all succeeded), which keeps the
   * database's fsync off the model round trip.
   */
  async complete(
    ctx: CallContext,
    rawReq: CompletionRequest,
    signal: AbortSignal,
    opts: { deferAudit?: (write: Promise<unknown>) => void } = {},
  ): Promise<CompletionResult> {
    const provider = this.opts.providers.get(ctx.provider);
    if (!provider) throw new LlmError('bad_request', `provider "${ctx.provider}" is not configured`);
    const { request, counts } = await redactRequest(rawReq);
    const redacted = totalRedactions(counts);
    const record = async (write: () => Promise<unknown>): Promise<void> => {
      if (opts.deferAudit) {
        // The audit store may write synchronously (SQLite with fsync on this thread): start it
        // after the answer has gone back to the worker, so the fsync overlaps the worker's turn.
        const p = new Promise<unknown>((resolve, reject) =>
          setImmediate(() => {
            write().then(resolve, reject);
          }),
        );
        p.catch(() => undefined);
        opts.deferAudit(p);
      } else await write();
    };
    if (redacted > 0) {
      const entries = redactionEntries(this.opts.runId, ctx.stage, counts);
      await record(() => Promise.all(entries.map((e) => this.opts.audit.append(e))));
    }
    const maxRetries = this.opts.maxRetries ?? DEFAULT_MAX_RETRIES;
    const cap = this.opts.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    const base = this.opts.baseRetryDelayMs ?? 500;
    const random = this.opts.random ?? Math.random;
    const shapeKey = `${ctx.provider}\u0000${ctx.params.model}`;
    const pinned = this.opts.providerSettings?.get(ctx.provider)?.outputMode !== undefined;
    let reshapes = 0;
    for (let attempt = 0; ; attempt++) {
      let shape: CallShape;
      try {
        shape = await this.shapeFor(ctx.provider, provider, ctx.params.model, signal);
      } catch (err) {
        throw err instanceof LlmError ? err : new LlmError('network', `capability check of ${ctx.provider} failed: ${(err as Error).message}`);
      }
      try {
        return await this.attempt(provider, ctx, request, shape, signal, record, (e) => {
          // decided before the audit write, so the refused call's entry says what changed; published
          // at once, so a concurrent call (a parallel stage) refused for the same reason records no second change
          if (e.errorClass !== 'unsupported' || !e.refused || reshapes >= MAX_RESHAPES) return undefined;
          if (this.overtaken(shapeKey, shape)) return undefined;
          const next = reshape(shape, e.refused, pinned);
          if (next) {
            this.shapes.set(shapeKey, Promise.resolve(next.shape));
            this.currentShape.set(shapeKey, next.shape);
          }
          return next;
        });
      } catch (err) {
        const e = err instanceof LlmError ? err : new LlmError('network', String(err));
        if (e.errorClass === 'unsupported') {
          // sent again with the shape learned from this refusal or a concurrent one
          if (this.overtaken(shapeKey, shape) && reshapes < MAX_RESHAPES) {
            reshapes++;
            attempt--;
            continue;
          }
          throw new LlmError('unsupported', `${e.message} — ${refusalHint(ctx.provider, e.refused ?? 'tools', shape.mode)}`, e.status, undefined, e.refused);
        }
        if (!e.retryable || attempt >= maxRetries || signal.aborted) throw withHint(e, ctx);
        const backoff = Math.min(cap, base * 2 ** attempt) * (0.5 + random() / 2);
        if (e.retryAfterMs !== undefined && e.retryAfterMs > cap) {
          throw new LlmError(
            e.errorClass,
            `${e.message}; Retry-After ${Math.ceil(e.retryAfterMs / 1000)} s exceeds the retry cap of ${Math.ceil(cap / 1000)} s`,
            e.status,
            e.retryAfterMs,
          );
        }
        await this.sleep(Math.max(backoff, e.retryAfterMs ?? 0), signal);
      }
    }
  }

  private async attempt(
    provider: Provider,
    ctx: CallContext,
    request: CompletionRequest,
    shape: CallShape,
    outer: AbortSignal,
    record: (w: () => Promise<unknown>) => Promise<void>,
    reshapeOf: (e: LlmError) => Reshape | undefined,
  ): Promise<CompletionResult> {
    // a stage that is over (its deadline, or its result in) gets no new calls, and nothing unsent is recorded as a call
    if (outer.aborted) throw abortedCall();
    // Reserved before the call and settled after it: checking only what earlier calls used would
    // let any number of concurrent calls pass the same check.
    const budget = this.opts.tokenBudget ?? DEFAULT_TOKEN_BUDGET;
    const reservation = reservationFor(request, ctx.params);
    if (this.used >= budget) {
      throw new LlmError('budget_exceeded', `run token budget of ${budget} tokens is used up (${this.used} used)`);
    }
    if (this.used + this.reserved + reservation > budget) {
      throw new LlmError(
        'budget_exceeded',
        `run token budget of ${budget} tokens cannot cover this call: ${this.used} used, ${this.reserved} held by calls in flight, ${reservation} needed (max_tokens + input estimate)`,
      );
    }
    const costHold = this.holdCost(ctx, provider, reservation);
    this.reserved += reservation;
    const timeoutMs = this.opts.callTimeoutMs ?? (provider.streams ? DEFAULT_STREAM_CALL_TIMEOUT_MS : DEFAULT_CALL_TIMEOUT_MS);
    const idleMs = this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const timer = new AbortController();
    const t = setTimeout(() => timer.abort(), timeoutMs);
    const idle = new AbortController();
    let idleTimer: NodeJS.Timeout | undefined;
    const exchange: Exchange = { request: undefined };
    if (provider.streams) {
      // armed once the response began (a long prefill sends nothing yet; the overall deadline covers it)
      exchange.onData = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => idle.abort(), idleMs);
      };
    }
    const signal = AbortSignal.any([outer, timer.signal, idle.signal]);
    const wire = shapeRequest(request, shape);
    const started = performance.now();
    let result: CompletionResult | undefined;
    let failure: LlmError | undefined;
    try {
      result = await provider.complete(wire, ctx.params, { signal, timeoutMs, shape }, exchange);
      if (shape.mode !== 'tools' && wire.tools.length === 0 && request.handIn !== undefined) result = { ...result, outputMode: shape.mode };
    } catch (err) {
      failure = idle.signal.aborted
        ? new LlmError('timeout', `no data from the provider for ${idleMs / 1000} s (idle timeout; provider.idle_timeout_seconds)`)
        : classifyFailure(err, exchange, outer, timer.signal.aborted);
    } finally {
      clearTimeout(t);
      clearTimeout(idleTimer);
      exchange.onData = undefined;
      this.reserved -= reservation;
      this.costReserved -= costHold;
    }
    const reshaped = failure ? reshapeOf(failure) : undefined;
    const partial = failure !== undefined && provider.streams && (exchange.responseText ?? '') !== '' && (exchange.status ?? 0) < 300;
    const latency = Math.max(0, Math.round(performance.now() - started));
    this.calls++;
    const tokensIn = result?.usage.inputTokens ?? 0;
    const tokensOut = result?.usage.outputTokens ?? 0;
    this.used += tokensIn + tokensOut;
    this.usedByStage.set(ctx.stage, this.tokensOf(ctx.stage) + tokensIn + tokensOut);
    const tokensCached = Math.min(tokensIn, result?.usage.cachedInputTokens ?? 0);
    const returned = result?.model ? normalizeReturnedModel(result.model).slice(0, 256) : null;
    const mismatch = returned !== null && !modelMatches(ctx.params.model, returned);
    const price = priceFor(this.opts.pricing, provider.kind, ctx.params.model, returned ?? undefined);
    const cost = price ? roundCost(costOf({ input: tokensIn, output: tokensOut, cachedInput: tokensCached }, price)) : undefined;
    if (cost !== undefined) this.costUsed += cost;
    this.account(ctx.stage, { input: tokensIn, output: tokensOut, cachedInput: tokensCached }, cost, returned, mismatch);
    const sentRequest = exchange.request ?? { provider: provider.kind, params: ctx.params, request: wire };
    const blobText = canonicalJson({
      provider: provider.kind,
      // a streamed response body is the events as received (replay re-sends it streamed and folds them)
      ...(provider.streams ? { stream: true } : {}),
      request: sentRequest,
      response: { status: exchange.status ?? null, body: exchange.responseText ?? null },
      ...(failure ? { error: { class: failure.errorClass, message: failure.message } } : {}),
    });
    const entryBase: Omit<Extract<EntryInput, { kind: 'llm_call' }>, 'blob'> = {
      kind: 'llm_call',
      run_id: this.opts.runId,
      stage: ctx.stage,
      agent_id: ctx.agentId,
      provider: provider.kind,
      model_requested: ctx.params.model,
      model_returned: returned,
      ...(returned !== null ? { model_mismatch: mismatch } : {}),
      // what the body carried, not what was configured: a parameter the server did not get is absent
      params: exchange.request !== undefined ? paramsOfBody(exchange.request) : paramsOfShape(ctx.params, shape),
      input_hash: requestHash(sentRequest),
      output_hash: exchange.responseText !== undefined ? sha256Ref(exchange.responseText) : null,
      latency_ms: latency,
      tokens_in: tokensIn,
      tokens_out: tokensOut,
      ...(tokensCached > 0 ? { tokens_cached: tokensCached } : {}),
      ...(cost !== undefined ? { cost } : {}),
      status: failure ? 'error' : 'ok',
      error_class: failure ? failure.errorClass : null,
      output_mode: shape.mode,
      ...(reshaped ? { reshaped: { setting: reshaped.setting, from: reshaped.from, to: reshaped.to } } : {}),
      ...(partial ? { partial: true } : {}),
    };
    await record(async () => {
      const blob = await this.opts.audit.putBlob(blobText);
      await this.opts.audit.append({ ...entryBase, blob });
    });
    if (failure) throw failure;
    if (this.used > budget) {
      throw new LlmError('budget_exceeded', `run token budget of ${budget} tokens exceeded (${this.used} used)`);
    }
    if (this.opts.costBudget !== undefined && this.costUsed > this.opts.costBudget) {
      throw new LlmError('budget_exceeded', `run cost budget of ${this.opts.costBudget} exceeded (${roundCost(this.costUsed)} used)`);
    }
    if (mismatch && this.opts.pinModel === 'fail') {
      throw new LlmError(
        'model_mismatch',
        `${provider.kind} answered with model "${returned}", not the requested "${ctx.params.model}" (provider.pin_model = "fail")`,
      );
    }
    return result!;
  }

  /**
   * Holds the worst case of a call against the run's cost budget (its reserved tokens, all at the
   * input price except max_tokens at the output price), as for the token budget. A model without a
   * price cannot be bounded: with a cost budget set, its calls are refused.
   */
  private holdCost(ctx: CallContext, provider: Provider, reservation: number): number {
    const budget = this.opts.costBudget;
    if (budget === undefined) return 0;
    const price = priceFor(this.opts.pricing, provider.kind, ctx.params.model);
    if (!price) {
      throw new LlmError(
        'budget_exceeded',
        `provider.cost_budget is set but model "${ctx.params.model}" (${provider.kind}) has no [[provider.pricing]] row: its cost cannot be bounded`,
      );
    }
    const inputEstimate = Math.max(0, reservation - ctx.params.maxTokens);
    const hold = costOf({ input: inputEstimate, output: ctx.params.maxTokens, cachedInput: 0 }, price);
    if (this.costUsed + this.costReserved + hold > budget) {
      throw new LlmError(
        'budget_exceeded',
        `run cost budget of ${budget} cannot cover this call: ${roundCost(this.costUsed)} used, ${roundCost(this.costReserved)} held by calls in flight, up to ${roundCost(hold)} needed (max_tokens + input estimate at the model's price)`,
      );
    }
    this.costReserved += hold;
    return hold;
  }

  private account(stage: string, t: TokenCounts, cost: number | undefined, returned: string | null, mismatch: boolean): void {
    const u = this.usage.get(stage) ?? emptyUsage();
    addUsage(u, {
      calls: 1,
      tokens: t,
      ...(cost !== undefined ? { cost } : {}),
      unpricedCalls: cost === undefined && (t.input > 0 || t.output > 0) ? 1 : 0,
      modelsReturned: returned !== null ? [returned] : [],
      mismatches: returned !== null && mismatch ? [returned] : [],
    });
    this.usage.set(stage, u);
  }
}

/** Adds `b` into `a` (model lists as sets, in first-seen order). */
export function addUsage(a: UsageSummary, b: UsageSummary): void {
  a.calls += b.calls;
  a.tokens.input += b.tokens.input;
  a.tokens.output += b.tokens.output;
  a.tokens.cachedInput += b.tokens.cachedInput;
  if (b.cost !== undefined) a.cost = roundCost((a.cost ?? 0) + b.cost);
  a.unpricedCalls += b.unpricedCalls;
  for (const m of b.modelsReturned) if (!a.modelsReturned.includes(m)) a.modelsReturned.push(m);
  for (const m of b.mismatches) if (!a.mismatches.includes(m)) a.mismatches.push(m);
}

/** Configuration errors say which setting to change; the rest pass through unchanged. */
function withHint(e: LlmError, ctx: CallContext): LlmError {
  const p = ctx.provider;
  let hint: string | undefined;
  if (e.errorClass === 'auth') hint = `check the key: provider.${p}.api_key_env / api_key_file`;
  else if (e.errorClass === 'bad_request' && e.status === 404)
    hint = `model "${ctx.params.model}" or the endpoint does not exist there: check provider.${p}.model and provider.${p}.base_url`;
  else if (e.errorClass === 'bad_request' && e.status !== undefined)
    hint = `the server refused the request: check provider.${p}.model and the stage's max_tokens/temperature`;
  if (!hint) return e;
  return new LlmError(e.errorClass, `${e.message} — ${hint}`, e.status, e.retryAfterMs, e.refused);
}
