export { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js';
export { dispatcherFromConfig, ingesterFromConfig } from './runtime.js';
export * from './ingester.js';
// How long an attempt at a post may talk to X: the use case's rule, named here too for the worker's users.
export { attemptDeadlineMs } from '@jcp/use-cases';
