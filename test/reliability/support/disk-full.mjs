// Preloaded with `node --import` into a herogen child process by the paid-safety tests. It makes
// the project's disk "full" without mounting anything (CI may not allow a tmpfs): every write
// of more than a given number of bytes to a file under a given folder fails with ENOSPC, as on
// a disk with that much space left. Small writes (the lock, claims) still succeed, so a paid
// answer arrives and then cannot be written. Test-only: it reads
// HEROGEN_TEST_DISK_FULL="<folder>\t<bytes left>" and does nothing when it is unset.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const spec = process.env.HEROGEN_TEST_DISK_FULL;
if (spec) {
  const [folder, left] = spec.split('\t');
  const root = path.resolve(folder);
  const room = Number(left);
  const inside = (file) =>
    typeof file === 'string' && `${path.resolve(file)}${path.sep}`.startsWith(`${root}${path.sep}`);
  const writing = (flags) => typeof flags === 'string' && /[wa+]/.test(flags);
  const size = (data) => (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);
  const full = () =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      errno: -28,
      syscall: 'write',
    });
  const fds = new Set();

  const openSync = fs.openSync;
  fs.openSync = function openSyncOnFullDisk(file, flags, ...rest) {
    const fd = openSync.call(this, file, flags, ...rest);
    if (inside(file) && writing(flags)) fds.add(fd);
    return fd;
  };
  const closeSync = fs.closeSync;
  fs.closeSync = function closeSyncOnFullDisk(fd) {
    fds.delete(fd);
    return closeSync.call(this, fd);
  };
  const writeFileSync = fs.writeFileSync;
  fs.writeFileSync = function writeFileSyncOnFullDisk(target, data, ...rest) {
    if ((fds.has(target) || inside(target)) && size(data) > room) throw full();
    return writeFileSync.call(this, target, data, ...rest);
  };
  const open = fs.promises.open;
  fs.promises.open = async function openOnFullDisk(file, flags, ...rest) {
    const handle = await open.call(this, file, flags, ...rest);
    if (inside(file) && writing(flags)) {
      const writeFile = handle.writeFile;
      handle.writeFile = async function writeFileOnFullDisk(data, ...args) {
        if (size(data) > room) throw full();
        return writeFile.call(this, data, ...args);
      };
    }
    return handle;
  };
  const writeFile = fs.promises.writeFile;
  fs.promises.writeFile = async function writeFileOnFullDisk(target, data, ...rest) {
    if (inside(target) && size(data) > room) throw full();
    return writeFile.call(this, target, data, ...rest);
  };
  syncBuiltinESMExports();
}
