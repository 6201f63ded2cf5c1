import {
  agree,
  LFS_PULL_HINT,
  plural,
  readLock,
  type VerifyResult,
  verifyOriginals,
} from '@herogen/core';
import { type CliIO, type GlobalFlags, openSession } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/**
 * `herogen verify`: sha256 of every original and earlier take against the lock. A lock entry
 * naming a file that is not herogen's own original is reported as tampered, with why, unread.
 */
export async function verifyCommand(flags: GlobalFlags, io: CliIO): Promise<ExitCode> {
  const session = await openSession(flags, io);
  const lock = await readLock(session.lockPath);
  const results = await verifyOriginals(session.root, session.layout.outDir, lock);
  const bad = results.filter((result) => result.state !== 'ok');
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({ ok: bad.length === 0, checked: results.length, results }, null, 2)}\n`,
    );
  } else {
    for (const result of bad) {
      const label = result.tampered ? 'tampered' : result.lfsPointer ? 'lfs' : result.state;
      const take = result.kind === 'history' ? 'earlier take of ' : '';
      io.stdout.write(
        `${label.padEnd(8)} ${result.file} (${take}${result.key})${result.tampered ? `: ${result.tampered}; not read` : result.lfsPointer ? ': a Git LFS pointer, not the image' : ''}\n`,
      );
    }
    const takes = results.filter((result) => result.kind === 'history').length;
    const what = `${plural(results.length - takes, 'original')}${takes > 0 ? ` and ${plural(takes, 'earlier take')}` : ''}`;
    io.stdout.write(
      bad.length === 0
        ? `ok: ${what} ${agree(results.length, 'matches its', 'match their')} sha256 in the lock\n`
        : `${bad.length} of ${what} ${agree(bad.length, 'does', 'do')} not match the lock; ${restoreAdvice(bad)}\n`,
    );
  }
  return bad.length === 0 ? EXIT.OK : EXIT.FAILED;
}

/** What to do about the files that do not match: pull LFS pointers first, then restore the rest. */
function restoreAdvice(bad: readonly VerifyResult[]): string {
  const pointers = bad.filter((result) => result.lfsPointer).length;
  const advice = [
    ...(pointers > 0
      ? [
          `${plural(pointers, 'file')} ${agree(pointers, 'is a Git LFS pointer', 'are Git LFS pointers')}: ${LFS_PULL_HINT}`,
        ]
      : []),
    ...(pointers < bad.length ? ['restore them from git (git checkout -- <file>)'] : []),
    ...(bad.some((result) => result.tampered) ? ['fix the lock entries marked tampered'] : []),
  ];
  return advice.join('; ');
}
