import { pickVariant, sourcesText } from '@herogen/core';
import { type CliIO, createLogger, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { resolveTarget } from './regenerate.js';

/**
 * `herogen pick <file> <n>`: make candidate n the hero's image. The frontmatter is not touched
 * and the hero keeps its key and path: the candidate's bytes are stored at that path (the
 * previous take is kept in history), so builds stay deterministic and the site needs no edit.
 */
export async function pickCommand(
  target: string | undefined,
  number: string | undefined,
  flags: GlobalFlags,
  io: CliIO,
): Promise<ExitCode> {
  const n = Number(number);
  if (!target || !Number.isInteger(n) || n < 0) {
    io.stderr.write(
      'herogen pick <file|key> <n>: n is a candidate number from `herogen variants`\n',
    );
    return EXIT.INVALID;
  }
  const session = await openSession(flags, io);
  try {
    const plan = await session.plan();
    const main = resolveTarget(plan.jobs, target, session.root, io);
    const result = await pickVariant(session, main, n, {
      target,
      logger: createLogger(io, flags.json === true),
    });
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            key: main.key,
            picked: n,
            from: result.from,
            file: result.entry.file,
            sha256: result.entry.sha256,
            previous: result.archived ?? null,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      io.stdout.write(
        `picked candidate ${n} for ${sourcesText(main)}: ${result.from} → ${result.entry.file}${result.archived ? `; the previous take is kept at ${result.archived.file}` : ''}\n`,
      );
    }
    return EXIT.OK;
  } finally {
    await session.close();
  }
}
