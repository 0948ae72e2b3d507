// The keys every process resolves from config: the credentials keyring and the opt-out hash key.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '@jcp/config';
import { credentialsKeyring, parseCredentialsKey, type CredentialsKeyring } from '@jcp/x-client';
import { FanoutConfigError } from './x-settings.js';

/**
 * The credentials keys: X_CREDENTIALS_KEY seals (or, outside production, a key generated once
 * and kept next to the embedded database, so that `pnpm start` needs no setup and restarts can
 * read what they stored), and X_CREDENTIALS_KEY_PREVIOUS still opens what the key before it
 * sealed, while `pnpm rotate-credentials` seals everything again.
 */
export async function resolveCredentialsKey(config: Config): Promise<CredentialsKeyring> {
  const previous = config.X_CREDENTIALS_KEY_PREVIOUS
    ? [parseKey(config.X_CREDENTIALS_KEY_PREVIOUS, 'X_CREDENTIALS_KEY_PREVIOUS')]
    : [];
  return credentialsKeyring(
    await resolveKey(config, {
      value: config.X_CREDENTIALS_KEY,
      variable: 'X_CREDENTIALS_KEY',
      file: 'x-credentials.key',
    }),
    previous,
  );
}

/** OPT_OUT_HASH_KEY, or outside production a key generated once, as resolveCredentialsKey. */
export async function resolveOptOutKey(config: Config): Promise<Buffer> {
  return resolveKey(config, { value: config.OPT_OUT_HASH_KEY, variable: 'OPT_OUT_HASH_KEY', file: 'opt-out-hash.key' });
}

/** A 32-byte key from base64; the error names the variable, never the value (it is a secret). */
function parseKey(base64: string, variable: string): Buffer {
  try {
    return parseCredentialsKey(base64);
  } catch {
    throw new FanoutConfigError(`${variable} must be 32 bytes encoded as base64`);
  }
}

/** A 32-byte key from its variable, or outside production from a file next to the embedded database, made on first use. */
async function resolveKey(
  config: Config,
  key: { value: string | undefined; variable: string; file: string },
): Promise<Buffer> {
  const parse = (base64: string) => parseKey(base64, key.variable);
  if (key.value) return parse(key.value);
  if (config.NODE_ENV === 'production')
    throw new FanoutConfigError(`${key.variable} is required in production (32 bytes, base64)`);
  const file = join(dirname(config.PGLITE_DATA_DIR), key.file);
  try {
    return parse((await readFile(file, 'utf8')).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      // Another process made it first: use theirs.
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return parse((await readFile(file, 'utf8')).trim());
}
