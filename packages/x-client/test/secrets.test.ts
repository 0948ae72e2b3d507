import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import t from 'tap';
import { decryptCredentials, decryptSecret, encryptSecret, parseCredentialsKey, XCredentials } from '../src/index.js';

const key = randomBytes(32);
const keyB64 = key.toString('base64');

void t.test('round trip with a Buffer key and a base64 key; every token differs', async (t) => {
  const secret = 'access-secret-ÿ-😀';
  const a = encryptSecret(secret, key);
  const b = encryptSecret(secret, keyB64);
  t.match(a, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
  t.not(a, b, 'random IV');
  t.notOk(a.includes(secret));
  t.equal(decryptSecret(a, keyB64), secret);
  t.equal(decryptSecret(b, key), secret);
  t.equal(decryptSecret(encryptSecret('', key), key), '');
});

void t.test('tampering, a wrong key or a malformed token is a clear error', async (t) => {
  const token = encryptSecret('s3cret', key);
  const [v, iv, tag, ct] = token.split('.') as [string, string, string, string];
  const flip = (s: string) => { const buf = Buffer.from(s, 'base64url'); buf[0] = buf[0]! ^ 1; return buf.toString('base64url'); };
  for (const bad of [`${v}.${iv}.${tag}.${flip(ct)}`, `${v}.${iv}.${flip(tag)}.${ct}`, `${v}.${flip(iv)}.${tag}.${ct}`]) {
    t.throws(() => decryptSecret(bad, key), { message: /wrong key or tampered/ });
  }
  t.throws(() => decryptSecret(token, randomBytes(32)), { message: /wrong key or tampered/ });
  t.throws(() => decryptSecret(`v2.${iv}.${tag}.${ct}`, key), { message: /malformed or of an unknown version/ });
  t.throws(() => decryptSecret('garbage', key), { message: /malformed/ });
  t.throws(() => decryptSecret(`${v}.${iv}.${tag}`, key), { message: /malformed/ });
});

void t.test('a key that is not 32 bytes is refused without echoing it', async (t) => {
  const short = randomBytes(16).toString('base64');
  const long = randomBytes(33).toString('base64');
  for (const bad of [short, long, 'not base64 at all!!', '']) {
    let message = '';
    try { parseCredentialsKey(bad); } catch (error) { message = (error as Error).message; }
    t.match(message, /32 bytes/, 'clear error');
    if (bad) t.notOk(message.includes(bad), 'the key is not echoed');
  }
  t.throws(() => encryptSecret('x', short), { message: /32 bytes/ });
  t.throws(() => encryptSecret('x', randomBytes(31)), { message: /32 bytes/ });
  t.equal(parseCredentialsKey(keyB64).equals(key), true);
  t.equal(parseCredentialsKey(key.toString('base64url')).equals(key), true, 'base64url accepted');
});

void t.test('credentials never show their secrets in JSON, inspect or String', async (t) => {
  const fields = { appKey: 'APPKEY123', appSecret: 'APPSECRET456', accessToken: '1001-TOKEN789', accessSecret: 'ACCESSSECRET000' };
  const creds = new XCredentials(fields);
  const shown = [JSON.stringify(creds), JSON.stringify({ nested: { creds } }), inspect(creds), inspect({ creds }, { depth: 5, showHidden: true }), String(creds), [creds].join('')];
  for (const text of shown) {
    for (const value of Object.values(fields)) t.notOk(text.includes(value), `${value} hidden in ${text}`);
    t.match(text, /redacted/);
  }
  t.equal(creds.accessSecret, fields.accessSecret, 'still usable');
  t.same(creds.reveal(), fields);
  const stored = { appKey: fields.appKey, appSecret: encryptSecret(fields.appSecret, key), accessToken: encryptSecret(fields.accessToken, key), accessSecret: encryptSecret(fields.accessSecret, key) };
  t.same(decryptCredentials(stored, keyB64).reveal(), fields);
});
