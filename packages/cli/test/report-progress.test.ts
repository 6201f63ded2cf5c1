import type { Job, LockEntry, RunEvent } from '@herogen/core';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReporter, formatDuration } from '../src/output/reporter.js';
import { captureStream, createProject, runCli } from './helpers.js';

const job = (file: string) =>
  ({
    key: file,
    request: { provider: 'openai', model: 'gpt-image-2', variant: 0 },
    sources: [{ file }],
  }) as unknown as Job;
const entry = (file: string, costUsd: number) =>
  ({
    file: `src/assets/herogen/${file}.png`,
    width: 1360,
    height: 768,
    costUsd,
    costConfidence: 'exact',
  }) as LockEntry;

describe('progress output', () => {
  it('plain lines carry done/total, running cost and an ETA', () => {
    const stream = captureStream();
    let clock = 0;
    const reporter = createReporter({ stream, interactive: false, now: () => clock });
    const events: RunEvent[] = [
      { type: 'plan', total: 4, missing: 3, cached: 1, estimateUsd: 0.12 },
      { type: 'start', job: job('a.md') },
      { type: 'start', job: job('b.md') },
    ];
    for (const event of events) reporter.onEvent(event);
    clock = 10_000;
    reporter.onEvent({ type: 'generated', job: job('a.md'), entry: entry('a', 0.05) });
    clock = 20_000;
    reporter.onEvent({ type: 'generated', job: job('b.md'), entry: entry('b', 0.06) });
    reporter.onEvent({
      type: 'failed',
      job: job('c.md'),
      error: new Error('refused'),
      placeholder: undefined,
    });
    reporter.stop();
    expect(stream.text().split('\n')).toEqual([
      '4 images: 1 cached, 3 to make (estimated $0.12)',
      'start     a.md (openai gpt-image-2)',
      'start     b.md (openai gpt-image-2)',
      'generated a.md → src/assets/herogen/a.png (1360×768, $0.05) [1/3 · $0.05 spent · ETA 20s]',
      'generated b.md → src/assets/herogen/b.png (1360×768, $0.06) [2/3 · $0.11 spent · ETA 10s]',
      'failed    c.md: refused [3/3 · $0.11 spent]',
      '',
    ]);
  });

  it('formats an ETA coarsely', () => {
    expect(formatDuration(400)).toBe('1s');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });

  it('a terminal gets a bar with done/total, ETA and running cost from the same events', () => {
    const stream = captureStream();
    stream.isTTY = true;
    Object.assign(stream, { columns: 100, cursorTo: () => true, clearLine: () => true });
    const reporter = createReporter({ stream, interactive: true });
    reporter.onEvent({ type: 'plan', total: 2, missing: 2, cached: 0, estimateUsd: 0.1 });
    reporter.onEvent({ type: 'start', job: job('a.md') });
    reporter.onEvent({ type: 'generated', job: job('a.md'), entry: entry('a', 0.05) });
    reporter.stop();
    const text = stream.text();
    expect(text).toContain('2 images: 0 cached, 2 to make (estimated $0.10)');
    expect(text).toMatch(/1\/2 · ETA \S+ · \$0\.05/);
    // No plain `start` lines on a terminal: the bar replaces them.
    expect(text).not.toContain('start     a.md');
  });
});

describe('herogen generate in CI', () => {
  let mock: MockApi;
  beforeAll(async () => {
    mock = await createMockApi({ latencyMs: [0, 20] });
  });
  afterAll(() => mock.close());

  it('prints one line per event with the running cost', async () => {
    const project = await createProject({
      'src/content/a.md': '---\nhero:\n  prompt: A lighthouse at dusk\n  alt: A\n---\n',
      'src/content/b.md': '---\nhero:\n  prompt: Rice fields in fog\n  alt: B\n---\n',
    });
    try {
      const run = await runCli(['generate', '--concurrency', '1'], {
        cwd: project.root,
        env: {
          CI: 'true',
          OPENAI_API_KEY: 'sk-test-PROGRESS',
          OPENAI_BASE_URL: mock.openaiBaseURL,
        },
      });
      expect(run.code).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^2 images: 0 cached, 2 to make \(estimated \$0\.\d\d\)$/);
      expect(lines.filter((line) => line.startsWith('start     '))).toHaveLength(2);
      const done = lines.filter((line) => line.startsWith('generated '));
      expect(done).toHaveLength(2);
      expect(done[0]).toMatch(/ \[1\/2 · \$0\.0\d spent · ETA \d+s\]$/);
      expect(done[1]).toMatch(/ \[2\/2 · \$0\.1\d spent\]$/);
      expect(lines.at(-1)).toMatch(/^0 cached, 2 generated, 0 failed, \$0\.1\d$/);
    } finally {
      await project.cleanup();
    }
  });
});
