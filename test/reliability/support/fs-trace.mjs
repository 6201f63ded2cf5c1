// Preloaded with `node --import` into a herogen child process by the hostile-input tests. It
// records every path the process opens, reads, lists or changes through node:fs (callback,
// sync and promise APIs) into the file named by HEROGEN_TEST_FS_TRACE, one `op<TAB>path` per
// line, so a test can prove that nothing outside the project was read or written. Test-only.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const traceFile = process.env.HEROGEN_TEST_FS_TRACE;
if (traceFile) {
  // One descriptor opened before anything is patched; writeSync is never traced.
  const fd = fs.openSync(traceFile, 'a');
  const writeSync = fs.writeSync.bind(fs);
  const realpath = fs.realpathSync.native.bind(fs);
  // Where a path really leads: a read through a symlink is a read of its target.
  const real = (absolute) => {
    try {
      return realpath(absolute);
    } catch {
      try {
        return path.join(realpath(path.dirname(absolute)), path.basename(absolute));
      } catch {
        return absolute;
      }
    }
  };
  const record = (op, target) => {
    if (typeof target !== 'string' && !(target instanceof URL) && !Buffer.isBuffer(target)) return;
    const text = target instanceof URL ? target.pathname : String(target);
    const absolute = path.resolve(text);
    const resolved = real(absolute);
    writeSync(fd, `${op}\t${absolute}\n`);
    if (resolved !== absolute) writeSync(fd, `${op}\t${resolved}\n`);
  };
  const wrap = (object, name, op, paths = 1) => {
    const original = object[name];
    if (typeof original !== 'function') return;
    object[name] = function traced(...args) {
      for (let i = 0; i < paths; i++) record(op, args[i]);
      return original.apply(this, args);
    };
  };
  const write = 'write';
  const read = 'read';
  for (const api of [fs, fs.promises]) {
    wrap(api, 'readFile', read);
    wrap(api, 'readdir', read);
    wrap(api, 'opendir', read);
    wrap(api, 'writeFile', write);
    wrap(api, 'appendFile', write);
    wrap(api, 'mkdir', write);
    wrap(api, 'rm', write);
    wrap(api, 'rmdir', write);
    wrap(api, 'unlink', write);
    wrap(api, 'rename', write, 2);
    wrap(api, 'copyFile', write, 2);
    wrap(api, 'cp', write, 2);
    wrap(api, 'symlink', write, 2);
    wrap(api, 'link', write, 2);
    wrap(api, 'truncate', write);
    wrap(api, 'utimes', write);
  }
  for (const name of ['readFileSync', 'readdirSync']) wrap(fs, name, read);
  for (const name of ['writeFileSync', 'mkdirSync', 'rmSync', 'rmdirSync', 'unlinkSync']) {
    wrap(fs, name, write);
  }
  wrap(fs, 'renameSync', write, 2);
  wrap(fs, 'createReadStream', read);
  wrap(fs, 'createWriteStream', write);
  // open: the flags say whether it reads or writes.
  for (const [api, name] of [
    [fs, 'open'],
    [fs, 'openSync'],
    [fs.promises, 'open'],
  ]) {
    const original = api[name];
    api[name] = function tracedOpen(target, flags, ...rest) {
      const writes = typeof flags === 'string' ? /[wa+]/.test(flags) : Boolean(flags & 3);
      record(writes ? write : read, target);
      return original.call(this, target, flags, ...rest);
    };
  }
  syncBuiltinESMExports();
}
