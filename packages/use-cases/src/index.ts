// The use-case layer: every transaction and every policy decision of the service.
// Routes and the worker parse their input, call one use case, and map its result;
// repositories (@jcp/db) only read and write; the domain (@jcp/domain) stays pure.
export {
  fail,
  isProblemCode,
  Problem,
  PROBLEMS,
  problemCodesWithStatus,
  type ProblemCode,
  type ProblemDefinition,
} from './problems.js';
export { covers, type Caller } from './caller.js';
export { checkReadiness, READY_TIMEOUT_MS, type Readiness } from './health/readiness.js';
export { resolveCredentialsKey, resolveOptOutKey } from './runtime/keys.js';
export { EMULATOR_APP, FanoutConfigError, xSettings, xTargetOf, type XSettings } from './runtime/x-settings.js';
export { bindRealX } from './runtime/x-binding.js';
export { mentionPolicy, mentionRetention, postBudgets } from './runtime/policies.js';
// Status writes and reads: notices, disruption events, offices, the idempotent write runner.
export {
  runWrite,
  type Idempotency,
  type WriteAnswer,
  type WriteContext,
  type WriteOutcome,
} from './writes/run-write.js';
export { assertInBusiness, checkedDraft, noticeRejected, toDraft, type NoticeFields } from './notices/draft.js';
export {
  ifMatches,
  postBulkNotice,
  postOfficeNotice,
  type BulkNoticeInput,
  type BulkNoticePosted,
  type BulkTarget,
  type OfficeNoticeDeps,
  type OfficeNoticeInput,
  type OfficeNoticePosted,
} from './notices/post.js';
export { cancelNotice, correctNotice, type NoticeReplaced } from './notices/replace.js';
export { readNotice, staleClosures, type NoticeRead, type StaleClosure } from './notices/read.js';
export { assertCovers, officesByIds, type ScopedOffice } from './offices/scope.js';
export {
  changesPage,
  lookupOffice,
  officeHistoryPage,
  readOffice,
  searchOffices,
  statusDocument,
  type OfficeFound,
  type OfficeLookup,
  type OfficePage,
  type OfficeSearch,
  type StatusDocument,
} from './offices/read.js';
export { OfficeSnapshot, OfficeView } from './offices/view.js';
export { coversOwners, openEvent, ownersAtStart, type EventOwners } from './events/owners.js';
export { startEvent, type StartEventInput } from './events/start.js';
export { addOfficesToEvent } from './events/add-offices.js';
export { endEvent, type EventEnded } from './events/end.js';
export { readEvent, readEvents, type EventDetail } from './events/read.js';
export type { DisruptionEvent, EventSummaryRow, OfficeWithNames, StatusChange } from '@jcp/db';
// --- accounts, tokens and the mention inbox (slice h/accounts) ---
export {
  accountIdSchema,
  accountSettingsErrors,
  accountSettingsFields,
  ACCOUNT_SETTINGS_DEFAULTS,
  checkAccountSettings,
  coalesceSecondsSchema,
  handleSchema,
  languagesSchema,
  linkSchema,
  postingWindowSchema,
  xUserIdSchema,
  type SettingsError,
} from './accounts/settings-rule.js';
export { type AccountDeps } from './accounts/deps.js';
export { readAccount, readAccounts } from './accounts/read.js';
export { patchAccountSettings, putAccountSettings, type AccountSettings } from './accounts/settings.js';
export {
  removeAccountCredentials,
  storeAccountCredentials,
  storeSealedCredentials,
  type AccountTokens,
  type CredentialsDeps,
  type CredentialsPort,
  type WarningLog,
} from './accounts/credentials.js';
export { pauseDelivery, pauseOneAccount, resumeDelivery, resumeOneAccount } from './accounts/pause.js';
export { readDeliveryHealth } from './accounts/delivery.js';
export { resealCredentials } from './accounts/reseal.js';
export { rotateCredentials, type RotationReport } from './accounts/credentials-rotation.js';
export { accountViewer, PUBLIC_VIEWER, type AccountViewer, type View } from './accounts/visibility.js';
export { readAccountPosts, readChangeFanout, readOfficeFanout } from './accounts/posts.js';
export type { Account, ChangeFanout, DeliveryHealth, PostView, XTarget } from '@jcp/db';
export { tokenScopeErrors, type TokenScopeError, type TokenScopeInput } from './tokens/scope-rule.js';
export { issueApiToken } from './tokens/issue.js';
export { readApiToken, readApiTokens } from './tokens/read.js';
export { isLastAdminToken, revokeApiToken } from './tokens/revoke.js';
export type { ApiToken, TokenSummary } from '@jcp/db';
export { mentionAccountsOf } from './inbox/scope.js';
export {
  decodeMentionCursor,
  encodeMentionCursor,
  readMention,
  readMentionIngest,
  readMentionPage,
} from './inbox/read.js';
export { changeInboxState, type InboxActionDeps } from './inbox/actions.js';
export type { InboxState, MentionFilter, MentionView } from '@jcp/db';
// mentions and fan-out (h/mentions): receiving mentions, the fan-out's claims
export { receiveMentions, type IngestedMention, type IngestOptions, type IngestResult } from './mentions/receive.js';
export { accountBudgets, claimPosts, pruneSendRecords, type ClaimOptions, type ClaimResult } from './fanout/claim.js';
export { composeBatch, composeReady, type ComposedBatch, type ComposeReadyOptions } from './fanout/compose.js';
export { attemptDeadlineMs, createDelivery, type Deliver, type DeliveryOptions } from './fanout/deliver.js';
export { completePost, completePosts, type Completed } from './fanout/complete.js';
export { mentionRouting, officeIndexSource, routingOf, type MentionRouting } from './mentions/routing.js';
export {
  createMentionPoller,
  msUntilMentionPoll,
  recordMentionReader,
  type CycleResult,
  type MentionPollOptions,
} from './mentions/poll.js';
