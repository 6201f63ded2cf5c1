import type { ViteDevServer } from 'vite';

/** The part of a module graph (Vite 6+ environment, or Vite 5's one graph) a reload needs. */
export interface ReloadableGraph<M> {
  getModuleById(id: string): M | undefined;
  invalidateModule(module: M): void;
}

/**
 * Reload the modules with these ids in every environment (Vite 5: its one module graph), and
 * push the update to the browsers. Each module is first invalidated the way Vite's watcher
 * invalidates a changed file: a load already running when the change happened is then not kept
 * as the module's result (an HMR update alone would keep it, and serve stale heroes until the
 * next change).
 */
export async function reloadModules(server: ViteDevServer, ids: string[]): Promise<void> {
  const legacy = server as Partial<Pick<ViteDevServer, 'environments'>>;
  if (!legacy.environments) {
    for (const id of ids) {
      const module = reloadable(server.moduleGraph, id);
      if (module) await server.reloadModule(module);
    }
    return;
  }
  for (const environment of Object.values(server.environments)) {
    for (const id of ids) {
      const module = reloadable(environment.moduleGraph, id);
      if (module) await environment.reloadModule(module);
    }
  }
}

/** The module with this id, invalidated so a load that started before now is not cached. */
export function reloadable<M>(graph: ReloadableGraph<M>, id: string): M | undefined {
  const module = graph.getModuleById(id);
  if (module) graph.invalidateModule(module);
  return module;
}
