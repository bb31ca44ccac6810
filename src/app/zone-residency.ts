import type { EntryInput } from '../domain/audit-entries.js';
import type { GateConfig, GateResult } from '../gate/index.js';
import { routeForZones, type ResolvedProviders, type ZoneRoute } from '../llm/select.js';
import type { BatchingAuditSink } from '../pipeline/audit-batch.js';

/**
 * Data residency of a review: the providers its stages call, rerouted under the rules of the
 * zones the change touches (allowed providers, regions, the zone's own key). A stage whose
 * provider a touched zone does not allow, or zones whose rules no single call can meet, refuse
 * the review (UsageError, exit 3) before any of the change is sent.
 */
export function residencyFor(
  gate: GateResult | null,
  gateConfig: GateConfig | undefined,
  stageProviders: readonly (string | null)[],
  providers: ResolvedProviders,
  env: NodeJS.ProcessEnv,
): { providers: ResolvedProviders; routes: ZoneRoute[] } {
  if (!gate || !gateConfig) return { providers, routes: [] };
  const touched = gateConfig.zones.filter((z) => gate.zones.some((m) => m.name === z.name));
  const byName = new Map(providers.byName);
  const routes: ZoneRoute[] = [];
  for (const name of new Set(stageProviders)) {
    // a stage without a configured provider is reported "not run" by the pipeline: it sends nothing
    if (name === null || !providers.byName.has(name)) continue;
    const route = routeForZones(touched, name, providers, env);
    if (!route) continue;
    byName.set(name, route.resolved);
    routes.push(route);
  }
  return { providers: { ...providers, byName }, routes };
}

/** Records each model call's zone and region (by the provider it went through) in its llm_call entry. */
export function auditWithRoutes<S extends BatchingAuditSink>(audit: S, routes: readonly ZoneRoute[]): BatchingAuditSink {
  if (routes.length === 0) return audit;
  const tag = (e: EntryInput): EntryInput => {
    if (e.kind !== 'llm_call') return e;
    const r = routes.find((x) => x.provider === e.provider || x.resolved.provider.kind === e.provider);
    return r ? { ...e, zone: r.zone.slice(0, 256), region: (r.region || '-').slice(0, 256) } : e;
  };
  return {
    append: (e) => audit.append(tag(e)),
    putBlob: (d) => audit.putBlob(d),
    ...(audit.appendMany ? { appendMany: (es: EntryInput[]) => audit.appendMany!(es.map(tag)) } : {}),
  };
}
