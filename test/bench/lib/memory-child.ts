/**
 * The measured process of the memory benchmark: generate every hero of a site against the mock
 * (argv: root, OpenAI base URL, concurrency, size), then derive every original through core's
 * deriver. Prints one JSON line with the peak RSS after each phase.
 */
import path from 'node:path';
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

process.stderr.write('bench-phase: derive\n');
const deriver = createDeriver({ root: root! });
const deriveStarted = performance.now();
const files = summary.results.flatMap((result) =>
  result.entry ? [path.join(root!, result.entry.file)] : [],
);
await Promise.all(
  files.map((file) => deriver.derive(file, { formats: formats!.split(',') as DeriveFormat[] })),
);
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
    peakAfterDerive: peak(),
  })}\n`,
);
