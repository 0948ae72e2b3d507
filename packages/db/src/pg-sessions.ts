// PostgreSQL sessions of their own, outside the pool: a LISTENer and an advisory lock holder.
import pg from 'pg';
import { sessionDeadlines, type DatabaseOptions } from './database-options.js';

/**
 * A dedicated client that LISTENs, and on any failure reports "not listening" and
 * reconnects with backoff (0.2 s doubling to 5 s) until stopped.
 */
const LISTENER_PING_MS = 5_000;
const LISTENER_PING_TIMEOUT_MS = 3_000;

export async function listenOnPostgres(
  options: DatabaseOptions,
  channel: string,
  onMessage: (payload: string) => void,
  onState: (listening: boolean) => void,
): Promise<() => Promise<void>> {
  const onError = options.onPoolError;
  let stopped = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let ping: NodeJS.Timeout | null = null;
  let delay = 200;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: options.url,
      application_name: 'jcp-status-listener',
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      ...sessionDeadlines(options),
    });
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      if (ping) clearInterval(ping);
      onError?.(error);
      onState(false);
      void c.end().catch(() => {});
      if (client === c) client = null;
      if (!stopped) {
        timer = setTimeout(() => void connect().catch(() => {}), delay);
        delay = Math.min(delay * 2, 5_000);
      }
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('listener connection ended')));
    c.on('notification', (n) => {
      if (n.channel === channel) onMessage(n.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    } catch (error) {
      fail(error as Error);
      return;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    delay = 200;
    // A connection that died without a word (a half-open TCP link) would leave this
    // instance caching while deaf: a ping that does not answer in time counts as failure.
    ping = setInterval(() => {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('listener ping timed out')), LISTENER_PING_TIMEOUT_MS).unref(),
      );
      Promise.race([c.query('select 1'), timeout]).catch((error: unknown) => fail(error as Error));
    }, LISTENER_PING_MS);
    ping.unref();
    onState(true);
  };
  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = null;
    if (ping) clearInterval(ping);
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => {});
    }
  };
}

/**
 * A session advisory lock on a dedicated connection, pinged so that a connection that
 * died without a word (and the lock with it, once the server notices) is reported.
 */
export async function lockOnPostgres(
  options: DatabaseOptions,
  key: number,
  onLost: () => void,
): Promise<(() => Promise<void>) | null> {
  const onError = options.onPoolError;
  const c = new pg.Client({
    connectionString: options.url,
    application_name: 'jcp-status-lock',
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    ...sessionDeadlines(options),
  });
  let released = false;
  let ping: NodeJS.Timeout | null = null;
  const lost = (error: Error) => {
    if (released) return;
    released = true;
    if (ping) clearInterval(ping);
    onError?.(error);
    void c.end().catch(() => {});
    onLost();
  };
  c.on('error', lost);
  try {
    await c.connect();
    const { rows } = await c.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [key]);
    if (!rows[0]?.locked) {
      released = true;
      await c.end().catch(() => {});
      return null;
    }
  } catch (error) {
    released = true;
    await c.end().catch(() => {});
    throw error;
  }
  c.on('end', () => lost(new Error('lock connection ended')));
  ping = setInterval(() => {
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('lock connection ping timed out')), LISTENER_PING_TIMEOUT_MS).unref(),
    );
    Promise.race([c.query('select 1'), timeout]).catch((error: unknown) => lost(error as Error));
  }, LISTENER_PING_MS);
  ping.unref();
  return async () => {
    if (released) return;
    released = true;
    if (ping) clearInterval(ping);
    c.removeAllListeners('end');
    await c.query('select pg_advisory_unlock($1)', [key]).catch(() => {});
    await c.end().catch(() => {});
  };
}
