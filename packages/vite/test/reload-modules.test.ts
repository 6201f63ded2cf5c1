import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import { reloadable, reloadModules } from '../src/reload-modules.js';

// A real Vite dev server with a virtual module, loaded once, whose second load is held open: the
// heroes change while it runs (a generation finished, a prompt was saved) and the reload comes
// before it ends. What that load read is stale; the next request must load the module again.

const ID = 'virtual:gated';
const RESOLVED = `\0${ID}`;

interface Gated {
  server: ViteDevServer;
  loads(): number;
  /** Resolves once the second load is running; call the result to let it return `code`. */
  heldLoad: Promise<(code: string) => void>;
}

let servers: ViteDevServer[] = [];
let roots: string[] = [];

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  servers = [];
  roots = [];
});

async function gatedServer(): Promise<Gated> {
  let loads = 0;
  let opened!: (release: (code: string) => void) => void;
  const heldLoad = new Promise<(code: string) => void>((resolve) => {
    opened = resolve;
  });
  const plugin: Plugin = {
    name: 'gated-virtual-module',
    resolveId: (id) => (id === ID ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return undefined;
      loads += 1;
      if (loads === 2) return new Promise<string>((resolve) => opened(resolve));
      return `export default ${JSON.stringify(`load ${loads}`)};`;
    },
  };
  const root = await mkdtemp(join(tmpdir(), 'herogen-reload-'));
  roots.push(root);
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    server: { ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
    plugins: [plugin],
  });
  servers.push(server);
  return { server, loads: () => loads, heldLoad };
}

describe('reloading a module while a load of it is running', () => {
  const ways = {
    'reloadModules (a generation or a review finished)': (server: ViteDevServer) =>
      reloadModules(server, [RESOLVED]),
    'reloadable (a content file was saved; Vite sends the update)': async (
      server: ViteDevServer,
    ) => {
      expect(reloadable(server.environments.client.moduleGraph, RESOLVED)).toBeDefined();
    },
  };

  it.each(Object.entries(ways))('%s: the next request loads it again', async (_, reload) => {
    const { server, loads, heldLoad } = await gatedServer();
    const client = server.environments.client;
    expect((await client.transformRequest(ID))?.code).toContain('load 1');
    // A first change is shown; the request it brings is still loading when a second one comes.
    const graph = client.moduleGraph;
    graph.invalidateModule(graph.getModuleById(RESOLVED)!);
    const held = client.transformRequest(ID);
    const release = await heldLoad;

    await reload(server);
    release('export default "read before the change";');
    expect((await held)?.code).toContain('read before the change');

    expect((await client.transformRequest(ID))?.code).toContain('load 3');
    // Loaded after the change, the result is kept: the next request does not load again.
    expect((await client.transformRequest(ID))?.code).toContain('load 3');
    expect(loads()).toBe(3);
  });

  it('ids missing from the graph are skipped', async () => {
    const { server, loads } = await gatedServer();
    await reloadModules(server, ['\0virtual:never-loaded']);
    expect(reloadable(server.environments.client.moduleGraph, RESOLVED)).toBeUndefined();
    expect(loads()).toBe(0);
  });
});
