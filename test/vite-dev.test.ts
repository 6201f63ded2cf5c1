import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { type HeroImage, type HeroMap, herogen } from '@herogen/vite';
import sharp from 'sharp';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyFixture,
  createCapturingLogger,
  devServerConfig,
  removeDir,
} from './fixtures/vite-support/harness.js';
import { waitFor } from './fixtures/vite-support/wait.js';

describe('vite dev server with @herogen/vite', () => {
  let root: string;
  let mock: MockApi;
  let server: ViteDevServer;
  let http: Server;
  let origin: string;
  let plugin: ReturnType<typeof herogen>;
  const hotPayloads: { payload: unknown; paidCalls: number }[] = [];
  const logger = createCapturingLogger();

  beforeAll(async () => {
    root = await copyFixture('vite-basic');
    mock = await createMockApi();
    plugin = herogen({
      provider: 'openai',
      openai: { apiKey: 'sk-test-not-a-real-key', baseURL: mock.openaiBaseURL },
      widths: [320],
      formats: ['webp', 'jpeg'],
    });
    server = await createServer(devServerConfig(root, plugin, logger));
    const ssrHot = server.environments.ssr.hot;
    const send = ssrHot.send.bind(ssrHot);
    ssrHot.send = ((...args: Parameters<typeof send>) => {
      // Note how many images were paid for when each message went out.
      hotPayloads.push({ payload: args[0], paidCalls: mock.paidCalls() });
      return send(...args);
    }) as typeof ssrHot.send;
    http = createHttpServer(server.middlewares);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => http?.close(resolve));
    await server?.close();
    await mock?.close();
    await removeDir(root);
  });

  /** HMR messages that make a page pick up new module code. */
  const reloads = () =>
    hotPayloads.filter((sent) =>
      ['update', 'full-reload'].includes((sent.payload as { type: string }).type),
    );

  const loadHero = async () =>
    ((await server.ssrLoadModule('/posts/alpha.md?hero')) as { default: HeroImage }).default;

  it('serves stored placeholders on page load without paying', async () => {
    const hero = await loadHero();
    expect(hero.status).toBe('placeholder');
    expect(hero.src).toMatch(/^\/@herogen\/[0-9a-f]{64}\/320-[0-9a-f]{16}\.jpg$/);
    expect(hero.sources).toEqual([{ type: 'image/webp', srcset: expect.stringMatching(/ 320w$/) }]);
    expect(mock.paidCalls()).toBe(0);

    const { heroes } = (await server.ssrLoadModule('virtual:herogen')) as { heroes: HeroMap };
    expect(Object.keys(heroes)).toEqual(['posts/alpha.md', 'posts/beta.md']);
    // Node code outside the module graph sees the same heroes the pages import.
    expect(await plugin.api.heroes()).toEqual(heroes);
    expect(mock.paidCalls()).toBe(0);
  });

  it('encodes and serves a derivative when the browser asks for it', async () => {
    const hero = await loadHero();
    const response = await fetch(`${origin}${hero.src}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', hero.width, hero.height]);

    expect((await fetch(`${origin}/@herogen/../../package.json`)).status).toBe(404);
    expect((await fetch(`${origin}/@herogen/${'0'.repeat(64)}/320-x.jpg`)).status).toBe(404);
  });

  it('generates a changed prompt in the background after save, then updates the module', async () => {
    const before = await loadHero();
    const path = join(root, 'posts', 'alpha.md');
    const source = await readFile(path, 'utf8');
    await writeFile(path, source.replace('A red kite', 'A yellow kite'));

    // The edit shows at once, as a placeholder under the new key.
    const changed = await waitFor(async () => {
      const hero = await loadHero();
      return hero.key !== before.key ? hero : undefined;
    }, 'the edited prompt to reach the ?hero module');
    expect(changed.src).not.toBe(before.src);

    // Then exactly one paid call, in the background, and an HMR update with the real image.
    await waitFor(() => (mock.paidCalls() >= 1 ? true : undefined), 'the background generation');
    await plugin.api.idle();
    expect(mock.paidCalls()).toBe(1);
    expect(mock.requests.find((r) => r.billed)?.prompt).toContain('A yellow kite');
    const generated = await waitFor(async () => {
      const hero = await loadHero();
      return hero.status === 'generated' ? hero : undefined;
    }, 'the generated image to replace the placeholder');
    expect(generated.key).toBe(changed.key);
    // A reload went out after the paid image was stored, not just the one for the edit.
    expect(reloads().some((sent) => sent.paidCalls === 1)).toBe(true);
    expect(logger.lines).toContain(
      'herogen: posts/alpha.md: 0 cached · 1 generated · 0 failed · $0.05',
    );

    const response = await fetch(`${origin}${generated.src}`);
    expect(response.status).toBe(200);
  });
});

describe("vite dev server with dev: 'placeholder'", () => {
  let root: string;
  let mock: MockApi;
  let server: ViteDevServer;
  let plugin: ReturnType<typeof herogen>;
  const logger = createCapturingLogger();

  beforeAll(async () => {
    root = await copyFixture('vite-basic');
    mock = await createMockApi();
    plugin = herogen({
      provider: 'openai',
      openai: { apiKey: 'sk-test-not-a-real-key', baseURL: mock.openaiBaseURL },
      dev: 'placeholder',
      widths: [320],
      formats: ['jpeg'],
    });
    server = await createServer(devServerConfig(root, plugin, logger));
  });

  afterAll(async () => {
    await server?.close();
    await mock?.close();
    await removeDir(root);
  });

  const loadHero = async () =>
    ((await server.ssrLoadModule('/posts/alpha.md?hero')) as { default: HeroImage }).default;

  it('shows an edited prompt as a new placeholder and never pays for it', async () => {
    const before = await loadHero();
    expect(before.status).toBe('placeholder');
    const path = join(root, 'posts', 'alpha.md');
    const source = await readFile(path, 'utf8');
    await writeFile(path, source.replace('A red kite', 'A yellow kite'));

    const changed = await waitFor(async () => {
      const hero = await loadHero();
      return hero.key !== before.key ? hero : undefined;
    }, 'the edited prompt to reach the ?hero module');
    expect(changed.status).toBe('placeholder');
    expect(changed.src).not.toBe(before.src);

    // Well past the save debounce (400 ms): a background generation would have started by now.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await plugin.api.idle();
    expect(mock.paidCalls()).toBe(0);
    expect(mock.requests).toEqual([]);
    expect((await loadHero()).status).toBe('placeholder');
    const lock = JSON.parse(await readFile(join(root, 'herogen.lock.json'), 'utf8')) as {
      images: Record<string, { prompt: string; placeholder?: boolean }>;
    };
    const edited = Object.values(lock.images).filter((image) => image.prompt.includes('yellow'));
    expect(edited.map((image) => image.placeholder)).toEqual([true]);
  });
});
