/**
 * `astro dev` says each thing once per change: one save of a post logs Astro's "Reloaded data
 * from …" once and herogen's alt warning once, however many images were generated before
 * (each generation refreshes the content layer). Real dev server, mock API over HTTP.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attr,
  copySite,
  type DevServer,
  removeSite,
  startDevServer,
  waitFor,
} from './fixtures/astro-support/harness.js';

const count = (text: string, needle: string) => text.split(needle).length - 1;
/** beta.md with `prompt` and no alt, so every scan of it warns. */
const betaWithoutAlt = (prompt: string) =>
  `---\ntitle: Beta\nhero:\n  prompt: ${prompt}\n---\n\nBeta body.\n`;

describe('astro dev logs once per change', () => {
  let mock: MockApi;
  let server: DevServer;
  let root: string;
  let base: string;
  const output: string[] = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };

  beforeAll(async () => {
    mock = await createMockApi();
    root = await copySite('astro-basic');
    // Everything Astro's logger prints, in order (it writes to stdout and stderr).
    const keep =
      (original: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        output.push(
          (typeof chunk === 'string'
            ? chunk
            : Buffer.from(chunk as Uint8Array).toString('utf8')
          ).replace(/\u001b\[[0-9;]*m/g, ''),
        );
        return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      };
    process.stdout.write = keep(writes.stdout, process.stdout) as typeof process.stdout.write;
    process.stderr.write = keep(writes.stderr, process.stderr) as typeof process.stderr.write;
    ({ server, base } = await startDevServer(root, {
      apiKey: 'sk-test-herogen-dev-logs',
      baseURL: mock.openaiBaseURL,
      logLevel: 'info',
    }));
  });
  afterAll(async () => {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    await server?.stop();
    await mock?.close();
    await removeSite(root);
  });

  const page = async (route: string) => {
    const response = await fetch(`${base}${route}`);
    return response.ok ? response.text() : `status ${response.status}`;
  };
  const file = () => path.join(root, 'src/content/blog/beta.md');

  /** Save beta.md with a new prompt and wait until its real image is on the page. */
  async function saveAndWait(prompt: string): Promise<string> {
    const from = output.length;
    await writeFile(file(), betaWithoutAlt(prompt));
    try {
      await waitFor(
        () => page('/blog/beta/'),
        (html) =>
          attr(html, 'data-prompt') === prompt && attr(html, 'data-placeholder') === 'false',
      );
    } catch (error) {
      // What the server did since the save: the page alone does not say where it stopped.
      const html = await page('/blog/beta/');
      throw new Error(
        `page shows prompt ${attr(html, 'data-prompt')}, placeholder ${attr(html, 'data-placeholder')}; ${mock.paidCalls()} paid calls; log since the save:\n${output.slice(from).join('')}`,
        { cause: error },
      );
    }
    // Let late log lines of this change arrive (a reload the generation triggers).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return output.slice(from).join('');
  }

  it('checks the site after the server listens: the summary and the placeholder notice, once each', async () => {
    const log = await waitFor(
      async () => output.join(''),
      (text) => text.includes('are offline placeholders'),
    );
    // Off the path to the first page: logged after Astro says the server is ready.
    expect(log.indexOf('are offline placeholders'), log).toBeGreaterThan(log.indexOf('ready in'));
    expect(count(log, '2 placeholders'), log).toBe(1);
    expect(count(log, 'are offline placeholders: the dev server never pays'), log).toBe(1);
    expect(mock.paidCalls()).toBe(0);
  });

  it('each save reloads the post once and warns about its missing alt once, save after save', async () => {
    expect(await readFile(file(), 'utf8')).toContain('alt: A small blue boat');
    const prompts = [
      'A green canoe on a misty river',
      'A red rowing boat at sunrise',
      'A yellow kayak in a rocky bay',
      'A white sailboat under storm clouds',
    ];
    for (const [n, prompt] of prompts.entries()) {
      const log = await saveAndWait(prompt);
      expect(count(log, 'Reloaded data from beta.md'), `save ${n + 1}:\n${log}`).toBe(1);
      expect(count(log, 'hero has no alt text'), `save ${n + 1}:\n${log}`).toBe(1);
    }
    expect(mock.paidCalls()).toBe(prompts.length);
  });
});
