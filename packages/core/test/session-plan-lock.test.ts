import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import { createHerogen } from '../src/session.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

// plan() starts reading the lock before it scans the content and parses it after: what it
// reports, and in which order, is as when the lock was read after the scan.
let project: TempProject;
beforeEach(async () => {
  project = await createTempProject('herogen-plan-lock-');
});
afterEach(async () => {
  await project.cleanup();
});

const post = '---\ntitle: Post\nhero:\n  prompt: A lighthouse at dusk\n  alt: A lighthouse\n---\n';
const session = () => createHerogen({ root: project.root, configFile: false, env: {} });
const plan = async () => (await session()).plan();
/** A session opened first, then the lock made unreadable (a folder in its place). */
async function planUnreadableLock() {
  const opened = await session();
  await mkdir(join(project.root, 'herogen.lock.json'));
  return opened.plan();
}
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (HerogenError.is(error) ? error.code : String(error)),
  );

describe('session.plan and the lock', () => {
  it('plans against a missing lock as an empty one', async () => {
    await project.write('src/content/blog/post.md', post);
    const result = await plan();
    expect(result.jobs.map((job) => job.status)).toEqual(['missing']);
  });

  it('reports an unreadable lock (LOCK_IO) and a damaged one (LOCK_INVALID)', async () => {
    await project.write('src/content/blog/post.md', post);
    await project.write('herogen.lock.json', '{"version": 1, "images": {"zz": {}}}');
    expect(await codeOf(plan())).toBe('LOCK_INVALID');
    await rm(join(project.root, 'herogen.lock.json'));
    expect(await codeOf(planUnreadableLock())).toBe('LOCK_IO');
  });

  it('reports content errors first, and an unreadable lock read meanwhile is not left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await project.write('src/content/blog/post.md', '---\nhero: [unclosed\n---\n');
      expect(await codeOf(planUnreadableLock())).toBe('CONTENT_INVALID');
      await new Promise((done) => setTimeout(done, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
