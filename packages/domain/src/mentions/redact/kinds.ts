// The kinds of personal data redacted, and the placeholder each leaves.
export type RedactionKind = 'email' | 'ni-number' | 'phone' | 'date-of-birth' | 'number' | 'postcode' | 'house-number';

/** Every kind, in the order `redacted` lists them (also the precedence when two overlap). */
export const REDACTION_KINDS: readonly RedactionKind[] = [
  'email',
  'ni-number',
  'phone',
  'date-of-birth',
  'number',
  'postcode',
  'house-number',
];

export const PLACEHOLDER: Readonly<Record<RedactionKind, string>> = {
  email: '[email]',
  'ni-number': '[NI number]',
  phone: '[phone]',
  'date-of-birth': '[date of birth]',
  number: '[number]',
  postcode: '[postcode]',
  'house-number': '[house number]',
};
