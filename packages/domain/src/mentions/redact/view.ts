// The matching view: the text as the patterns read it.
export const INVISIBLE = 0x01;
const OTHER = 0x02;
/** A combining mark: invisible too, and it goes with the character before it. */
const MARK = 0x03;
const UTF16 = new TextDecoder('utf-16le');

/**
 * What each BMP character reads as: ASCII as it is; a space for any space; a hyphen for
 * any dash; the ASCII digit of a digit of any script; the NFKC form of a compatibility
 * character when that is one ASCII character (full-width "７", "＠", "．", superscript
 * and circled digits); the base of a Latin letter with a diacritic; "q" for any other
 * letter; INVISIBLE for format characters, MARK for combining marks; OTHER for the rest.
 * Built once, on the first text that is not ASCII (a few milliseconds).
 */
let foldTable: Uint16Array | null = null;

export function fold(): Uint16Array {
  if (foldTable) return foldTable;
  const table = new Uint16Array(0x10000).fill(OTHER);
  for (let c = 0; c < 0x80; c++) table[c] = c;
  const units = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) units[c] = c >= 0xd800 && c <= 0xdfff ? 0 : c;
  const all = UTF16.decode(units);
  // Marks each character of a category with one native replace (no match objects), then reads them.
  const mark = (pattern: RegExp, value: (c: number) => number) => {
    const marked = all.replace(pattern, '\u0000');
    for (let c = 0x80; c < 0x10000; c++) if (marked.charCodeAt(c) === 0 && all.charCodeAt(c) !== 0) table[c] = value(c);
  };
  mark(/\p{L}/gu, () => 0x71);
  mark(/\p{Pd}/gu, () => 0x2d);
  mark(/\s/gu, () => 0x20);
  let zero = 0;
  mark(/\p{Nd}/gu, (c) => {
    if (table[c - 1]! < 0x30 || table[c - 1]! > 0x38 || c - zero > 9) zero = c;
    return 0x30 + (c - zero);
  });
  mark(/\p{Cf}/gu, () => INVISIBLE);
  mark(/[\p{Mn}\p{Me}]/gu, () => MARK);
  const ascii = (c: number, form: 'NFKC' | 'NFKD') => {
    const n = String.fromCharCode(c).normalize(form);
    const first = n.charCodeAt(0);
    return form === 'NFKC' ? (n.length === 1 && first < 0x80 ? first : -1) : /^[A-Za-z]/.test(n) ? first : -1;
  };
  for (const [from, to] of [
    [0xa0, 0xbf],
    [0x2000, 0x24ff],
    [0x3000, 0x303f],
    [0xfe30, 0xfe6f],
    [0xff00, 0xffef],
  ] as const) {
    for (let c = from; c <= to; c++) {
      const a = ascii(c, 'NFKC');
      if (a > 0) table[c] = a;
    }
  }
  for (const [from, to] of [
    [0xc0, 0x24f],
    [0x1e00, 0x1eff],
  ] as const) {
    for (let c = from; c <= to; c++) {
      const a = table[c] === 0x71 ? ascii(c, 'NFKD') : -1;
      if (a > 0) table[c] = a;
    }
  }
  // Quotes read as the apostrophe, currencies as "$".
  table[0x2018] = table[0x2019] = 0x27;
  table[0xa3] = table[0x20ac] = 0x24;
  foldTable = table;
  return table;
}

export interface View {
  /** What the patterns read: ASCII and OTHER (INVISIBLE and MARK are dropped). */
  text: string;
  /** For each unit of `text`, where its character starts in the original; null when it is the original. */
  from: Int32Array | null;
}

/** Any character outside ASCII. */
const NOT_ASCII = /[\u0080-\uffff]/;

/** Folds the text (as `fold` says) and drops what is invisible, remembering where each character came from. */
export function matchingView(text: string): View {
  if (!NOT_ASCII.test(text)) return { text, from: null };
  const table = fold();
  const n = text.length;
  const units = new Uint16Array(n);
  let invisible = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) units[i] = c;
    else if (
      c >= 0xd800 &&
      c <= 0xdbff &&
      i + 1 < n &&
      text.charCodeAt(i + 1) >= 0xdc00 &&
      text.charCodeAt(i + 1) <= 0xdfff
    ) {
      const cp = (c - 0xd800) * 0x400 + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000;
      // Mathematical digits (𝟎 … 𝟿, five styles of ten) are digits; other letters of the plane are letters.
      if (cp >= 0x1d7ce && cp <= 0x1d7ff) {
        units[i] = 0x30 + ((cp - 0x1d7ce) % 10);
        units[i + 1] = MARK;
        invisible = true;
      } else {
        units[i] = cp >= 0x1d400 && cp <= 0x1d7cb ? 0x71 : cp >= 0xe0000 && cp <= 0xe007f ? INVISIBLE : OTHER;
        units[i + 1] = units[i] === INVISIBLE ? INVISIBLE : OTHER;
        if (units[i] === INVISIBLE) invisible = true;
      }
      i++;
    } else {
      units[i] = table[c]!;
      if (units[i] === INVISIBLE || units[i] === MARK) invisible = true;
    }
  }
  if (!invisible) return { text: UTF16.decode(units), from: null };
  const from = new Int32Array(n);
  let length = 0;
  for (let i = 0; i < n; i++) {
    if (units[i] === INVISIBLE || units[i] === MARK) continue;
    units[length] = units[i]!;
    from[length++] = i;
  }
  return { text: UTF16.decode(units.subarray(0, length)), from: from.subarray(0, length) };
}

/**
 * The matches of a global pattern, with the pattern itself (matchAll copies the pattern on
 * every call, which costs more than the match on a short mention).
 */
export function matches(text: string, pattern: RegExp): RegExpExecArray[] {
  if (!pattern.global) throw new Error(`not a global pattern: ${pattern.source}`);
  const found: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    found.push(m);
    if (m[0].length === 0) pattern.lastIndex++;
  }
  pattern.lastIndex = 0;
  return found;
}
