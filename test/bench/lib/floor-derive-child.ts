/**
 * The memory benchmark's floor for deriving: the bare sharp loop over the same originals, in a
 * process of its own. Run from JavaScript stripped of its types (see memory.ts), so that it can
 * be started with `--lite-mode` like herogen's image process: it imports no other TypeScript
 * but bare-derive.ts. Prints the number of encodes.
 *
 *   node --lite-mode floor-derive-child.mjs <outDir> <formats> <original>...
 */
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { bareDerive } from './bare-derive.ts';

const [outDir, formats, ...originals] = process.argv.slice(2) as [string, string, ...string[]];
await mkdir(outDir, { recursive: true });
// The deriver's defaults: one original at a time, every core a libvips thread.
const encodes = await bareDerive(originals, outDir, {
  pipelines: 1,
  threads: availableParallelism(),
  formats: formats.split(','),
});
process.stdout.write(`${encodes}\n`);
