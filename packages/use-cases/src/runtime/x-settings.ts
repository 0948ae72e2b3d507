// Which X a process talks to, and with which app credentials, as configured.
import type { Config } from '@jcp/config';
import type { XTarget } from '@jcp/db';

export class FanoutConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FanoutConfigError';
  }
}

/** The emulator's app credentials; not secrets (the emulator is local and in memory). */
export const EMULATOR_APP = { appKey: 'jcp-emulator-app', appSecret: 'jcp-emulator-app-secret' } as const;

export interface XSettings {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  timeoutMs: number;
}

/** The X this process talks to, as the database records it: the embedded emulator, or X_API_BASE_URL. */
export function xTargetOf(config: Config): XTarget {
  return config.X_API_BASE_URL ? { kind: 'x', baseUrl: config.X_API_BASE_URL } : { kind: 'emulator' };
}

export function xSettings(config: Config, embeddedBaseUrl?: string): XSettings {
  const baseUrl = config.X_API_BASE_URL ?? embeddedBaseUrl;
  if (!baseUrl) throw new FanoutConfigError('X_API_BASE_URL is required (https://api.x.com, or an X emulator)');
  if (!config.X_API_BASE_URL) return { baseUrl, ...EMULATOR_APP, timeoutMs: config.X_REQUEST_TIMEOUT_MS };
  if (!config.X_APP_KEY || !config.X_APP_SECRET)
    throw new FanoutConfigError('X_APP_KEY and X_APP_SECRET are required with X_API_BASE_URL');
  return { baseUrl, appKey: config.X_APP_KEY, appSecret: config.X_APP_SECRET, timeoutMs: config.X_REQUEST_TIMEOUT_MS };
}
