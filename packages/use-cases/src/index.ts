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
  type AccountTokens,
  type CredentialsDeps,
  type CredentialsPort,
  type WarningLog,
} from './accounts/credentials.js';
export { pauseDelivery, pauseOneAccount, resumeDelivery, resumeOneAccount } from './accounts/pause.js';
export { readDeliveryHealth } from './accounts/delivery.js';
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
