import type { CliIO } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

const PACKAGE = '@herogen/mock-api';

/**
 * `herogen mock-api`: runs until Ctrl-C. The server is an optional peer (a site that never
 * runs it should not install a test server), so it is loaded only here.
 */
export async function mockApiCommand(args: readonly string[], io: CliIO): Promise<ExitCode> {
  let mockApi: typeof import('@herogen/mock-api');
  try {
    mockApi = await import(PACKAGE);
  } catch (error) {
    if (!isMissing(error)) throw error;
    io.stderr.write(
      `herogen: \`herogen mock-api\` needs ${PACKAGE}, which is not installed.\n` +
        `  install ${PACKAGE} to use this command: npm install -D ${PACKAGE}\n`,
    );
    return EXIT.INVALID;
  }
  await mockApi.serveMockApiFromArgs([...args]);
  return EXIT.OK;
}

/** The package itself is absent (not one of its own imports failing). */
function isMissing(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'ERR_MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.includes(`'${PACKAGE}'`)
  );
}
