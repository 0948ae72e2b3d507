// Addresses: postcodes and house numbers.
import { type Spans } from './spans.js';
import { matches } from './view.js';

/** A full postcode: the outward code stays (it finds the office), the inward code goes (it finds the house). */
const POSTCODE = /(?<![A-Za-z0-9])[A-Z]{1,2}\d[A-Z\d]?\s{0,2}(\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])/dgi;
const STREET =
  '(?:street|st|road|rd|lane|ln|avenue|ave|close|drive|dr|way|crescent|cres|terrace|tce|place|court|ct|gardens|gdns|grove|hill|park|square|sq|walk|row|mews|rise|view|green|parade|vale|gate|villas|cottages|estate|croft|fold|wynd|brae|yard|lea|meadows?|fields?)';
const NOT_A_NAME =
  '(?:the|a|an|on|in|at|to|of|and|or|my|your|for|is|are|was|be|by|from|with|this|that|it|i|you|we|they|me|kids|children|people|days|weeks|hours|minutes|times|years)';
const HOUSE = String.raw`\d{1,4}[a-z]?(?:\s{0,2}[-\/]\s{0,2}\d{1,4}[a-z]?)?`;
/** "12 High Street", "3a Acacia Ave": the number before a street. */
const HOUSE_ON_STREET = new RegExp(
  String.raw`(?<![A-Za-z0-9.:\/\-$])${HOUSE}(?=,?\s{1,3}(?:(?!${NOT_A_NAME}\s)[A-Za-z'.\-]{1,30}\s{1,3}){0,3}${STREET}(?![A-Za-z0-9]))`,
  'gi',
);
/** "12, CA1 1AA", "12 Foo Rise Carlisle CA1 1AA": a number a few words before a full postcode. */
const HOUSE_BEFORE_POSTCODE = new RegExp(
  String.raw`(?<![A-Za-z0-9.:\/\-$])${HOUSE}(?=,?\s{1,3}(?:[A-Za-z'.\-]{1,30},?\s{1,3}){0,4}[A-Z]{1,2}\d[A-Z\d]?\s{0,2}\d[A-Z]{2}(?![A-Za-z0-9]))`,
  'gi',
);
/** "flat 3", "apartment 12b", "house number 7" */
const FLAT =
  /(?<![A-Za-z0-9])(?:flat|apartment|apt|house\s{1,2}(?:number|no\.?))\s{0,2}(?:no\.?\s{0,2})?(\d{1,4}[a-z]?)(?![A-Za-z0-9])/dgi;

export function addresses(view: string, spans: Spans): void {
  for (const m of matches(view, POSTCODE)) {
    const [start, end] = m.indices![1]!;
    if (spans.free(start, end)) spans.add(start, end, 'postcode');
  }
  for (const pattern of [HOUSE_ON_STREET, HOUSE_BEFORE_POSTCODE, FLAT]) {
    for (const m of matches(view, pattern)) {
      const [start, end] = m.indices?.[1] ?? [m.index, m.index + m[0].length];
      if (spans.free(start, end)) spans.add(start, end, 'house-number');
    }
  }
}
