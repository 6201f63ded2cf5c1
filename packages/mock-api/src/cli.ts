import { parseArgs } from 'node:util';
import { createMockApi } from './server.js';
import type { MockApi, MockApiOptions } from './types.js';

export const MOCK_API_USAGE = `Usage: herogen mock-api [options]

Start a loopback stand-in for the OpenAI Images API and the hiapi task API.

Options:
  --port <n>             Port to listen on (default 0: a free port)
  --host <host>          Interface to bind (default 127.0.0.1)
  --latency <ms|min-max> Delay before answering generations/edits/task creates (default 0)
  --task-duration <ms>   Time a hiapi task takes to finish (default 2000)
  --download-ttl <ms>    How long task download URLs stay valid (default 3600000)
  --rate-limit <n>       Paid calls allowed per sliding minute; more get 429 (default unlimited)
  --api-key <key>        Accept only this bearer key (default: any non-empty key)
  -h, --help             Show this help`;

/** Bad command-line input; the message says which flag and what is expected. */
export class MockApiUsageError extends Error {
  readonly code = 'MOCK_API_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'MockApiUsageError';
  }
}

/** Parse `herogen mock-api` flags into options; `undefined` when help was asked for. */
export function parseMockApiArgs(argv: string[]): MockApiOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        latency: { type: 'string' },
        'task-duration': { type: 'string' },
        'download-ttl': { type: 'string' },
        'rate-limit': { type: 'string' },
        'api-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new MockApiUsageError(`${(error as Error).message}\n\n${MOCK_API_USAGE}`);
  }
  if (values.help) return undefined;
  const options: MockApiOptions = {};
  const str = (name: string) => values[name] as string | undefined;
  if (str('port') !== undefined) options.port = integerFlag('port', str('port')!, 0, 65_535);
  if (str('host') !== undefined) options.host = str('host')!;
  if (str('latency') !== undefined) options.latencyMs = latencyFlag(str('latency')!);
  if (str('task-duration') !== undefined) {
    options.taskDurationMs = integerFlag('task-duration', str('task-duration')!, 0);
  }
  if (str('download-ttl') !== undefined) {
    options.downloadTtlMs = integerFlag('download-ttl', str('download-ttl')!, 0);
  }
  if (str('rate-limit') !== undefined) {
    options.imagesPerMinute = integerFlag('rate-limit', str('rate-limit')!, 1);
  }
  if (str('api-key') !== undefined) {
    if (str('api-key') === '') throw new MockApiUsageError('--api-key must not be empty.');
    options.apiKey = str('api-key')!;
  }
  return options;
}

export interface ServeIo {
  /** Where the banner goes. @default console.log */
  log?: (line: string) => void;
  /** Close on SIGINT/SIGTERM. @default true */
  handleSignals?: boolean;
}

/**
 * Start the server for `herogen mock-api …` / `herogen-mock-api …`, print the base URLs and
 * the env lines to export, and close on SIGINT/SIGTERM. Resolves once listening (or with
 * `undefined` after printing help); throws `MockApiUsageError` on bad flags.
 */
export async function serveMockApiFromArgs(
  argv: string[],
  io: ServeIo = {},
): Promise<MockApi | undefined> {
  const log = io.log ?? ((line: string) => console.log(line));
  const options = parseMockApiArgs(argv);
  if (!options) {
    log(MOCK_API_USAGE);
    return undefined;
  }
  const api = await createMockApi(options);
  log(formatBanner(api, options));
  if (io.handleSignals ?? true) {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      log(`herogen mock API: ${signal} received, shutting down.`);
      void api.close();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  }
  return api;
}

export function formatBanner(api: MockApi, options: MockApiOptions): string {
  const keyLines =
    options.apiKey === undefined
      ? ['export OPENAI_API_KEY=mock-key', 'export HIAPI_API_KEY=mock-key']
      : ['# OPENAI_API_KEY and HIAPI_API_KEY must equal the --api-key value'];
  return [
    `herogen mock API listening on ${api.url}`,
    `  OpenAI base URL: ${api.openaiBaseURL}   (POST /images/generations, /images/edits)`,
    `  hiapi base URL:  ${api.hiapiBaseURL}   (POST /v1/tasks, GET /v1/tasks/:id)`,
    '',
    'Point herogen at it with:',
    `export OPENAI_BASE_URL=${api.openaiBaseURL}`,
    `export HIAPI_BASE_URL=${api.hiapiBaseURL}`,
    ...keyLines,
    '',
    'Press Ctrl+C to stop.',
  ].join('\n');
}

function integerFlag(
  name: string,
  raw: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new MockApiUsageError(
      `--${name} expects a whole number between ${min} and ${max}, got "${raw}".`,
    );
  }
  return value;
}

function latencyFlag(raw: string): number | [number, number] {
  const match = /^\s*(\d+)\s*(?:[-,]\s*(\d+)\s*)?$/.exec(raw);
  if (!match) {
    throw new MockApiUsageError(
      `--latency expects milliseconds ("200") or a range ("100-500"), got "${raw}".`,
    );
  }
  const min = Number(match[1]);
  if (match[2] === undefined) return min;
  const max = Number(match[2]);
  if (max < min) throw new MockApiUsageError(`--latency range "${raw}" has max below min.`);
  return [min, max];
}
