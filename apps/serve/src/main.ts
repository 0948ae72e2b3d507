// `pnpm serve`, and the production image's command: the API with the worker's loops beside it,
// talking to the X at X_API_BASE_URL. It never runs the X emulator (that is `pnpm start`).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '@jcp/config';
import { createLogger } from '@jcp/log';
import { runService } from './run.js';

const usage = `usage: pnpm serve (node apps/serve/src/main.ts)
Serves the API, with the fan-out and the mention reader beside it. X is the one at
X_API_BASE_URL; without it nothing is posted to X or read from it. The X emulator runs only
with pnpm start (apps/start), never with NODE_ENV=production.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

try {
  parseArgs({ options: {} });
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}
const config = readConfig();
if (config.NODE_ENV === 'production' && !config.X_API_BASE_URL) fail('X_API_BASE_URL is required in production');
const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'jcp-status' });
await runService(config, logger);
