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
