/**
 * The measured process of the memory benchmark: generate every hero of a site against the mock
 * (argv: root, OpenAI base URL, concurrency, size, formats), then derive every original through
 * core's deriver (not when formats is empty). Prints one JSON line with the peak RSS after each
 * phase.
 */
import path from 'node:path';
import v8 from 'node:v8';
import { createHerogen } from '@herogen/core';
import { createDeriver, type DeriveFormat } from '@herogen/core/derive';

const [root, baseURL, concurrency, size, formats] = process.argv.slice(2);
const peak = () => process.resourceUsage().maxRSS * 1024;

const session = await createHerogen({
  root: root!,
  configFile: false,
  config: { provider: 'openai', size: size!, quality: 'low', concurrency: Number(concurrency) },
  env: { OPENAI_API_KEY: 'mock-key', OPENAI_BASE_URL: baseURL },
});
process.stderr.write('bench-phase: generate\n');
const started = performance.now();
const summary = await session.generate();
const generateMs = performance.now() - started;
const afterGenerate = peak();
/** V8's young generation as it stands after generating: it grows over a run, up to a limit. */
const newSpaceAfterGenerate = v8
  .getHeapSpaceStatistics()
  .find((space) => space.space_name === 'new_space')?.space_size;

const deriver = createDeriver({ root: root! });
const deriveStarted = performance.now();
const deriveFormats = (formats ? formats.split(',') : []) as DeriveFormat[];
const files =
  deriveFormats.length === 0
    ? []
    : summary.results.flatMap((result) =>
        result.entry ? [path.join(root!, result.entry.file)] : [],
      );
if (files.length > 0) process.stderr.write('bench-phase: derive\n');
await Promise.all(files.map((file) => deriver.derive(file, { formats: deriveFormats })));
const deriveMs = performance.now() - deriveStarted;

process.stdout.write(
  `${JSON.stringify({
    generated: summary.generated,
    failed: summary.failed,
    derived: files.length,
    encoded: deriver.counters.encoded,
    generateMs,
    deriveMs,
    peakAfterGenerate: afterGenerate,
    newSpaceAfterGenerate,
    peakAfterDerive: peak(),
  })}\n`,
);
