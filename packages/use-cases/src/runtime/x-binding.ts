// Binding the database to the real X of X_API_BASE_URL.
import type { Config } from '@jcp/config';
import { bindX, describeXTarget, XBindingConflict, type Database } from '@jcp/db';
import type { Logger } from '@jcp/log';
import { xTargetOf } from './x-settings.js';

/**
 * Binds the database to the real X of X_API_BASE_URL if nothing has bound it yet, so that the
 * emulator never writes its identities into it later. A database bound to the emulator is
 * not refused (reading it harms nothing: X rejects the emulator's tokens, and each account is
 * paused with that reason) but said loudly; real credentials cannot be stored in it.
 */
export async function bindRealX(database: Database, config: Config, logger: Logger, by: string): Promise<void> {
  const target = xTargetOf(config);
  if (target.kind !== 'x') return;
  try {
    await database.db.transaction().execute((trx) => bindX(trx, target, by));
  } catch (error) {
    // A worker may start before the API has applied migration 0008: it binds at its next start.
    if ((error as { code?: unknown }).code === '42P01') {
      logger.warn(
        'the database has no x_binding table yet (migration 0008): not bound to X_API_BASE_URL until the next start',
      );
      return;
    }
    if (!(error instanceof XBindingConflict)) throw error;
    logger.warn(
      { bound: error.binding ? describeXTarget(error.binding) : null },
      `X_API_BASE_URL is set but ${error.message}`,
    );
  }
}
