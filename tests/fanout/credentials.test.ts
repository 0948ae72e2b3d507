// Stored X credentials are bound to their account and rotatable: a ciphertext copied onto
// another account does not open there (the account is paused with the reason; nothing is
// posted as the other account), and `rotateCredentials` seals every account's again under the
// current key, in batches, idempotently, opening those of the previous key and the old
// unbound (v1) form.
import { createCipheriv, randomBytes } from 'node:crypto';
import { rotateCredentials } from '@jcp/api';
import { resealCredentials } from '@jcp/use-cases';
import { credentialsKeyId, credentialsKeyring, openAccountTokens } from '@jcp/x-client';
import t from 'tap';
import { citizen, mentionsFixture } from '../mentions/fixture.js';
import { CARLISLE, CUMBRIA, fanoutFixture, waitFor } from './fixture.js';

const OTHER = 'district-106';

/** A v1 ciphertext, as stored before credentials were bound to their account (additional data `v1` only). */
function sealV1(tokens: { accessToken: string; accessSecret: string }, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from('v1'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final()]);
  return [
    'v1',
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

void t.test(
  'credentials copied onto another account do not open there: it is paused with the reason, nothing is posted as the other account',
  async (t) => {
    const f = await fanoutFixture(t, { accounts: [CUMBRIA, OTHER] });
    const office = await f.database.db
      .selectFrom('offices')
      .select('id')
      .where('account_id', '=', OTHER)
      .where('closed_permanently_on', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const cumbria = await f.database.db
      .selectFrom('accounts')
      .select('credentials_encrypted')
      .where('id', '=', CUMBRIA)
      .executeTakeFirstOrThrow();
    // Someone with write access to the table (or a mistaken restore) copies Cumbria's tokens onto the other account.
    await f.database.db
      .updateTable('accounts')
      .set({ credentials_encrypted: cumbria.credentials_encrypted })
      .where('id', '=', OTHER)
      .execute();
    await f.newDispatcher().start();
    await f.notice({ status: 'closed', cause: 'weather', offices: [office.id] });
    const paused = await waitFor('the other account paused', async () => {
      const row = await f.database.db
        .selectFrom('accounts')
        .select(['paused', 'paused_reason'])
        .where('id', '=', OTHER)
        .executeTakeFirstOrThrow();
      return row.paused && row;
    });
    t.match(
      paused.paused_reason,
      /the stored credentials cannot be used: .*does not open for this account: sealed for another account, or tampered; store the account's credentials again/,
    );
    // The pause reason is for the account's managers and admins.
    const account = await f.app.inject({ url: `/accounts/${OTHER}`, headers: f.bearer(f.admin) });
    t.match(account.json(), { paused: true, pausedReason: /sealed for another account/ }, 'the account shows why');
    t.same(await f.posts(await f.handleOf(CUMBRIA)), [], 'nothing posted as Cumbria');
    t.same(await f.posts(), [], 'nothing posted at all');
    const post = await f.database.db
      .selectFrom('fanout_posts')
      .select(['state', 'last_error'])
      .where('account_id', '=', OTHER)
      .executeTakeFirstOrThrow();
    t.equal(post.state, 'queued', 'the post waits for the account, as with credentials X rejects');

    // Cumbria's own credentials still work.
    await f.notice({ status: 'closed', cause: 'weather', offices: [CARLISLE] });
    await waitFor('Cumbria posts', async () => (await f.posts(await f.handleOf(CUMBRIA))).length === 1);
  },
);

void t.test(
  'the mention reader searches with an account whose credentials open for it, passing over one holding a copy',
  async (t) => {
    const f = await mentionsFixture(t, { accounts: [CUMBRIA, OTHER] });
    const other = await f.database.db
      .selectFrom('accounts')
      .select('credentials_encrypted')
      .where('id', '=', OTHER)
      .executeTakeFirstOrThrow();
    // Cumbria, the first account, holds a copy of the other's ciphertext: it does not open for Cumbria.
    await f.database.db
      .updateTable('accounts')
      .set({ credentials_encrypted: other.credentials_encrypted })
      .where('id', '=', CUMBRIA)
      .execute();
    const handle = await f.handleOf(OTHER);
    await f.mention(handle, citizen(), `@${handle} is the jobcentre open today?`);
    const cycle = await f.newIngester().pollNow();
    t.equal(cycle.error, undefined, 'the cycle did not fail');
    t.equal(cycle.stored, 1, "read with the other account's own credentials");
  },
);

void t.test(
  'rotation: every account sealed again under the new key, in batches, idempotent; v1 and previous-key ciphertexts open; a copied one is reported',
  async (t) => {
    const f = await fanoutFixture(t);
    const oldKey = f.credentialsKey;
    const newKey = randomBytes(32);
    const ring = credentialsKeyring(newKey, [oldKey]);
    const rows = await f.database.db
      .selectFrom('accounts')
      .select(['id', 'credentials_encrypted'])
      .orderBy('id')
      .execute();
    const sealedOf = (r: { credentials_encrypted: Buffer | Uint8Array | null }) =>
      Buffer.from(r.credentials_encrypted!).toString('utf8');
    const tokensBefore = new Map(rows.map((r) => [r.id, openAccountTokens(sealedOf(r), oldKey, r.id)]));
    // One account still in the old unbound form, and one holding a copy of another's ciphertext (neither is Cumbria, which posts at the end).
    const others = rows.filter((r) => r.id !== CUMBRIA);
    const legacy = others[0]!.id;
    await f.database.db
      .updateTable('accounts')
      .set({ credentials_encrypted: Buffer.from(sealV1(tokensBefore.get(legacy)!, oldKey)) })
      .where('id', '=', legacy)
      .execute();
    const copied = others[2]!.id;
    await f.database.db
      .updateTable('accounts')
      .set({ credentials_encrypted: others[1]!.credentials_encrypted })
      .where('id', '=', copied)
      .execute();

    const snapshot = async () =>
      (await f.database.db.selectFrom('accounts').select(['id', 'credentials_encrypted']).orderBy('id').execute()).map(
        sealedOf,
      );
    const before = await snapshot();
    const dry = await rotateCredentials(f.database, ring, { actor: 'test', batchSize: 5, dryRun: true });
    t.match(dry, {
      keyId: credentialsKeyId(newKey),
      accounts: rows.length,
      resealed: rows.length - 1,
      current: 0,
      changedMeanwhile: 0,
    });
    t.equal(dry.failed.length, 1);
    t.same(await snapshot(), before, 'a dry run writes nothing');

    const report = await rotateCredentials(f.database, ring, { actor: 'test', batchSize: 5 });
    t.match(report, { accounts: rows.length, resealed: rows.length - 1, current: 0, changedMeanwhile: 0 });
    t.same(
      report.failed,
      [
        {
          accountId: copied,
          reason: 'encrypted secret does not open for this account: sealed for another account, or tampered',
        },
      ],
      'the copy is reported by account, without a secret',
    );
    const after = await f.database.db
      .selectFrom('accounts')
      .select(['id', 'credentials_encrypted'])
      .orderBy('id')
      .execute();
    for (const r of after) {
      if (r.id === copied) continue;
      const sealed = sealedOf(r);
      t.match(sealed, new RegExp(`^v2\\.${credentialsKeyId(newKey)}\\.`), `${r.id}: under the new key`);
      t.same(
        openAccountTokens(sealed, newKey, r.id),
        tokensBefore.get(r.id),
        `${r.id}: the same tokens, opened with the new key alone`,
      );
    }
    const audit = await f.database.db
      .selectFrom('audit_log')
      .select(['entity_id', 'after'])
      .where('action', '=', 'account.credentials_resealed')
      .execute();
    t.equal(audit.length, rows.length - 1, 'each re-sealing audited');
    t.same(audit[0]?.after, { keyId: credentialsKeyId(newKey) }, 'with the key id, no secret');

    const again = await rotateCredentials(f.database, ring, { actor: 'test', batchSize: 5 });
    t.match(again, { resealed: 0, current: rows.length - 1, changedMeanwhile: 0 }, 'a second run has nothing to do');

    // Delivery with the new key alone: the previous key can be retired.
    await f.newDispatcher({ credentialsKey: credentialsKeyring(newKey) }).start();
    await f.notice({ status: 'closed', cause: 'weather', offices: [CARLISLE] });
    await waitFor('posted with the new key', async () => (await f.posts(await f.handleOf(CUMBRIA))).length === 1);
  },
);

void t.test('re-sealing leaves credentials stored meanwhile as they are', async (t) => {
  const f = await fanoutFixture(t, { accounts: [CUMBRIA] });
  const row = await f.database.db
    .selectFrom('accounts')
    .select('credentials_encrypted')
    .where('id', '=', CUMBRIA)
    .executeTakeFirstOrThrow();
  const now = Buffer.from(row.credentials_encrypted!).toString('utf8');
  const replaced = await resealCredentials(
    { db: f.database.db },
    [{ accountId: CUMBRIA, previous: `${now}x`, next: 'v2.stale', keyId: 'abc' }],
    'test',
  );
  t.same(replaced, [], 'not replaced: it no longer holds what was read');
  const still = await f.database.db
    .selectFrom('accounts')
    .select('credentials_encrypted')
    .where('id', '=', CUMBRIA)
    .executeTakeFirstOrThrow();
  t.equal(Buffer.from(still.credentials_encrypted!).toString('utf8'), now);
});
