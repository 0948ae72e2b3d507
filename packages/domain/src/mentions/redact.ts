/**
 * Personal data in a mention is redacted before it is stored or logged: National
 * Insurance numbers, UK phone numbers and email addresses.
 */

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.[\p{L}]{2,}/gu;
// Two letters, six digits (in pairs, optionally spaced), and usually a suffix A-D.
const NI_NUMBER = /\b[A-Z]{2}[\s.-]?\d{2}[\s.-]?\d{2}[\s.-]?\d{2}(?:[\s.-]?[A-D])?\b/gi;
// +44 or 0, then nine or ten more digits with spaces, hyphens, dots or brackets between.
const PHONE = /(?<![\w+])(?:\+44[\s.-]?(?:\(0\)[\s.-]?)?|\(?0)(?:\d[\s.)-]{0,2}){8,9}\d(?!\d)/g;

/** The text with NI numbers, phone numbers and email addresses replaced by placeholders. */
export function redactPersonalData(text: string): string {
  return text.replace(EMAIL, '[email]').replace(NI_NUMBER, '[NI number]').replace(PHONE, '[phone]');
}
