// Runs the X API v2 emulator on X_EMULATOR_PORT (or PORT; default 4100), listening on
// X_EMULATOR_HOST, default 127.0.0.1: its /_control API (no authentication: accounts, tokens,
// posts) is for this machine only. Not HOST, which a shared environment may set for the API.
import { buildEmulator } from './app.js';

const port = Number(process.env.X_EMULATOR_PORT ?? process.env.PORT ?? 4100);
const host = process.env.X_EMULATOR_HOST || '127.0.0.1';
const app = buildEmulator({
  consumerKey: process.env.X_CONSUMER_KEY ?? 'emulator-consumer-key',
  consumerSecret: process.env.X_CONSUMER_SECRET ?? 'emulator-consumer-secret',
  logger: true,
});
const close = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGINT', close);
process.once('SIGTERM', close);
await app.listen({ port, host });
