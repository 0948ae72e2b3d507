// UK postcode: outward code (area letters, district digits, optional letter/digit)
// then inward code (a digit and two letters). Covers every GB form, including
// central London's A9A / AA9A; BFPO and overseas territories are not offices.
const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$/;

/** Canonical form `SW1A 1AA`, or null when the text is not a UK postcode. */
export function normalisePostcode(raw: string): string | null {
  const compact = raw.toUpperCase().replace(/\s+/g, '');
  const match = POSTCODE.exec(compact);
  return match ? `${match[1]} ${match[2]}` : null;
}

/** The outward code (`CA3` of `CA3 8DG`) of a canonical postcode. */
export function outwardCode(postcode: string): string {
  return postcode.split(' ')[0] ?? postcode;
}
