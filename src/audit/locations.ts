import os from 'node:os';
import path from 'node:path';

/**
 * Default places for audit state. They live in per-user directories, never in a repository and
 * never inside a sandbox allowlist (the sandbox policy excludes $HOME and /root).
 */

function home(): string {
  return process.env.HOME && path.isAbsolute(process.env.HOME) ? process.env.HOME : os.homedir();
}

/** `$XDG_STATE_HOME/bulwark`, else `~/.local/state/bulwark`. */
export function stateDir(): string {
  const xdg = process.env.XDG_STATE_HOME;
  return xdg && path.isAbsolute(xdg) ? path.join(xdg, 'bulwark') : path.join(home(), '.local', 'state', 'bulwark');
}

/** `$XDG_CONFIG_HOME/bulwark`, else `~/.config/bulwark`. */
export function configDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return xdg && path.isAbsolute(xdg) ? path.join(xdg, 'bulwark') : path.join(home(), '.config', 'bulwark');
}

export function defaultDbPath(): string {
  return path.join(stateDir(), 'audit.db');
}

export function defaultKeyPath(): string {
  return path.join(configDir(), 'audit-key');
}

export function publicKeyPathFor(keyFile: string): string {
  return `${keyFile}.pub`;
}

export function defaultVerifyStatePath(): string {
  return path.join(stateDir(), 'verifier-state.json');
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Resolution order for the database: explicit (--audit-db) > BULWARK_AUDIT_DB > [audit] db > default.
 */
export function resolveDbLocation(explicit?: string, configured?: string): string {
  const chosen = explicit ?? (process.env.BULWARK_AUDIT_DB || undefined) ?? configured;
  if (!chosen) return defaultDbPath();
  return isPostgresUrl(chosen) ? chosen : path.resolve(chosen);
}

/** A location safe to print: a URL loses its password. */
export function displayLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
