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
// mentions and fan-out (h/mentions): receiving mentions, the fan-out's claims
export { receiveMentions, type IngestedMention, type IngestOptions, type IngestResult } from './mentions/receive.js';
export { accountBudgets, claimPosts, type ClaimOptions, type ClaimResult } from './fanout/claim.js';
