import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths that may carry credentials or personal data; pino replaces their values. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.accessSecret',
  '*.refreshToken',
  '*.secret',
  '*.apiKey',
  '*.credentials',
  '*.connectionString',
  '*.databaseUrl',
];

export interface LoggerSettings {
  level: string;
  format: 'auto' | 'json' | 'pretty';
  name?: string;
}

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  const pretty = settings.format === 'pretty' || (settings.format === 'auto' && process.stdout.isTTY);
  return {
    level: settings.level,
    ...(settings.name ? { name: settings.name } : {}),
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
}

/** The service's logger; `destination` (tests) replaces stdout. */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  return destination
    ? pino(loggerOptions({ ...settings, format: 'json' }), destination)
    : pino(loggerOptions(settings));
}
