import type { AddressInfo } from 'node:net';
import { type HerogenViteOptions, herogen } from '@herogen/vite';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, removeDir } from './fixtures/vite-support/harness.js';

// Where the Vite review page answers: never from a dev server listening beyond this machine
// unless allowed, and not at all with `review: false`. (What it does: vite-review-browser.)
describe('the Vite review page, by how the dev server listens', () => {
  let root: string;
  const servers: ViteDevServer[] = [];

  beforeAll(async () => {
    root = await copyFixture('vite-basic');
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await removeDir(root);
  });

  async function start(host: string, review?: HerogenViteOptions['review']): Promise<string> {
    const server = await createServer({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [herogen({ provider: 'local', ...(review !== undefined ? { review } : {}) })],
      server: { host, port: 0 },
    });
    servers.push(server);
    await server.listen();
    return `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}`;
  }

  it('is refused on 0.0.0.0 (--host), page and API, and served when allowed', async () => {
    const exposed = await start('0.0.0.0');
    const page = await fetch(`${exposed}/@herogen/`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('listens on 0.0.0.0');
    const api = await fetch(`${exposed}/__herogen/review/heroes`);
    expect(api.status).toBe(403);

    const allowed = await start('0.0.0.0', { allowNonLoopback: true });
    const served = await fetch(`${allowed}/@herogen/`);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('herogen review');
  });

  it('is not there with review: false', async () => {
    const off = await start('127.0.0.1', false);
    const page = await fetch(`${off}/@herogen/`);
    expect(page.status).not.toBe(200);
    expect(await page.text()).not.toContain('herogen review');
    expect((await fetch(`${off}/__herogen/review/heroes`)).status).not.toBe(403);
  });
});
