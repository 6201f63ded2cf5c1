import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import type { HeroImage, HeroMap } from '@herogen/vite';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from './fixtures/astro-support/browser.js';
import { waitFor } from './fixtures/vite-support/wait.js';
import {
  copyExample,
  type DevServer,
  removeExample,
  startExampleDev,
  userEnv,
} from './fixtures/vitepress-support/harness.js';

// `vitepress dev` of the vitepress-docs example with a key pointed at the mock API: page loads
// never pay, and a saved prompt reaches the open page as a generated image, without a restart.

const PAGE = 'guide/stations.md';

describe('the vitepress-docs example in `vitepress dev`', () => {
  let mock: MockApi;
  let root: string;
  let server: DevServer;

  beforeAll(async () => {
    mock = await createMockApi();
    root = await copyExample();
    server = await startExampleDev(
      root,
      userEnv({
        OPENAI_API_KEY: 'sk-test-vitepress-dev-0000',
        OPENAI_BASE_URL: mock.openaiBaseURL,
      }),
    );
  });

  afterAll(async () => {
    await server?.stop();
    await mock?.close();
    await removeExample(root);
  });

  /** `virtual:herogen` as the browser gets it from the dev server. */
  async function heroes(): Promise<HeroMap> {
    const code = await (await fetch(`${server.url}@id/__x00__virtual:herogen`)).text();
    const json = /export const heroes = ([\s\S]*?);\nexport default/.exec(code)?.[1];
    if (!json) throw new Error(`unexpected virtual:herogen module:\n${code.slice(0, 500)}`);
    return JSON.parse(json) as HeroMap;
  }
  const hero = async () => (await heroes())[PAGE] as HeroImage;

  /** Replace the prompt of PAGE and wait until the dev server shows it generated. */
  async function editPrompt(prompt: string): Promise<HeroImage> {
    const file = path.join(root, 'docs', PAGE);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/^ {2}prompt: .+$/m, `  prompt: ${prompt}`));
    return waitFor(
      async () => {
        const current = await hero();
        return current.status === 'generated' &&
          mock.requests.some((r) => r.prompt?.includes(prompt))
          ? current
          : undefined;
      },
      `the generated image of "${prompt}"`,
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- vitepress dev said:\n${server.output()}`);
    });
  }

  it('serves every page cover as placeholder art on load, paying nothing', async () => {
    const all = await waitFor(async () => {
      const map = await heroes().catch(() => undefined);
      return map && Object.keys(map).length === 7 ? map : undefined;
    }, 'the heroes of the 7 pages');
    expect(Object.values(all).map((h) => h.status)).toEqual(
      Object.values(all).map(() => 'placeholder'),
    );
    const response = await fetch(new URL(all[PAGE]!.src, server.url));
    expect(response.status).toBe(200);
    expect(mock.paidCalls()).toBe(0);
  });

  it('a saved prompt is generated in the background and served, without a restart', async () => {
    const before = await hero();
    const generated = await editPrompt('A tide gauge at night under a full moon, wet planks');
    expect(generated.key).not.toBe(before.key);
    expect(mock.paidCalls()).toBe(1);
    const response = await fetch(new URL(generated.src, server.url));
    expect(response.status).toBe(200);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([generated.width, generated.height]);
  });

  describe.skipIf(!chromiumPath)('in Chromium', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('the open page swaps in the new cover through HMR, without reloading', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${server.url}${PAGE.replace(/\.md$/, '')}`);
      const img = page.locator('.VPDoc .herogen-cover img');
      await img.waitFor();
      const before = await img.getAttribute('src');
      expect(before).toBe((await hero()).src);
      await page.evaluate(() => {
        (window as unknown as { stillHere: boolean }).stillHere = true;
      });

      const paid = mock.paidCalls();
      const generated = await editPrompt('A tide gauge in fog at dawn, a heron on the rail');
      expect(mock.paidCalls()).toBe(paid + 1);
      await page.waitForFunction(
        (src) => document.querySelector('.VPDoc .herogen-cover img')?.getAttribute('src') === src,
        generated.src,
        { timeout: 60_000 },
      );
      const shown = await page.evaluate(async () => {
        const element = document.querySelector<HTMLImageElement>('.VPDoc .herogen-cover img')!;
        await element.decode();
        return {
          width: element.naturalWidth,
          reloaded: !(window as unknown as { stillHere?: boolean }).stillHere,
        };
      });
      expect(shown.width).toBeGreaterThan(0);
      expect(shown.reloaded).toBe(false);
      await page.close();
    });
  });
});
