import { createCipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import t from 'tap';
import {
  credentialsKeyId,
  credentialsKeyring,
  decryptSecret,
  encryptSecret,
  isSealedWithCurrentKey,
  openAccountTokens,
  parseCredentialsKey,
  sealAccountTokens,
  SealedSecretError,
  XCredentials,
} from '../src/index.js';

const key = randomBytes(32);
const keyB64 = key.toString('base64');
const ACCOUNT = 'district-105';

/** A ciphertext as the service sealed them before accounts were bound: v1, additional data `v1` only. */
function sealV1(plaintext: string, k: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from('v1'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

void t.test(
  'round trip with a Buffer key and a base64 key; every token differs; the key id names the key',
  async (t) => {
    const secret = 'access-secret-ÿ-😀';
    const a = encryptSecret(secret, key, ACCOUNT);
    const b = encryptSecret(secret, keyB64, ACCOUNT);
    t.match(a, /^v2\.[0-9a-f]{12}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    t.equal(a.split('.')[1], credentialsKeyId(key), 'the key id is in the ciphertext');
    t.notOk(
      a.includes(keyB64.slice(0, 12)) || credentialsKeyId(key) === key.toString('hex').slice(0, 12),
      'the key id is not the key',
    );
    t.not(a, b, 'random IV');
    t.notOk(a.includes(secret));
    t.equal(decryptSecret(a, keyB64, ACCOUNT), secret);
    t.equal(decryptSecret(b, key, ACCOUNT), secret);
    t.equal(decryptSecret(encryptSecret('', key, ACCOUNT), key, ACCOUNT), '');
    t.not(credentialsKeyId(randomBytes(32)), credentialsKeyId(key));
  },
);

void t.test('a ciphertext is bound to its account: copied onto another account it does not open', async (t) => {
  const sealed = sealAccountTokens({ accessToken: '1-token', accessSecret: 'secret' }, key, ACCOUNT);
  t.same(openAccountTokens(sealed, key, ACCOUNT), { accessToken: '1-token', accessSecret: 'secret' });
  for (const other of ['district-106', 'district-1050', 'District-105']) {
    t.throws(() => openAccountTokens(sealed, key, other), {
      name: 'SealedSecretError',
      code: 'not-for-this-account',
      message: /does not open for this account/,
    });
  }
  // The key id is bound too: a ciphertext relabelled with another key's id does not open.
  const other = randomBytes(32);
  const relabelled = sealed.replace(credentialsKeyId(key), credentialsKeyId(other));
  t.throws(() => openAccountTokens(relabelled, credentialsKeyring(key, [other]), ACCOUNT), {
    code: 'not-for-this-account',
  });
  t.throws(() => encryptSecret('x', key, ''), /context/);
  t.throws(() => encryptSecret('x', key, 'a.b'), /context/);
});

void t.test(
  'keys rotate: the previous key opens what it sealed, new seals use the current key; an unknown key is named by its id',
  async (t) => {
    const old = randomBytes(32);
    const current = randomBytes(32);
    const ring = credentialsKeyring(current, [old]);
    const underOld = encryptSecret('s3cret', old, ACCOUNT);
    t.equal(decryptSecret(underOld, ring, ACCOUNT), 's3cret', 'the previous key still opens');
    t.notOk(isSealedWithCurrentKey(underOld, ring), 'to be sealed again');
    const resealed = encryptSecret('s3cret', ring, ACCOUNT);
    t.equal(resealed.split('.')[1], credentialsKeyId(current), 'new seals use the current key');
    t.ok(isSealedWithCurrentKey(resealed, ring));
    t.throws(() => decryptSecret(underOld, current, ACCOUNT), {
      code: 'unknown-key',
      message: new RegExp(
        `sealed with key ${credentialsKeyId(old)}, which is neither X_CREDENTIALS_KEY \\(${credentialsKeyId(current)}\\)`,
      ),
    });
    t.same(credentialsKeyring(current, [current, old]).previous, [old], 'the current key is not also a previous one');
  },
);

void t.test('v1 ciphertexts (not bound to an account) still open, with the current or the previous key', async (t) => {
  const old = randomBytes(32);
  const tokens = JSON.stringify({ accessToken: '1-legacy', accessSecret: 'legacy-secret' });
  const v1 = sealV1(tokens, old);
  t.same(openAccountTokens(v1, credentialsKeyring(randomBytes(32), [old]), ACCOUNT), {
    accessToken: '1-legacy',
    accessSecret: 'legacy-secret',
  });
  t.same(openAccountTokens(sealV1(tokens, key), key, ACCOUNT), {
    accessToken: '1-legacy',
    accessSecret: 'legacy-secret',
  });
  t.notOk(isSealedWithCurrentKey(v1, old), 'a v1 ciphertext is always to be sealed again');
  t.throws(() => openAccountTokens(v1, key, ACCOUNT), { code: 'unknown-key', message: /wrong key or tampered/ });
});

void t.test('tampering, a wrong key or a malformed token is a clear error', async (t) => {
  const token = encryptSecret('s3cret', key, ACCOUNT);
  const [v, id, iv, tag, ct] = token.split('.') as [string, string, string, string, string];
  const flip = (s: string) => {
    const buf = Buffer.from(s, 'base64url');
    buf[0] = buf[0]! ^ 1;
    return buf.toString('base64url');
  };
  for (const bad of [
    `${v}.${id}.${iv}.${tag}.${flip(ct)}`,
    `${v}.${id}.${iv}.${flip(tag)}.${ct}`,
    `${v}.${id}.${flip(iv)}.${tag}.${ct}`,
  ]) {
    t.throws(() => decryptSecret(bad, key, ACCOUNT), {
      code: 'not-for-this-account',
      message: /sealed for another account, or tampered/,
    });
  }
  t.throws(() => decryptSecret(token, randomBytes(32), ACCOUNT), { code: 'unknown-key' });
  t.throws(() => decryptSecret(`v3.${id}.${iv}.${tag}.${ct}`, key, ACCOUNT), {
    message: /malformed or of an unknown version/,
  });
  t.throws(() => decryptSecret('garbage', key, ACCOUNT), { code: 'malformed' });
  t.throws(() => decryptSecret(`${v}.${id}.${iv}.${tag}`, key, ACCOUNT), { code: 'malformed' });
  t.throws(() => decryptSecret(`${v}.NOTHEX00000Z.${iv}.${tag}.${ct}`, key, ACCOUNT), { code: 'malformed' });
  t.throws(() => openAccountTokens(encryptSecret('not json', key, ACCOUNT), key, ACCOUNT), {
    code: 'malformed',
    message: /malformed/,
  });
  t.throws(() => openAccountTokens(encryptSecret('{"accessToken":1}', key, ACCOUNT), key, ACCOUNT), SealedSecretError);
});

void t.test('a key that is not 32 bytes is refused without echoing it', async (t) => {
  const short = randomBytes(16).toString('base64');
  const long = randomBytes(33).toString('base64');
  for (const bad of [short, long, 'not base64 at all!!', '']) {
    let message = '';
    try {
      parseCredentialsKey(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    t.match(message, /32 bytes/, 'clear error');
    if (bad) t.notOk(message.includes(bad), 'the key is not echoed');
  }
  t.throws(() => encryptSecret('x', short, ACCOUNT), { message: /32 bytes/ });
  t.throws(() => encryptSecret('x', randomBytes(31), ACCOUNT), { message: /32 bytes/ });
  t.equal(parseCredentialsKey(keyB64).equals(key), true);
  t.equal(parseCredentialsKey(key.toString('base64url')).equals(key), true, 'base64url accepted');
});

void t.test('credentials never show their secrets in JSON, inspect or String', async (t) => {
  const fields = {
    appKey: 'APPKEY123',
    appSecret: 'APPSECRET456',
    accessToken: '1001-TOKEN789',
    accessSecret: 'ACCESSSECRET000',
  };
  const creds = new XCredentials(fields);
  const shown = [
    JSON.stringify(creds),
    JSON.stringify({ nested: { creds } }),
    inspect(creds),
    inspect({ creds }, { depth: 5, showHidden: true }),
    String(creds),
    [creds].join(''),
  ];
  for (const text of shown) {
    for (const value of Object.values(fields)) t.notOk(text.includes(value), `${value} hidden in ${text}`);
    t.match(text, /redacted/);
  }
  t.equal(creds.accessSecret, fields.accessSecret, 'still usable');
  t.same(creds.reveal(), fields);
});
