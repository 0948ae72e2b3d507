// X's username rule: what may follow the @ at the start of a reply.
import fc from 'fast-check';
import t from 'tap';
import { isXUsername, X_USERNAME_PATTERN } from '../src/index.js';

void t.test('isXUsername: 1-15 ASCII letters, digits or underscores, nothing else', async (t) => {
  const valid = ['a', 'X', '_', '1', 'jack', 'JCPinCumbria', 'abcdefghijklmno', 'A_B_C_1_2_3', '___'];
  for (const name of valid) t.ok(isXUsername(name), `${name}: valid`);
  const invalid: [unknown, string][] = [
    ['', 'empty'],
    ['abcdefghijklmnop', 'sixteen characters'],
    ['x URGENT: all jobcentres closed, claim at https://evil.example', 'a sentence with a link'],
    ['a b', 'a space'],
    [' ab', 'a leading space'],
    ['ab ', 'a trailing space'],
    ['ab\n', 'a trailing newline ($ must not let it through)'],
    ['@ab', 'an @'],
    ['a-b', 'a hyphen'],
    ['a.b', 'a dot'],
    ['évelyn', 'a non-ASCII letter'],
    ['ａｂ', 'full-width letters'],
    ['ab\u200b', 'a zero-width space'],
    ['ab\u202e', 'a bidi control'],
    ['٣٤', 'non-ASCII digits'],
    [null, 'null'],
    [undefined, 'undefined'],
    [42, 'a number'],
    [['ab'], 'an array'],
  ];
  for (const [value, what] of invalid) t.notOk(isXUsername(value), `${what}: invalid`);
  t.same(X_USERNAME_PATTERN.flags, '', 'no flags: \\w-like classes stay ASCII and ^$ do not match at line breaks');
});

void t.test("property: exactly the strings of X's alphabet, 1 to 15 long", async (t) => {
  const alphabet = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.stringMatching(/^[A-Za-z0-9_]{0,17}$/),
      ),
      (s) => {
        const expected = s.length >= 1 && s.length <= 15 && [...s].every((c) => alphabet.has(c));
        return isXUsername(s) === expected;
      },
    ),
    { numRuns: 3000, seed: 20260601 },
  );
  t.pass('3000 generated strings');
});
