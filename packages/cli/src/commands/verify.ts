import { agree, plural, readLock, verifyOriginals } from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/** `herogen verify`: sha256 of every original against the lock. */
export async function verifyCommand(flags: GlobalFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  const lock = await readLock(session.lockPath);
  const results = await verifyOriginals(session.root, lock);
  const bad = results.filter((result) => result.state !== 'ok');
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({ ok: bad.length === 0, checked: results.length, results }, null, 2)}\n`,
    );
  } else {
    for (const result of bad) {
      io.stdout.write(`${result.state.padEnd(8)} ${result.file} (${result.key})\n`);
    }
    io.stdout.write(
      bad.length === 0
        ? `ok: ${plural(results.length, 'original')} ${agree(results.length, 'matches its', 'match their')} sha256 in the lock\n`
        : `${bad.length} of ${plural(results.length, 'original')} ${agree(bad.length, 'does', 'do')} not match the lock; restore them from git (git checkout -- <file>)\n`,
    );
  }
  return bad.length === 0 ? EXIT.OK : EXIT.FAILED;
}
