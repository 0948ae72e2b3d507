/**
 * Turning a mention into canonical tokens: mentions, URLs and retweet prefixes
 * stripped, and each word made canonical (../office-match/words.ts), grouped in sentences.
 */
import { fold, pushWord, WORD } from '../office-match/words.js';

export interface Token {
  /** Canonical lower-case form ("jobcentre" for "JCP", "tomorrow" for "2moro"). */
  t: string;
  /** Whether the word was written with a capital letter. */
  cap: boolean;
  /** Index of the sentence the word is in. */
  s: number;
}

export interface Sentence {
  start: number;
  end: number; // exclusive token index
  question: boolean;
}

export interface Tokenised {
  retweet: boolean;
  tokens: Token[];
  sentences: Sentence[];
}

const RETWEET = /^\s*RT\s*@\w+\s*:?/i;
const URL = /\b(?:https?:\/\/|www\.)\S+/gi;
const MENTION = /@\w+/g;
const PUNCTUATION = '?!.;\n';

/** Two-word abbreviations merged after tokenising ("job centre" → jobcentre). */
function mergePairs(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const a = tokens[i]!;
    const b = tokens[i + 1];
    if (b && a.s === b.s) {
      if (a.t === 'job' && (b.t === 'centre' || b.t === 'centreplus')) {
        out.push({ t: 'jobcentre', cap: a.cap, s: a.s });
        i++;
        if (tokens[i + 1]?.t === 'plus') i++;
        continue;
      }
      if (a.t === 'canolfan' && (b.t === 'waith' || b.t === 'gwaith')) {
        out.push({ t: 'jobcentre', cap: a.cap, s: a.s });
        i++;
        continue;
      }
      if (a.t === 'jobcentre' && b.t === 'plus') {
        out.push(a);
        i++;
        continue;
      }
    }
    out.push(a);
  }
  return out;
}

/** Strips a mention down to canonical tokens grouped in sentences. */
export function tokenise(text: string): Tokenised {
  const retweet = RETWEET.test(text);
  const cleaned = fold(text.replace(URL, ' ').replace(MENTION, ' '));
  const raw: Token[] = [];
  const sentences: Sentence[] = [];
  let sentence = 0;
  let start = 0;
  let question = false;
  const words: string[] = [];
  for (const match of cleaned.matchAll(WORD)) {
    const word = match[0];
    if (word.length === 1 && PUNCTUATION.includes(word)) {
      if (word === '?') question = true;
      // "St. Helens": a full stop after an abbreviation does not end the sentence.
      const last = raw[raw.length - 1];
      if (word === '.' && last && last.s === sentence && (last.t === 'st' || last.t === 'mr' || last.t === 'dr'))
        continue;
      if (raw.length > start || question) {
        if (raw.length > start) sentences.push({ start, end: raw.length, question });
        else {
          const prev = sentences[sentences.length - 1];
          if (prev && question) prev.question = true;
        }
        sentence = sentences.length;
        start = raw.length;
      }
      question = false;
      continue;
    }
    const first = word[0]!;
    const cap = first !== first.toLowerCase();
    words.length = 0;
    pushWord(words, word.toLowerCase());
    for (const w of words) raw.push({ t: w, cap, s: sentence });
  }
  if (raw.length > start) sentences.push({ start, end: raw.length, question });
  const tokens = mergePairs(raw);
  if (tokens.length !== raw.length) {
    // Re-derive sentence bounds after merging.
    const bounds: Sentence[] = sentences.map((s) => ({ start: -1, end: -1, question: s.question }));
    tokens.forEach((tok, i) => {
      const b = bounds[tok.s]!;
      if (b.start < 0) b.start = i;
      b.end = i + 1;
    });
    return { retweet, tokens, sentences: bounds.filter((b) => b.start >= 0) };
  }
  return { retweet, tokens, sentences };
}
