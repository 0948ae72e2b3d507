// Re-sealing every account's stored X credentials under the current key (X_CREDENTIALS_KEY),
// bound to the account: after a key rotation (the old key as X_CREDENTIALS_KEY_PREVIOUS), and
// once after upgrading from ciphertexts not bound to their account (v1). In batches, each its
// own short transaction; a row is replaced only if it still holds what was read, so it is safe
// beside running services (which must already know both keys) and may be run again at will.
// The operator's command is services/api/src/cli/rotate-credentials.ts.
import { storedCredentialsPage } from '@jcp/db';
import {
  credentialsKeyId,
  isSealedWithCurrentKey,
  openAccountTokens,
  sealAccountTokens,
  SealedSecretError,
  type CredentialsKeyring,
} from '@jcp/x-client';
import type { AccountDeps } from './deps.js';
import { resealCredentials } from './reseal.js';

export interface RotationReport {
  /** The current key's id (a fingerprint, not the key). */
  keyId: string;
  /** Accounts holding credentials. */
  accounts: number;
  /** Sealed again under the current key (or, on a dry run, that would be). */
  resealed: number;
  /** Already sealed under the current key, for their own account. */
  current: number;
  /** Stored or removed by someone else between the read and the write: left as they are. */
  changedMeanwhile: number;
  /** Credentials that do not open for their account with the configured keys, and why (never a secret). */
  failed: { accountId: string; reason: string }[];
}

/**
 * Seals every account's credentials again under the current key, a batch at a time (each
 * batch resealCredentials, one transaction); credentials that do not open for their account
 * are reported, never changed. A dry run only counts.
 */
export async function rotateCredentials(
  deps: Pick<AccountDeps, 'db'>,
  keys: CredentialsKeyring,
  options: { actor: string; batchSize?: number; dryRun?: boolean },
): Promise<RotationReport> {
  const keyId = credentialsKeyId(keys.current);
  const report: RotationReport = { keyId, accounts: 0, resealed: 0, current: 0, changedMeanwhile: 0, failed: [] };
  const batchSize = options.batchSize ?? 100;
  for (let after: string | null = null; ;) {
    const page = await storedCredentialsPage(deps.db, after, batchSize);
    if (page.length === 0) return report;
    after = page.at(-1)!.accountId;
    report.accounts += page.length;
    const reseal: { accountId: string; previous: string; next: string; keyId: string }[] = [];
    for (const { accountId, sealed } of page) {
      let tokens;
      try {
        // Every row is opened, current or not: one copied from another account is reported.
        tokens = openAccountTokens(sealed, keys, accountId);
      } catch (error) {
        report.failed.push({
          accountId: accountId,
          reason: error instanceof SealedSecretError ? error.message : 'could not be opened',
        });
        continue;
      }
      if (isSealedWithCurrentKey(sealed, keys)) report.current++;
      else reseal.push({ accountId, previous: sealed, next: sealAccountTokens(tokens, keys, accountId), keyId });
    }
    if (options.dryRun) {
      report.resealed += reseal.length;
      continue;
    }
    const replaced = await resealCredentials(deps, reseal, options.actor);
    report.resealed += replaced.length;
    report.changedMeanwhile += reseal.length - replaced.length;
  }
}
