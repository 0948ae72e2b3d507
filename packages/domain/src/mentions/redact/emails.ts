// Email addresses, as written and disguised.
import { type Spans } from './spans.js';
import { matches } from './view.js';

// As written: local@domain.tld. The local part may have dots; a start only where a run begins.
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/g;
// Disguised: spaces around "@" and ".", "(at)", "[dot]", " at ", " dot ". Then the address
// must end in a common top-level domain, or be a mail provider's name ("jane at gmail").
const AT = String.raw`(?:\s{0,3}@\s{0,3}|\s{0,3}[(\[{<]\s{0,2}at\s{0,2}[)\]}>]\s{0,3}|\s{1,3}at\s{1,3})`;
const DOT = String.raw`(?:\.|\s{1,3}\.\s{1,3}|\s{0,3}[(\[{<]\s{0,2}dot\s{0,2}[)\]}>]\s{0,3}|\s{1,3}dot\s{1,3})`;
const ATOM = String.raw`[A-Za-z0-9_%+\-]{1,64}`;
const TLDS =
  'com|org|net|uk|co|gov|ac|nhs|sch|info|biz|io|me|ie|eu|de|fr|es|it|nl|us|ca|au|nz|in|scot|wales|cymru|london|email|online|xyz|app|dev|live|ltd|plc';
const PROVIDERS =
  'gmail|googlemail|hotmail|outlook|yahoo|ymail|icloud|aol|btinternet|virginmedia|talktalk|protonmail|msn';
const DISGUISED_EMAIL = new RegExp(
  String.raw`(?<![A-Za-z0-9_%+\-.])${ATOM}(?:${DOT}${ATOM}){0,3}${AT}(?:${ATOM}(?:${DOT}${ATOM}){0,4}${DOT}(?:${TLDS})|(?:${PROVIDERS}))(?![A-Za-z0-9])`,
  'gi',
);

/** Every address has an "@" or an "at": without one, neither pattern is run. */
const MAY_HAVE_EMAIL = /@|at/i;

export function emails(view: string, spans: Spans): void {
  if (!MAY_HAVE_EMAIL.test(view)) return;
  for (const pattern of view.includes('@') ? [EMAIL, DISGUISED_EMAIL] : [DISGUISED_EMAIL]) {
    for (const m of matches(view, pattern)) spans.add(m.index, m.index + m[0].length, 'email');
  }
}
