/**
 * Characters that change how text looks or reads without being seen: Unicode Cc (control
 * characters: NUL, BEL, ESC, tab, line feed, carriage return, NEL and the other C0 and C1
 * codes), Cf (format characters: the bidirectional controls U+202A-U+202E and
 * U+2066-U+2069, the zero-width space, joiners and marks U+200B-U+200F, U+FEFF, the soft
 * hyphen U+00AD, the tag characters U+E0000-U+E007F) and the line and paragraph
 * separators U+2028 and U+2029.
 *
 * The API refuses them in every piece of free text a caller sends (names, messages,
 * descriptions, reasons, notes): a bidirectional override in a public notice can make it
 * read as something else, and the fields are single lines. That is a plain rule: emoji
 * sequences joined by U+200D (a family) and the subdivision flags made of tag characters
 * (Wales, Scotland, England) are refused too; single emoji, regional-indicator flags
 * (🇬🇧) and variation selectors (❤️, U+FE0F: Mn, not Cf) are fine, and Welsh needs none of them.
 */
export const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** "U+202E": how a problem names a character. */
export function codePointName(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The first control or format character in `text` ("U+202E"), or null. What the API
 * refuses; `plainText` is what a display of older text does with the same characters.
 */
export function firstControlOrFormat(text: string): string | null {
  const found = CONTROL_OR_FORMAT.exec(text);
  return found ? codePointName(found[0]) : null;
}

/**
 * `text` as one plain line: format characters removed, and each run of control
 * characters and line or paragraph separators (a line break, a tab) made one space.
 * For text that may predate the API refusing them, and for the names a post is made of.
 */
export function plainText(text: string): string {
  return text.replace(/\p{Cf}+/gu, '').replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');
}

/**
 * Text PostgreSQL cannot store: U+0000 (refused in `text` and `jsonb` alike) and UTF-16
 * surrogates without their pair (not Unicode: `jsonb` refuses them, and a `text` column
 * would silently get U+FFFD instead). JSON lets a client send both (`\u0000`, `\ud800`).
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
export const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_TEXT_ALL = new RegExp(UNSTORABLE_TEXT.source, 'g');

/** `text` with each character PostgreSQL cannot store (UNSTORABLE_TEXT) replaced by U+FFFD. */
export function storableText(text: string): string {
  return UNSTORABLE_TEXT.test(text) ? text.replace(UNSTORABLE_TEXT_ALL, '\uFFFD') : text;
}
