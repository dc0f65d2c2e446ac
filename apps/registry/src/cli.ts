import 'reflect-metadata';
import { ConfigError, loadConfig } from '@wharf/config';
import { createLogger } from '@wharf/observability';
import { startRegistry } from './http-server.js';
import { settingsFromConfig } from './settings-from-config.js';
import { createStorageDriver } from './storage-driver.factory.js';

const USAGE = `Usage:
  wharf serve [CONFIG]     run the registry (no CONFIG: filesystem storage under ./data, listening on :5000)
  wharf --version`;

/** `bin/wharf`: parses the command line; the only place process.env is read (and handed to the config loader). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case '--version':
    case 'version':
      process.stdout.write('wharf 0.1.0\n');
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`wharf: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

async function serve(args: string[]): Promise<number> {
  const file = args.find((arg) => !arg.startsWith('-'));
  let settings;
  try {
    settings = settingsFromConfig(loadConfig({ file, env: process.env }));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wharf: configuration error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const logger = createLogger({ level: settings.log.level, fields: settings.log.fields });
  const registry = await startRegistry(settings, createStorageDriver(settings.storage), logger);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal, drainTimeoutMs: settings.http.drainTimeoutMs }, 'shutting down: draining requests');
      process.off('SIGTERM', stop).off('SIGINT', stop);
      registry.close().then(resolve, resolve);
    };
    process.on('SIGTERM', stop).on('SIGINT', stop);
  });
  logger.flush();
  return 0;
}
