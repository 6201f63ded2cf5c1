import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_SIZE_NOTE_FROM } from '../src/output/plan-notes.js';
import { MAX_CACHED_ROWS } from '../src/output/plan-rows.js';
import { createProject, runBin, runCli } from './helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const post = (n: number) =>
  `---\ntitle: Post ${n}\nhero:\n  prompt: Harbour number ${n} at dawn\n  alt: Harbour ${n}\n---\n`;

/** A blog of `count` posts, every hero already stored (offline art, no key: cached). */
async function generatedBlog(count: number) {
  const files: Record<string, string> = {};
  for (let n = 1; n <= count; n++) files[`src/content/blog/post-${n}.md`] = post(n);
  const project = await createProject(files);
  const generated = await runCli(['generate'], { cwd: project.root });
  expect(generated.code).toBe(0);
  return project;
}

/** The table rows of `herogen plan` output (lines naming a content file). */
const rowsOf = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('src/'));

describe('herogen plan output on a bigger site', () => {
  // One site for both tests (generating it is the slow part): the second one changes it.
  const cachedCount = MAX_CACHED_ROWS + 3;
  let project: Awaited<ReturnType<typeof generatedBlog>>;
  beforeAll(async () => {
    project = await generatedBlog(cachedCount);
  });
  afterAll(() => project.cleanup());

  it('prints no table when everything is cached, only the count and the total', async () => {
    const plan = await runCli(['plan'], { cwd: project.root });
    expect(plan.code).toBe(0);
    expect(rowsOf(plan.stdout)).toHaveLength(0);
    expect(plan.stdout).not.toMatch(/^file\s+status/m);
    expect(plan.stdout).toContain(`${cachedCount} cached images not listed`);
    expect(plan.stdout).toContain(`${cachedCount} cached, 0 to generate`);
  });

  it('lists what needs action, counts the cached images, and lists everything with --all', async () => {
    // One new post (missing) and one stored original damaged (corrupt).
    await project.write('src/content/blog/new.md', post(999));
    const lock = JSON.parse(await project.read('herogen.lock.json'));
    const entry = Object.values(lock.images)[0] as { file: string };
    await writeFile(path.join(project.root, entry.file), 'not the image');

    const plan = await runCli(['plan'], { cwd: project.root });
    expect(plan.code).toBe(0);
    const rows = rowsOf(plan.stdout);
    expect(rows).toHaveLength(2);
    expect(rows.find((row) => row.startsWith('src/content/blog/new.md'))).toMatch(/\bmissing\b/);
    expect(rows.filter((row) => /\bcorrupt\b/.test(row))).toHaveLength(1);
    expect(plan.stdout).toContain(`${cachedCount - 1} cached images not listed (--all lists them)`);
    expect(plan.stdout).toContain(
      `${cachedCount + 1} images from ${cachedCount + 1} files: ${cachedCount - 1} cached, 2 to generate`,
    );
    expect(plan.stdout).toMatch(/^file\s+status\s+provider/m);

    const all = await runCli(['plan', '--all'], { cwd: project.root });
    expect(all.code).toBe(0);
    expect(rowsOf(all.stdout)).toHaveLength(cachedCount + 1);
    expect(rowsOf(all.stdout).filter((row) => /\bcached\b/.test(row))).toHaveLength(
      cachedCount - 1,
    );
    expect(all.stdout).not.toContain('not listed');

    // --json is complete whatever the table shows.
    const json = JSON.parse((await runCli(['plan', '--json'], { cwd: project.root })).stdout);
    expect(json.jobs).toHaveLength(cachedCount + 1);
    expect(json.jobs.filter((job: { status: string }) => job.status === 'cached')).toHaveLength(
      cachedCount - 1,
    );
  });
});

describe('herogen plan output on a small site', () => {
  it('still lists the cached images of a small site', async () => {
    const project = await generatedBlog(3);
    cleanup = project.cleanup;
    await project.write('src/content/blog/new.md', post(999));
    const plan = await runCli(['plan'], { cwd: project.root });
    const rows = rowsOf(plan.stdout);
    expect(rows).toHaveLength(4);
    expect(rows.filter((row) => /\bcached\b/.test(row))).toHaveLength(3);
    expect(plan.stdout).not.toContain('not listed');
  });
});

describe('herogen plan flags a model its provider does not list', () => {
  // `plan` never calls the API, so these keys only pick the provider.
  const env = { OPENAI_API_KEY: 'sk-test-PLAN-MODEL-0000', HIAPI_API_KEY: 'hk-test-PLAN-MODEL' };
  const site = (config: string) =>
    createProject({ 'herogen.config.mjs': config, 'src/content/blog/a.md': post(1) });

  it('names the typo, says it will be sent as is, and suggests the model meant', async () => {
    const project = await site(`export default { provider: 'openai', model: 'gpt-imgae-2' };\n`);
    cleanup = project.cleanup;
    const plan = await runBin(['plan'], { cwd: project.root, env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      'warning: model "gpt-imgae-2" is not a known model for openai; it will be sent as is; did you mean "gpt-image-2"?',
    );
    expect(plan.stdout).toContain('gpt-image-2.6-sunburst');
    const json = JSON.parse((await runBin(['plan', '--json'], { cwd: project.root, env })).stdout);
    expect(json.warnings).toHaveLength(1);
    expect(json.warnings[0]).toContain('"gpt-imgae-2" is not a known model for openai');
  });

  it('knows each provider’s own models: a hiapi-only model is unknown to openai and known to hiapi', async () => {
    const project = await site(
      `export default { provider: 'openai', model: 'gpt-image-2-pro' };\n`,
    );
    cleanup = project.cleanup;
    const openai = await runBin(['plan'], { cwd: project.root, env });
    expect(openai.stdout).toContain('model "gpt-image-2-pro" is not a known model for openai');
    await project.write(
      'herogen.config.mjs',
      `export default { provider: 'hiapi', model: 'gpt-image-2-pro' };\n`,
    );
    const hiapi = await runBin(['plan'], { cwd: project.root, env });
    expect(hiapi.code).toBe(0);
    expect(hiapi.stdout).not.toContain('not a known model');
  });

  it('says nothing for known models, dated snapshots, and far-off names get no suggestion', async () => {
    const project = await site(
      `export default { provider: 'openai', model: 'gpt-image-2.6-flare-2026-11-01' };\n`,
    );
    cleanup = project.cleanup;
    expect((await runBin(['plan'], { cwd: project.root, env })).stdout).not.toContain(
      'not a known model',
    );
    await project.write(
      'herogen.config.mjs',
      `export default { provider: 'openai', model: 'my-finetune' };\n`,
    );
    const plan = await runBin(['plan'], { cwd: project.root, env });
    expect(plan.stdout).toContain(
      'model "my-finetune" is not a known model for openai; it will be sent as is (known:',
    );
    expect(plan.stdout).not.toContain('did you mean');
  });
});

describe('herogen plan says what new originals will weigh in the repository', () => {
  const env = { OPENAI_API_KEY: 'sk-test-PLAN-SIZE-0000' };
  const blog = async (count: number, config: string) => {
    const files: Record<string, string> = { 'herogen.config.mjs': config };
    for (let n = 1; n <= count; n++) files[`src/content/blog/post-${n}.md`] = post(n);
    const project = await createProject(files);
    cleanup = project.cleanup;
    return project;
  };

  it('notes the PNG size and the WebP alternative from 100 new paid originals on', async () => {
    const project = await blog(REPO_SIZE_NOTE_FROM, `export default { provider: 'openai' };\n`);
    const plan = await runBin(['plan'], { cwd: project.root, env });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      `note: ${REPO_SIZE_NOTE_FROM} new PNG originals will add about 262.0 MB to the repository; with \`format: 'webp'\` about 26.0 MB`,
    );
  });

  it('says nothing below 100, for WebP, or for offline art', async () => {
    const few = await blog(REPO_SIZE_NOTE_FROM - 1, `export default { provider: 'openai' };\n`);
    expect((await runBin(['plan'], { cwd: few.root, env })).stdout).not.toContain('note:');
    await few.cleanup();
    const webp = await blog(
      REPO_SIZE_NOTE_FROM,
      `export default { provider: 'openai', format: 'webp' };\n`,
    );
    expect((await runBin(['plan'], { cwd: webp.root, env })).stdout).not.toContain('note:');
    await webp.cleanup();
    const offline = await blog(REPO_SIZE_NOTE_FROM, `export default { provider: 'local' };\n`);
    expect((await runBin(['plan'], { cwd: offline.root, env: {} })).stdout).not.toContain('note:');
  });
});
