// Preloaded with `node --import` into a herogen child process by the paid-safety tests: on exit
// it writes the process's peak resident set size (bytes) to HEROGEN_TEST_MAX_RSS, so a test can
// assert what an answer cost in memory. Test-only: does nothing when the variable is unset.
import { writeFileSync } from 'node:fs';

const target = process.env.HEROGEN_TEST_MAX_RSS;
if (target) {
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kilobytes.
    writeFileSync(target, String(process.resourceUsage().maxRSS * 1024));
  });
}
