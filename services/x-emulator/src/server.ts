// Runs the X API v2 emulator on PORT / X_EMULATOR_PORT (default 4100).
import { buildEmulator } from './app.js';

const port = Number(process.env.X_EMULATOR_PORT ?? process.env.PORT ?? 4100);
const app = buildEmulator({
  consumerKey: process.env.X_CONSUMER_KEY ?? 'emulator-consumer-key',
  consumerSecret: process.env.X_CONSUMER_SECRET ?? 'emulator-consumer-secret',
  logger: true,
});
const close = () => { void app.close().then(() => process.exit(0)); };
process.once('SIGINT', close);
process.once('SIGTERM', close);
await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
