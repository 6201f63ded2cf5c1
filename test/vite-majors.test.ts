import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { type HeroImage, type HeroMap, herogen } from '@herogen/vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyFixture,
  createCapturingLogger,
  devServerConfig,
  fileOfUrl,
  parseSrcset,
  removeDir,
} from './fixtures/vite-support/harness.js';
import { waitFor } from './fixtures/vite-support/wait.js';

/**
 * Every Vite major in @herogen/vite's peer range, each installed in test/package.json under an
 * alias (`vite5` is `npm:vite@^5`): VitePress 1 runs on Vite 5, SvelteKit 2 on 5 to 8.
 */
const MAJORS = [
  { major: 5, load: () => import('vite5') },
  { major: 6, load: () => import('vite6') },
  { major: 7, load: () => import('vite7') },
  { major: 8, load: () => import('vite') },
];

/** The slice of Vite's API the test uses, the same in every major. */
interface AnyVite {
  version: string;
  build(config: object): Promise<unknown>;
  createServer(config: object): Promise<AnyDevServer>;
}

interface HotChannel {
  send(...args: unknown[]): void;
}

interface AnyDevServer {
  ssrLoadModule(url: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
  /** Vite 5. */
  hot?: HotChannel;
  /** Vite 6 and later. */
  environments?: { ssr: { hot: HotChannel } };
}

describe.each(MAJORS)('@herogen/vite on Vite $major', ({ major, load }) => {
  let vite: AnyVite;

  beforeAll(async () => {
    delete process.env.OPENAI_API_KEY;
    delete process.env.HIAPI_API_KEY;
    vite = (await load()) as unknown as AnyVite;
    expect(Number(vite.version.split('.')[0])).toBe(major);
  });

  describe('build', () => {
    let root: string;

    beforeAll(async () => {
      root = await copyFixture('vite-basic');
    });
    afterAll(async () => {
      await removeDir(root);
    });

    it('emits every variant and gives pages URLs of emitted files', async () => {
      const outDir = join(root, 'dist');
      const inputs = {
        input: { entry: resolve(root, 'entry.js') },
        preserveEntrySignatures: 'strict',
        output: { entryFileNames: '[name].js' },
      };
      await vite.build({
        root,
        configFile: false,
        logLevel: 'silent',
        customLogger: createCapturingLogger(),
        base: '/docs/',
        plugins: [herogen({ widths: [320], avifEffort: 0 })],
        build: {
          outDir,
          emptyOutDir: true,
          minify: false,
          // Rolldown from Vite 8 on, Rollup before.
          [major >= 8 ? 'rolldownOptions' : 'rollupOptions']: inputs,
        },
      });
      const built = (await import(`${pathToFileURL(join(outDir, 'entry.js')).href}`)) as {
        hero: HeroImage;
        heroes: HeroMap;
      };
      expect(Object.keys(built.heroes)).toEqual(['posts/alpha.md', 'posts/beta.md']);
      expect(built.heroes['posts/alpha.md']).toEqual(built.hero);
      const urls = [built.hero.og.src, ...parseSrcset(built.hero.srcset).map((c) => c.url)];
      for (const source of built.hero.sources) {
        urls.push(...parseSrcset(source.srcset).map((c) => c.url));
      }
      expect(urls).toHaveLength(4); // 320w in AVIF, WebP and JPEG, and the OG crop
      for (const url of urls) {
        expect(url).toMatch(/^\/docs\/assets\/alpha-(320w|og)-[\w-]+\.(avif|webp|jpg)$/);
        await expect(readFile(fileOfUrl(outDir, url, '/docs/'))).resolves.toBeInstanceOf(Buffer);
      }
    });
  });

  describe('dev server', () => {
    let root: string;
    let mock: MockApi;
    let server: AnyDevServer;
    let plugin: ReturnType<typeof herogen>;
    const hotPaidCalls: number[] = [];

    beforeAll(async () => {
      root = await copyFixture('vite-basic');
      mock = await createMockApi();
      plugin = herogen({
        provider: 'openai',
        openai: { apiKey: 'sk-test-not-a-real-key', baseURL: mock.openaiBaseURL },
        widths: [320],
        formats: ['jpeg'],
      });
      server = await vite.createServer(devServerConfig(root, plugin, createCapturingLogger()));
      // Note how many images were paid for when each HMR message went out.
      const channel = server.environments?.ssr.hot ?? server.hot;
      if (!channel) throw new Error(`no HMR channel on Vite ${major}`);
      const send = channel.send.bind(channel);
      channel.send = (...args: unknown[]) => {
        hotPaidCalls.push(mock.paidCalls());
        send(...args);
      };
    });
    afterAll(async () => {
      await server?.close();
      await mock?.close();
      await removeDir(root);
    });

    const loadHero = async () =>
      ((await server.ssrLoadModule('/posts/alpha.md?hero')) as { default: HeroImage }).default;

    it('generates an edited prompt in the background and reloads its module', async () => {
      const before = await loadHero();
      expect(before.status).toBe('placeholder');
      expect(mock.paidCalls()).toBe(0);

      const path = join(root, 'posts', 'alpha.md');
      await writeFile(path, (await readFile(path, 'utf8')).replace('A red kite', 'A green kite'));
      await waitFor(() => (mock.paidCalls() >= 1 ? true : undefined), 'the background generation');
      await plugin.api.idle();
      const generated = await waitFor(async () => {
        const hero = await loadHero();
        return hero.status === 'generated' ? hero : undefined;
      }, 'the generated image to reach the ?hero module');
      expect(generated.key).not.toBe(before.key);
      expect(mock.paidCalls()).toBe(1);
      expect(mock.requests.find((r) => r.billed)?.prompt).toContain('A green kite');
      // The module was reloaded after the paid image was stored.
      expect(hotPaidCalls).toContain(1);
    });
  });
});
