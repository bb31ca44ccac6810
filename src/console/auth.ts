import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The console's access token: random, printed once at start. A browser presents it once as
 * `?token=` and gets it back as an HttpOnly, SameSite=Strict cookie; scripts send
 * `Authorization: Bearer`. SameSite=Strict keeps other sites from riding the cookie (the console's
 * only state-changing request is "run verify", which is idempotent).
 */
export const COOKIE = 'bulwark_console';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/** The token from a Cookie header, if any. */
export function cookieToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}
