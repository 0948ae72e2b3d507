// Texts made to be slow: what the classifier and the redactor must get through in bounded
// time (the unit test, with a generous bound) and what `pnpm bench:classifier` times (its
// worst case per mention). Each is what a hostile but correctly signed delivery could carry
// (the webhook accepts 20,000 characters) or what a person might paste.

export interface Adversarial {
  name: string;
  text: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
/** n letters without a repeat of three (the tokeniser folds "aaa" to "a"). */
const letters = (n: number) => ALPHABET.repeat(Math.ceil(n / ALPHABET.length)).slice(0, n);
/** `unit` repeated to exactly n UTF-16 units (cut at a unit boundary of `unit`'s pieces). */
const fill = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

export const ADVERSARIAL: readonly Adversarial[] = [
  { name: 'a word of 800 letters', text: `is ${letters(800)} open today?` },
  { name: 'a word of 1,500 letters', text: `is ${letters(1_500)} jobcentre open?` },
  { name: 'a word of 5,000 letters', text: `@JCPinCumbriaLan is ${letters(5_000)} open?` },
  { name: '20,000 letters, no @', text: fill('a', 20_000) },
  { name: '20,000 characters of a word and a dot, no @', text: fill('jane.', 20_000) },
  {
    name: '20,000 characters with a 1,000-letter word and no @',
    text: fill(`is carlisle open ${letters(1_000)} ${fill('x.', 2_000)} `, 20_000),
  },
  { name: '20,000 characters of "a@"', text: fill('a@', 20_000) },
  { name: '20,000 characters of " at " and " dot "', text: fill('jane at example dot ', 20_000) },
  { name: '20,000 characters of spaced dots', text: fill('a . ', 20_000) },
  { name: '20,000 digits', text: fill('7', 20_000) },
  { name: '20,000 characters of spaced digits', text: fill('1 ', 20_000) },
  { name: '20,000 characters of digit pairs', text: fill('12 34 ', 20_000) },
  { name: '20,000 characters of dates', text: fill('1/2/80 ', 20_000) },
  { name: '20,000 characters of "born 1980"', text: fill('born 1980 ', 20_000) },
  { name: '20,000 characters of house numbers', text: fill('12 High St ', 20_000) },
  { name: '20,000 characters of postcodes', text: fill('CA1 1AA ', 20_000) },
  { name: '20,000 characters of NI-like runs', text: fill('AB12 ', 20_000) },
  { name: '20,000 UTF-16 units of emoji sequences', text: fill('👨‍👩‍👧‍👦🏴󠁧󠁢󠁷󠁬󠁳󠁿', 20_000) },
  { name: '20,000 UTF-16 units of combining marks', text: fill('e\u0301\u0302\u0303 ', 20_000) },
  { name: '20,000 UTF-16 units of full-width digits', text: fill('０７７００ ９００１２３ ', 20_000) },
  {
    name: '20,000 characters of near-miss office names',
    text: fill('carlsle wakefeild hudersfield middlesborogh abertawee ', 20_000),
  },
  {
    name: '20,000 characters of distinct near misses',
    text: Array.from({ length: 3_000 }, (_, i) => `carl${letters(26).slice(i % 23, (i % 23) + 3)}`)
      .join(' ')
      .slice(0, 20_000),
  },
  { name: '20,000 characters of status words', text: fill('carlisle opne x ', 20_000) },
  { name: '20,000 characters of sentences', text: fill('a. ', 20_000) },
  { name: '20,000 characters of apostrophes', text: fill("ydi'r a'r b'r ", 20_000) },
  { name: '20,000 spaces then RT', text: `${' '.repeat(19_990)}RT @x: hi` },
];
