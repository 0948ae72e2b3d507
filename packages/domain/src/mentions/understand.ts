/**
 * Does a mention ask whether an office is open, closed or delayed, for when, about
 * which offices, in which language, and does the user want the bot to stop?
 *
 * Precision first: a status reply to a message that was not a status question is
 * worse than sending a real question to the human inbox. A sentence counts only when
 * it is a question (a question mark or a question form), it has a status word
 * (open, closed, shut, delayed, "ar agor", "ar gau" …) used about a place rather than
 * as a verb on something else ("open a claim", "closed my account"), and the nearest
 * thing the status word is about is the account, a jobcentre or a named office rather
 * than a claim, a helpline, a road or a school.
 */
import { CLASSIFIED_TEXT_MAX, clipText } from './limits.js';
import { findOfficeMentions, resolveOffices } from './office-mentions.js';
import type { OfficeIndex } from '../office-match/office-index.js';
import { tokenise, type Sentence, type Token } from './text.js';

export type MentionWhen =
  'now' | 'today' | 'tomorrow' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

export interface Understanding {
  intent: 'status' | 'other';
  language: 'en' | 'cy';
  /** 'now' when no time is said. */
  when: MentionWhen;
  /** Office ids; [] when no office is named. */
  offices: string[];
  /** The user asks the bot to stop replying. */
  stop: boolean;
}

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

const STATUS_WORDS = words(
  'open opened opening opens reopen reopened reopening reopens closed close closing closes shut shutting shuts delayed delay delays running operating affected agor agored ailagor gau cau ynghau ngau',
);
/** Things that are opened or closed but are not an office. */
const NEGATIVE = words(`
  claim claims account accounts case journal application applications complaint complaints helpline helplines line lines phone phones
  phoneline phonelines number webchat chat website site app portal club jobclub course courses fair sign signups signup registration
  road roads motorway school schools shop shops store stores supermarket tesco asda aldi lidl bank banks library libraries council gp doctors surgery
  hospital station trains train buses bus rail railway airport bridge pub bars bar vacancy vacancies job jobs role position mind door window
  ticket tickets payment payments uc universal credit pip esa jsa benefit benefits restaurant cafe gym pool tip nursery college uni university
  parking carpark car toilet toilets lift park parks museum church post mail border borders nominations vote poll scheme consultation investigation dispute appeal mandatory reconsideration
  childminder childminders childcare creche kids kid daycare
  cais gyfrif cyfrif llinell ffon ffordd ffyrdd ysgol ysgolion siop siopau banc budd-dal gredyd credyd
`);
const STRONG = words('jobcentre office offices branch centre building swyddfa canolfan you chi chdi');
const WEAK = words('it its they them place doors your ye we everywhere anywhere everything');
/** Words that carry no content of their own in a short question ("open today?"). */
const FILLER = words(`
  hi hello hey hiya morning afternoon evening good please thanks is are will be do does did you it its the a an there still at on in today tomorrow now
  right currently anyone anybody know if whether just checking quick question can could someone tell me us let confirm any news update
  yet again as normal usual and or this for be been being going gonna due to hours times time what
  ydych ydy ydi yw a fydd y yr ar heddiw yfory nawr rwan bore ma prynhawn plis diolch helo shwmae os gwelwch yn dda
`);
const QUESTION_START = words(
  'are is will do does did has have can could would r any anyone anybody what whats when how whether ydych ydy ydi ydyn yw oes fydd pryd ydach dach ych wyt ydan ydio',
);
const QUESTION_PHRASE =
  /\b(wondering|know if|know whether|tell me if|tell me whether|let me know|let us know|confirm|check if|check whether|advise|any news|any update|anyone know|is it true)\b/;
const AUX_YOU = words('are will do does');
const GREETING = words(
  'hi hello hey hiya morning afternoon evening good please sorry excuse me just quick question helo shwmae bore da prynhawn noswaith s mae sumae',
);
const SKIP_AFTER_OPEN = words('a an my new another his her their our up cyfrif cais fy');
const FOR_NOT_STATUS = words(
  'applications application sign signups signup registration bookings booking enrolment enrollment referrals referral entries nominations',
);
const EVENT_AFTER = words(
  'day days evening event events session sessions letter plan mic question ceremony night university',
);
const PAST = words('yesterday ddoe last');
const COMPLAINT = words('never ever always');
const SPAM = words(
  'earn earning earnings crypto bitcoin invest investment investing forex dm click giveaway promo discount followers onlyfans casino betting loan loans nft',
);
const APPOINTMENT = words('appointment interview signing meeting apwyntiad apwyntiadau cyfweliad');
const STILL_AFTER = words('on happening going ahead go attend come running need have');
/** Welsh words that, with an appointment, ask whether it goes ahead ("dal ymlaen", "oes rhaid i mi ddod"). */
const WELSH_APPOINTMENT = words('dal ymlaen canslo ganslo rhaid');
const PERMANENT = /\b(permanently|for good|closing down|close down|closure plans|being closed down)\b/;
const NOUN_BEFORE_CENTRE = words(
  'leisure shopping community garden health sports test testing vaccination medical call contact covid day sorting',
);

const WEEKDAYS: Readonly<Record<string, MentionWhen>> = {
  monday: 'monday',
  tuesday: 'tuesday',
  wednesday: 'wednesday',
  thursday: 'thursday',
  friday: 'friday',
  saturday: 'saturday',
  sunday: 'sunday',
  tues: 'tuesday',
  weds: 'wednesday',
  thurs: 'thursday',
  thur: 'thursday',
  fri: 'friday',
  mercher: 'wednesday',
  gwener: 'friday',
  sadwrn: 'saturday',
};
/** Weekday words only after "on", "this", "next" or "dydd". */
const WEEKDAYS_IN_CONTEXT: Readonly<Record<string, MentionWhen>> = {
  mon: 'monday',
  tue: 'tuesday',
  wed: 'wednesday',
  thu: 'thursday',
  sat: 'saturday',
  sun: 'sunday',
  llun: 'monday',
  mawrth: 'tuesday',
  iau: 'thursday',
  sul: 'sunday',
};
const DAY_CONTEXT = words('on this next dydd ddydd nos coming');

const WELSH = words(
  'ydych ydy ydi ydyn yw ar agor gau cau heddiw yfory swyddfa canolfan waith diolch bore fydd chi yn yr mae oes dydd ddydd llun mawrth mercher iau gwener sadwrn sul da plis os gwelwch ddim dim mwy wedi gyda hefyd ond neu pryd heno nawr rwan ti chdi helo shwmae dwi mi fi ni nhw ei eich ein hwn hon sydd fy am ac oherwydd eira stopiwch ynghau agored prynhawn fory',
);
const ENGLISH = words(
  'the is are you open closed today tomorrow what will be hi hello please thanks my i it this that there do does can jobcentre office when how and or not still if of to for in on at we they me your yes no any anyone know morning shut',
);

const STOP_PHRASE =
  /\b(stop (replying|messaging|tweeting|sending|spamming|the bot|these|the replies|replies|auto|automatic|bot|contacting|tagging)|unsubscribe|stopiwch|dim mwy|peidiwch (ag|a) (ateb|anfon))\b/;
const STOP_ALONE = words('stop please thanks it now bot you jobcentre just');

const COPULA = words('is are was were be been being isnt arent wasnt s m i we my our he she');
const TELEGRAPHIC_TAIL = words(
  'or what not naw nae no today tomorrow now yet again the morra day still due to weather snow ice the fog roads this morning afternoon heddiw yfory fory mon tue wed thu fri sat sun',
);

/**
 * "carlisle jobcentre open today", "barnslay open 2moro", "byker jc open or what": a place,
 * a status word and at most a time or "or what": a question in phone shorthand, though it
 * has no question mark. A verb before the status word ("the jobcentre is closed") makes it
 * a statement.
 */
function isTelegraphic(tokens: readonly Token[], s: Sentence, officeAt: ReadonlySet<number>): boolean {
  if (s.end - s.start > 10) return false;
  for (let i = s.start; i < s.end; i++) {
    const t = tokens[i]!.t;
    if (!STATUS_WORDS.has(t) || officeAt.has(i)) continue;
    const prev = i > s.start ? tokens[i - 1]!.t : '';
    if (COPULA.has(prev)) return false;
    // What comes before is the place: an office, or jobcentre words.
    let place = false;
    for (let k = s.start; k < i; k++) {
      const w = tokens[k]!.t;
      if (officeAt.has(k) || STRONG.has(w) || w === 'jc' || w === 'jcp' || w === 'dole') place = true;
      else if (NEGATIVE.has(w) || COPULA.has(w)) return false;
    }
    if (!place) return false;
    for (let k = i + 1; k < s.end; k++) {
      const w = tokens[k]!.t;
      if (!(TELEGRAPHIC_TAIL.has(w) || STATUS_WORDS.has(w) || w in WEEKDAYS || FILLER.has(w) || officeAt.has(k)))
        return false;
    }
    return true;
  }
  return false;
}

function hasQuestionForm(
  tokens: readonly Token[],
  s: Sentence,
  text: string,
  officeAt: ReadonlySet<number> = new Set(),
): boolean {
  if (s.question) return true;
  if (isTelegraphic(tokens, s, officeAt)) return true;
  let i = s.start;
  while (i < s.end && GREETING.has(tokens[i]!.t)) i++;
  const first = tokens[i]?.t;
  if (first && QUESTION_START.has(first)) return true;
  // "the snow is bad, are you still open": a question after a comma.
  for (let k = s.start; k + 1 < s.end; k++) if (AUX_YOU.has(tokens[k]!.t) && tokens[k + 1]!.t === 'you') return true;
  if (first === 'a' && (tokens[i + 1]?.t === 'fydd' || tokens[i + 1]?.t === 'ydych' || tokens[i + 1]?.t === 'yw'))
    return true;
  return QUESTION_PHRASE.test(text);
}

type Subject = 'strong' | 'weak' | 'negative';

const NEAR = words('near nearby by beside opposite behind next across in at outside to i yn yng ym ger wrth');
const PLACES_NOT_OFFICES = words(
  'costa greggs mcdonalds maccies starbucks food foodbank cafe caff library bank shop pharmacy chemist gym pool',
);

/** "is the food bank near bolton jobcentre open", "the library in kendal": asks about that other place. */
function aboutSomethingNear(tokens: readonly Token[], s: Sentence, officeAt: ReadonlySet<number>): boolean {
  for (let i = s.start; i + 1 < s.end; i++) {
    const t = tokens[i]!.t;
    if (!(NEGATIVE.has(t) || PLACES_NOT_OFFICES.has(t)) || officeAt.has(i)) continue;
    for (let k = i + 1; k < Math.min(s.end, i + 3); k++) {
      if (NEAR.has(tokens[k]!.t)) return true;
    }
  }
  return false;
}

function subjectAt(tokens: readonly Token[], i: number, officeAt: ReadonlySet<number>): Subject | null {
  if (officeAt.has(i)) return 'strong';
  const t = tokens[i]!.t;
  if (t === 'centre' && NOUN_BEFORE_CENTRE.has(tokens[i - 1]?.t ?? '')) return 'negative';
  if (STRONG.has(t)) return 'strong';
  if (NEGATIVE.has(t) || /^[am]\d{1,3}$/.test(t)) return 'negative';
  if (WEAK.has(t)) return 'weak';
  return null;
}

/** Is the status word at i used about a place (not "open a claim", "close to", "open day")? */
function isStatusUse(tokens: readonly Token[], i: number, s: Sentence): boolean {
  const t = tokens[i]!.t;
  const next = i + 1 < s.end ? tokens[i + 1]!.t : '';
  const next2 = i + 2 < s.end ? tokens[i + 2]!.t : '';
  const prev = i > s.start ? tokens[i - 1]!.t : '';
  const prev2 = i - 1 > s.start ? tokens[i - 2]!.t : '';
  if (SKIP_AFTER_OPEN.has(next) && !(next === 'up' && !SKIP_AFTER_OPEN.has(next2))) return false;
  if (t === 'close' && (next === 'to' || next === 'by' || next === 'enough' || next === 'call')) return false;
  if (t === 'shut' && next === 'up') return false;
  if ((t === 'open' || t === 'opening') && (EVENT_AFTER.has(next) || (next === 'for' && FOR_NOT_STATUS.has(next2))))
    return false;
  if (t === 'open' && (prev === 'an' || (prev === 'the' && prev2 === 'in'))) return false;
  if (
    (t === 'open' || t === 'close' || t === 'shut') &&
    prev === 'to' &&
    !['due', 'going', 'supposed', 'expected', 'likely', 'planning', 'meant'].includes(prev2)
  )
    return false;
  if (t === 'running' && (next === 'out' || next === 'a' || next === 'an' || next === 'my')) return false;
  if (
    (t === 'delay' || t === 'delays' || t === 'delayed') &&
    (prev === 'payment' || next === 'payment' || next === 'in')
  )
    return false;
  if ((t === 'cau' || t === 'agor') && (next === 'fy' || next === 'cais' || next === 'cyfrif' || next === 'gyfrif'))
    return false;
  return true;
}

function sentenceIsStatus(
  tokens: readonly Token[],
  s: Sentence,
  text: string,
  officeAt: ReadonlySet<number>,
  messageHasNegative: boolean,
  messageHasStrong: boolean,
): boolean {
  let hasStatus = false;
  let appointment = false;
  let still = false;
  let welshStill = false;
  for (let i = s.start; i < s.end; i++) {
    const t = tokens[i]!.t;
    if (PAST.has(t) || COMPLAINT.has(t)) return false;
    if (APPOINTMENT.has(t)) appointment = true;
    if (t === 'still') {
      for (let k = i + 1; k < Math.min(s.end, i + 4); k++) if (STILL_AFTER.has(tokens[k]!.t)) still = true;
    }
    if ((t === 'cancelled' || t === 'canceled' || t === 'postponed') && appointment) still = true;
    if (WELSH_APPOINTMENT.has(t)) welshStill = true;
    if ((t === 'ahead' && tokens[i - 1]?.t === 'going') || (t === 'ahead' && tokens[i - 1]?.t === 'go')) still = true;
  }
  if (!hasQuestionForm(tokens, s, text, officeAt) || PERMANENT.test(text)) return false;
  if (aboutSomethingNear(tokens, s, officeAt)) return false;
  if (appointment && (still || welshStill)) return true;
  // Words with content of their own, for a status word without a subject (counted once, not per status word).
  let content = -1;
  for (let i = s.start; i < s.end; i++) {
    const t = tokens[i]!.t;
    if (officeAt.has(i) || !STATUS_WORDS.has(t)) continue;
    if (!isStatusUse(tokens, i, s)) continue;
    // The nearest subject, looking back six words and ahead four (ties go to the one before).
    let subject: Subject | null = null;
    for (let d = 1; d <= 6 && subject === null; d++) {
      if (i - d >= s.start) subject = subjectAt(tokens, i - d, officeAt);
      if (subject === null && d <= 4 && i + d < s.end) subject = subjectAt(tokens, i + d, officeAt);
    }
    if (subject === 'negative') continue;
    if (subject === 'strong') {
      hasStatus = true;
      break;
    }
    if (subject === 'weak') {
      if (messageHasNegative && !messageHasStrong) continue;
      hasStatus = true;
      break;
    }
    // No subject at all: only a bare question ("closed?", "open today?").
    if (content < 0) {
      content = 0;
      for (let k = s.start; k < s.end; k++)
        if (!FILLER.has(tokens[k]!.t) && !STATUS_WORDS.has(tokens[k]!.t) && !(tokens[k]!.t in WEEKDAYS)) content++;
    }
    if (content === 0 && !messageHasNegative) {
      hasStatus = true;
      break;
    }
  }
  if (hasStatus) return true;
  // "Should I still come in today?" in a message about an office.
  return still && (messageHasStrong || officeAt.size > 0) && !messageHasNegative;
}

function findWhen(tokens: readonly Token[], from: number, to: number): MentionWhen | null {
  for (let i = from; i < to; i++) {
    const t = tokens[i]!.t;
    if (t === 'today' || t === 'heddiw' || t === 'heno') return 'today';
    if ((t === 'ma' || t === 'yma') && (tokens[i - 1]?.t === 'bore' || tokens[i - 1]?.t === 'prynhawn')) return 'today';
    if (
      t === 'this' &&
      (tokens[i + 1]?.t === 'morning' || tokens[i + 1]?.t === 'afternoon' || tokens[i + 1]?.t === 'evening')
    )
      return 'today';
    if (t === 'tomorrow' || t === 'yfory') return 'tomorrow';
    const day = WEEKDAYS[t];
    if (day) return day;
    const contextual = WEEKDAYS_IN_CONTEXT[t];
    if (contextual && DAY_CONTEXT.has(tokens[i - 1]?.t ?? '')) return contextual;
  }
  return null;
}

function detectLanguage(tokens: readonly Token[]): 'en' | 'cy' {
  let cy = 0;
  let en = 0;
  for (const { t } of tokens) {
    if (WELSH.has(t)) cy++;
    else if (ENGLISH.has(t)) en++;
  }
  return cy > en ? 'cy' : 'en';
}

function detectStop(tokens: readonly Token[], text: string): boolean {
  if (STOP_PHRASE.test(text)) return true;
  let stop = false;
  for (const { t } of tokens) {
    if (t === 'stop' || t === 'stopiwch') stop = true;
    else if (!STOP_ALONE.has(t)) return false;
  }
  return stop;
}

/**
 * Classifies one mention of a account. Pure; the index comes from buildOfficeIndex.
 * Reads the first CLASSIFIED_TEXT_MAX characters (a whole post), so that its time is bounded.
 */
export function understandMention(fullText: string, accountId: string, index: OfficeIndex): Understanding {
  const text = clipText(fullText, CLASSIFIED_TEXT_MAX);
  const { retweet, tokens, sentences } = tokenise(text);
  let flat = '';
  for (const tok of tokens) flat += (flat ? ' ' : '') + tok.t;
  const language = detectLanguage(tokens);
  const matches = findOfficeMentions(tokens, index);
  const offices = resolveOffices(matches, accountId, index);
  const stop = !retweet && detectStop(tokens, flat);

  let intent: Understanding['intent'] = 'other';
  let statusSentence: Sentence | null = null;
  if (!retweet && !stop) {
    const officeAt = new Set<number>();
    for (const m of matches) for (let k = m.start; k < m.end; k++) officeAt.add(k);
    let negative = false;
    let strong = officeAt.size > 0;
    let spam = false;
    for (let i = 0; i < tokens.length; i++) {
      if (officeAt.has(i)) continue;
      const subject = subjectAt(tokens, i, officeAt);
      if (subject === 'negative') negative = true;
      else if (subject === 'strong' && tokens[i]!.t !== 'you') strong = true;
      if (SPAM.has(tokens[i]!.t)) spam = true;
    }
    if (!spam) {
      for (const s of sentences) {
        let sentenceText = '';
        for (let k = s.start; k < s.end; k++) sentenceText += (k > s.start ? ' ' : '') + tokens[k]!.t;
        if (sentenceIsStatus(tokens, s, sentenceText, officeAt, negative, strong)) {
          intent = 'status';
          statusSentence = s;
          break;
        }
      }
    }
  }
  const when =
    (statusSentence ? findWhen(tokens, statusSentence.start, statusSentence.end) : null) ??
    findWhen(tokens, 0, tokens.length) ??
    'now';
  return { intent, language, when, offices, stop };
}
