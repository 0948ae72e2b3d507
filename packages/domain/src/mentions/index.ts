export { understandMention, type MentionWhen, type Understanding } from './understand.js';
export {
  DOB_YEARS,
  REDACTION_KINDS,
  redactPersonalData,
  redactWithKinds,
  type RedactionKind,
  type RedactOptions,
} from './redact.js';
export { CLASSIFIED_TEXT_MAX, capMentionText, clipText, MENTION_TEXT_MAX } from './limits.js';
export {
  decideMention,
  DEFAULT_MENTION_POLICY,
  type MentionAction,
  type MentionDecisionResult,
  type MentionFacts,
  type MentionPolicy,
  type MentionReason,
} from './decide.js';
export {
  DEFAULT_POLL_INTERVALS,
  MAX_SEARCH_QUERY_LENGTH,
  minimumPollInterval,
  planSearchQueries,
  pollInterval,
  postIdAt,
  postIdTime,
  SEARCH_BUDGET,
  SEARCH_BUDGET_SHARE,
  sinceIdFor,
  type PollIntervals,
} from './polling.js';
export type { IncomingMention } from './incoming.js';
