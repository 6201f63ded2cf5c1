// Preloaded with `node --import` into a herogen child process by the trust-files tests. Right
// after the first write-ahead journal record is renamed into place (the image is paid for and
// received), it replaces one path with a symlink, so the test can prove what herogen does when
// an original turns into a link leading out of the project after the money is spent. Test-only:
// it reads HEROGEN_TEST_PLANT="<link path>\t<link target>" and does nothing when it is unset.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const spec = process.env.HEROGEN_TEST_PLANT;
if (spec) {
  const [link, target] = spec.split('\t');
  let planted = false;
  const renameSync = fs.renameSync;
  fs.renameSync = function renameSyncThenPlant(from, to) {
    renameSync.call(this, from, to);
    if (planted || !String(to).endsWith('.journal')) return;
    planted = true;
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.rmSync(link, { force: true });
    fs.symlinkSync(target, link);
  };
  syncBuiltinESMExports();
}
