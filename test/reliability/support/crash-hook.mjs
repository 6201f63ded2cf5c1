// Preloaded with `node --import` into a herogen child process by the crash tests. It makes the
// child kill itself with SIGKILL at an exact point: before or after the n-th rename whose
// target matches a pattern (every durable write in herogen ends in a rename). Test-only: it
// reads HEROGEN_TEST_CRASH="before|after:<n>:<regexp>" and does nothing when it is unset.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const spec = process.env.HEROGEN_TEST_CRASH;
if (spec) {
  const match = /^(before|after):(\d+):(.+)$/.exec(spec);
  if (!match) throw new Error(`bad HEROGEN_TEST_CRASH: ${spec}`);
  const [, when, nth, pattern] = match;
  const target = new RegExp(pattern);
  let seen = 0;
  const hits = (to) => target.test(String(to)) && ++seen === Number(nth);
  const rename = fs.promises.rename;
  fs.promises.rename = async function renameWithFailpoint(from, to) {
    const hit = hits(to);
    if (hit && when === 'before') process.kill(process.pid, 'SIGKILL');
    const result = await rename.call(this, from, to);
    if (hit && when === 'after') process.kill(process.pid, 'SIGKILL');
    return result;
  };
  // The journal of a just-paid image is written synchronously.
  const renameSync = fs.renameSync;
  fs.renameSync = function renameSyncWithFailpoint(from, to) {
    const hit = hits(to);
    if (hit && when === 'before') process.kill(process.pid, 'SIGKILL');
    renameSync.call(this, from, to);
    if (hit && when === 'after') process.kill(process.pid, 'SIGKILL');
  };
  syncBuiltinESMExports();
}
