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
export { toDraft, type NoticeFields } from './notices/draft.js';
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
  searchOffices,
  statusDocument,
  type OfficeLookup,
  type OfficeSearch,
  type StatusDocument,
} from './offices/read.js';
export { coversOwners, openEvent, ownersAtStart, type EventOwners } from './events/owners.js';
export { startEvent, type StartEventInput } from './events/start.js';
export { addOfficesToEvent } from './events/add-offices.js';
export { endEvent, type EventEnded } from './events/end.js';
export { readEvent, readEvents, type EventDetail } from './events/read.js';
export type { DisruptionEvent, EventSummaryRow, OfficeWithNames, StatusChange } from '@jcp/db';
