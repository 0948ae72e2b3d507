export { attemptDeadlineMs, createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js';
export { dispatcherFromConfig, ingesterFromConfig } from './runtime.js';
export * from './ingester.js';
