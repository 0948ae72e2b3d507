import {
  bindX,
  deleteAccountCredentials,
  writeAccountCredentials,
  XBindingConflict,
  type Account,
  type XTarget,
} from '@jcp/db';
import { isXUsername } from '@jcp/domain';
import type { Caller } from '../caller.js';
import { fail } from '../problems.js';
import { writeAccount } from './account-write.js';
import type { AccountDeps } from './deps.js';
import { readAccount } from './read.js';
import { xUserIdSchema } from './settings-rule.js';

/** An account's OAuth 1.0a user tokens. */
export interface AccountTokens {
  accessToken: string;
  accessSecret: string;
}

/** The port to X and to the key the credentials are sealed with. */
export interface CredentialsPort {
  /** Seals (encrypts) the tokens with the current key, bound to the account. */
  seal(tokens: AccountTokens, accountId: string): string;
  /** The X that `verify` asks (the emulator, or a real X): credentials are stored only in a database bound to the same kind. */
  xTarget: XTarget;
  /** Asks X who these tokens belong to (GET /2/users/me); throws an error with `code` 401 or 403 when X rejects them. */
  verify?: ((tokens: AccountTokens) => Promise<{ id: string; username: string }>) | undefined;
}

/** Only what may be logged: never the tokens, nor an error that may carry the signed request. */
export interface WarningLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface CredentialsDeps extends AccountDeps {
  /** Unset: credentials cannot be stored here (CREDENTIALS_STORAGE_NOT_CONFIGURED). */
  credentials?: CredentialsPort | undefined;
  log: WarningLog;
}

/** X refused the tokens themselves (HTTP 401 or 403), as opposed to being unreachable or failing. */
function isRejection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === 401 || code === 403);
}

/** The X user the tokens belong to, as X says it: it must be the account's handle and, if given, the user id. */
async function verifiedUser(
  deps: CredentialsDeps & { credentials: CredentialsPort },
  account: Account,
  tokens: AccountTokens,
  claimedUserId: string | undefined,
): Promise<string> {
  const verify = deps.credentials.verify;
  if (!verify) {
    if (claimedUserId === undefined) {
      throw fail('X_USER_ID_REQUIRED', 'xUserId is required: the service cannot ask X whose these credentials are', {
        errors: [{ path: '/xUserId', message: 'required' }],
      });
    }
    return claimedUserId;
  }
  let me: { id: string; username: string };
  try {
    me = await verify(tokens);
  } catch (error) {
    if (isRejection(error)) throw fail('X_REJECTED_CREDENTIALS', 'X rejected these credentials');
    // Only the kind of failure: the error may carry the signed request.
    deps.log.warn(
      { accountId: account.id, failure: error instanceof Error ? error.name : typeof error },
      'X could not verify account credentials',
    );
    throw fail(
      'X_UNAVAILABLE',
      'X could not be reached to verify these credentials; nothing was stored. Try again shortly',
    );
  }
  // X's answer is outside text too: an id or username that breaks X's rules is neither stored nor repeated.
  if (!xUserIdSchema.safeParse(me.id).success || !isXUsername(me.username)) {
    deps.log.warn(
      { accountId: account.id },
      'X answered users/me with an id or username that is not valid; nothing stored',
    );
    throw fail(
      'X_UNEXPECTED_ANSWER',
      'X did not answer with a valid X user (id and username) for these credentials; nothing was stored',
    );
  }
  if (me.username.toLowerCase() !== account.handle.toLowerCase())
    throw fail(
      'CREDENTIALS_FOR_ANOTHER_ACCOUNT',
      `These credentials belong to @${me.username}, not @${account.handle}`,
    );
  if (claimedUserId !== undefined && claimedUserId !== me.id)
    throw fail('X_USER_ID_MISMATCH', `X says these credentials belong to user ${me.id}, not ${claimedUserId}`);
  return me.id;
}

/**
 * Stores an account's X tokens, sealed for this account only, once X has said whose they
 * are (they must belong to the account's handle; the X user id X gives becomes the
 * account's). Nothing is stored when X refuses them or cannot be reached, nor when the
 * database is bound to another kind of X (X_BINDING_CONFLICT).
 */
export async function storeAccountCredentials(
  deps: CredentialsDeps,
  caller: Caller,
  id: string,
  input: AccountTokens & { xUserId?: string | undefined },
): Promise<Account> {
  const port = deps.credentials;
  if (!port) throw fail('CREDENTIALS_STORAGE_NOT_CONFIGURED', 'credentials storage is not configured');
  const account = await readAccount(deps, id);
  const tokens = { accessToken: input.accessToken, accessSecret: input.accessSecret };
  const xUserId = await verifiedUser({ ...deps, credentials: port }, account, tokens, input.xUserId);
  if (!xUserIdSchema.safeParse(xUserId).success)
    throw fail('ACCOUNT_REJECTED', 'the account settings are not valid: xUserId must be 1-20 digits', {
      errors: [{ path: '/xUserId', message: 'must be 1-20 digits' }],
    });
  const sealed = port.seal(tokens, id);
  try {
    return await storeSealedCredentials(deps, caller.actor, id, { sealed, xUserId, target: port.xTarget });
  } catch (error) {
    if (error instanceof XBindingConflict) throw fail('X_BINDING_CONFLICT', `Nothing was stored: ${error.message}`);
    throw error;
  }
}

/**
 * Stores an account's sealed (encrypted) tokens and its X user id, verified with `target`
 * (the X emulator or a real X): the database is bound to that X in the same transaction, and
 * XBindingConflict is thrown (nothing stored) when it is bound to the other kind. The audit
 * log records that credentials were set and the user id, never the tokens. Wakes the
 * dispatchers: changes waiting for credentials may go now.
 */
export async function storeSealedCredentials(
  deps: AccountDeps,
  actor: string,
  id: string,
  credentials: { sealed: string; xUserId: string; target: XTarget },
): Promise<Account> {
  return writeAccount(
    deps,
    actor,
    id,
    async (trx, before) => {
      await bindX(trx, credentials.target, actor);
      await writeAccountCredentials(trx, id, credentials);
      return {
        audit: {
          action: 'account.credentials_set',
          before: { xUserId: before.xUserId, hasCredentials: before.hasCredentials },
          after: { xUserId: credentials.xUserId, hasCredentials: true },
        },
        wake: true,
      };
    },
    { bindsX: true },
  );
}

/** Removes an account's stored tokens (its X user id stays): it posts nothing until new ones are stored. */
export async function removeAccountCredentials(deps: AccountDeps, caller: Caller, id: string): Promise<Account> {
  return writeAccount(deps, caller.actor, id, async (trx, before) => {
    if (!before.hasCredentials) return { audit: null };
    await deleteAccountCredentials(trx, id);
    return {
      audit: {
        action: 'account.credentials_cleared',
        before: { hasCredentials: true },
        after: { hasCredentials: false },
      },
    };
  });
}
