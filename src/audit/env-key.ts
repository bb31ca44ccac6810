/**
 * BULWARK_AUDIT_KEY taken out of the environment at process start, before anything can start a
 * child process (git, the sandbox launcher, a signer command, a provider SDK's helper) that would
 * inherit it. Kept apart from the signer so that every command's start pays for this alone.
 */

export const AUDIT_KEY_ENV = 'BULWARK_AUDIT_KEY';

let envKeyText: string | undefined;

/** Moves BULWARK_AUDIT_KEY from the environment into this module (idempotent). */
export function captureEnvSigningKey(env: NodeJS.ProcessEnv = process.env): void {
  const v = env[AUDIT_KEY_ENV];
  if (v !== undefined) {
    delete env[AUDIT_KEY_ENV];
    if (v.trim() !== '') envKeyText = v;
  }
}

/** The key material captured from the environment, if any. */
export function capturedEnvSigningKey(): string | undefined {
  return envKeyText;
}
