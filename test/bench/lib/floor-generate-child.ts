/**
 * The memory benchmark's floor for generating: the bare client at the same concurrency, each
 * image written to a file, in a process of its own.
 *
 *   node floor-generate-child.ts <baseURL> <count> <concurrency> <size> <outDir>
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bareGeneration } from './bare-client.ts';
import { promptFor } from './content.ts';
import { runPool } from './harness.ts';

const [baseURL, count, concurrency, size, outDir] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
await mkdir(outDir, { recursive: true });
await runPool(Number(count), Number(concurrency), async (index) => {
  const image = await bareGeneration(baseURL, { prompt: promptFor(index), size, quality: 'low' });
  await writeFile(path.join(outDir, `${index}.png`), image);
});
