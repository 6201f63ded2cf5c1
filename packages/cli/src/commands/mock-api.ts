import type { CliIO } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/** `herogen mock-api`: runs until Ctrl-C. Loaded lazily: only this command needs the server. */
export async function mockApiCommand(args: readonly string[], _io: CliIO): Promise<ExitCode> {
  const { serveMockApiFromArgs } = await import('@herogen/mock-api');
  await serveMockApiFromArgs([...args]);
  return EXIT.OK;
}
