export { attemptDeadlineMs, createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js';
export {
  bindRealX,
  xTargetOf,
  dispatcherFromConfig,
  ingesterFromConfig,
  mentionPolicy,
  mentionRetention,
  postBudgets,
  resolveCredentialsKey,
  resolveOptOutKey,
  startEmbeddedX,
  provisionEmulatorAccounts,
  xSettings,
  EMULATOR_APP,
  FanoutConfigError,
  type EmbeddedX,
  type XSettings,
} from './runtime.js';
export * from './ingester.js';
