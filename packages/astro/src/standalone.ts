import { createHerogen, type Logger } from '@herogen/core';
import { toAstroError } from './errors.js';
import { createProjectState } from './project-state.js';
import { findProject, type ProjectState, registerProject } from './registry.js';

const pending = new Map<string, Promise<ProjectState>>();

/**
 * A loader used without the `herogen()` integration still works: it binds its own session and
 * generates images as entries ask for them (without the build-wide summary).
 */
export function createStandaloneProject(root: string, logger: Logger): Promise<ProjectState> {
  let project = pending.get(root);
  if (!project) {
    project = (async () => {
      logger.warn(
        'add herogen() to `integrations` in astro.config to generate every hero before content sync',
      );
      // No herogen() in astro.config (it would have registered the project): nothing to read there.
      const session = await createHerogen({ root, logger, siteConfig: false }).catch(
        (error: unknown) => {
          throw toAstroError(error);
        },
      );
      const state = findProject(root) ?? createProjectState({ session, logger, mode: 'build' });
      registerProject(root, state);
      return state;
    })();
    pending.set(root, project);
  }
  return project;
}
