import { ConfigError, loadConfig, type Config } from '@jcp/config';
import { createLogger, type Logger } from '@jcp/log';

/** Runs a command-line task: config errors and failures print a message and exit 1. */
export async function runCli(task: (config: Config, logger: Logger) => Promise<number>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const logger = createLogger({
    level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
    format: config.LOG_FORMAT,
  });
  try {
    process.exitCode = await task(config, logger);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
