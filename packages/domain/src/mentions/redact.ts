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

export type RedactionKind = 'email' | 'ni-number' | 'phone';

/** As {@link redactPersonalData}, also saying which kinds of personal data were found (never the values). */
export function redactWithKinds(text: string): { text: string; redacted: RedactionKind[] } {
  const redacted: RedactionKind[] = [];
  let out = text.replace(EMAIL, () => {
    if (!redacted.includes('email')) redacted.push('email');
    return '[email]';
  });
  out = out.replace(NI_NUMBER, () => {
    if (!redacted.includes('ni-number')) redacted.push('ni-number');
    return '[NI number]';
  });
  out = out.replace(PHONE, () => {
    if (!redacted.includes('phone')) redacted.push('phone');
    return '[phone]';
  });
  return { text: out, redacted };
}
