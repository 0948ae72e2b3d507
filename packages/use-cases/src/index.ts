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
// Status writes and reads: notices, disruption events, offices, the idempotent write runner.
export { toDraft, type NoticeFields } from './notices/draft.js';
export { assertCovers, officesByIds, type ScopedOffice } from './offices/scope.js';
export { coversOwners, openEvent, ownersAtStart, type EventOwners } from './events/owners.js';
