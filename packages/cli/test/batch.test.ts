import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMockApi, faults } from '@herogen/mock-api';
import { describe, expect, it } from 'vitest';
import { createProject, runCli, useMockApi } from './helpers.js';

const api = useMockApi({ batch: { validatingMs: 10, processingMs: 60, finalizingMs: 10 } });

const CONFIG = `export default { provider: 'openai', size: '1024x640', quality: 'low', format: 'jpeg' };\n`;

/** A blog of `count` posts; `prompt(i)` is post i's hero prompt. */
async function blog(count: number, prompt = (i: number) => `A lighthouse number ${i} at dusk`) {
  const files: Record<string, string> = { 'herogen.config.mjs': CONFIG };
  for (let i = 0; i < count; i++) {
    files[`src/content/blog/post-${String(i).padStart(3, '0')}.md`] =
      `---\ntitle: Post ${i}\nhero:\n  prompt: ${prompt(i)}\n  alt: Post ${i}\n---\nBody\n`;
  }
  return api.track(await createProject(files));
}

const env = (baseURL = api.mock.openaiBaseURL) => ({
  OPENAI_API_KEY: 'sk-test-cli-batch',
  OPENAI_BASE_URL: baseURL,
});
const originals = async (root: string) =>
  (await readdir(path.join(root, 'src/assets/herogen')).catch(() => [])).filter((f) =>
    f.endsWith('.jpg'),
  );

/** A second checkout: the committed files only (content, config, lock, batches), no caches. */
async function cloneOf(root: string) {
  const clone = api.track(await createProject({}));
  for (const entry of await readdir(root)) {
    if (entry === 'node_modules') continue;
    await cp(path.join(root, entry), path.join(clone.root, entry), { recursive: true });
  }
  return clone;
}

describe('herogen batch', () => {
  it('plan shows the sync and the batch price', async () => {
    const project = await blog(3);
    const { code, stdout } = await runCli(['plan'], { cwd: project.root, env: env() });
    expect(code).toBe(0);
    expect(stdout).toMatch(/estimated ~?\$[\d.]+ sync, ~?\$[\d.]+ batch/);
    const json = JSON.parse(
      (await runCli(['plan', '--json'], { cwd: project.root, env: env() })).stdout,
    );
    expect(json.batchEstimateUsd).toBeCloseTo(json.estimateUsd / 2, 6);
  });

  it('submit on one clone, collect on another: every image stored, no sync call, half price', async () => {
    const project = await blog(12);
    const submitted = await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    expect(submitted.stderr).toBe('');
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toMatch(/submitted batch batch_\w+: 12 images/);
    expect(submitted.stdout).toContain('commit it');
    const sidecar = JSON.parse(await project.read('herogen.batches.json'));
    expect(sidecar.batches).toHaveLength(1);

    const again = await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    expect(again.stdout).toContain('12 images already in open batch');
    const plan = await runCli(['plan'], { cwd: project.root, env: env() });
    expect(plan.stdout).toContain(`pending in batch ${sidecar.batches[0].id}`);
    expect(plan.stdout).toContain('12 images pending in an open batch');

    const clone = await cloneOf(project.root);
    const status = await runCli(['batch', 'status'], { cwd: clone.root, env: env() });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(sidecar.batches[0].id);

    const collected = await runCli(['batch', 'collect', '--wait'], {
      cwd: clone.root,
      env: env(),
    });
    expect(collected.code).toBe(0);
    expect(collected.stdout).toMatch(/12 images stored \(\$[\d.]+\), 0 already stored, 0 failed/);
    expect(await originals(clone.root)).toHaveLength(12);
    expect(api.mock.paidCalls()).toBe(0);
    expect(api.mock.billedBatchLines()).toBe(12);
    // The clone needs nothing more: check passes offline, a second collect stores nothing.
    expect((await runCli(['check'], { cwd: clone.root })).code).toBe(0);
    const second = await runCli(['batch', 'collect'], { cwd: clone.root, env: env() });
    expect(second.stdout).toContain('0 images stored');
    expect(await originals(clone.root)).toHaveLength(12);
  });

  it('reports each failed line with the post file and line, and exits 1', async () => {
    const project = await blog(3, (i) => (i === 1 ? 'A forbidden fruit' : `A pear ${i}`));
    api.mock.setFaults([
      { route: 'openai.batch-line', prompt: 'forbidden', fault: faults.moderationBlocked() },
    ]);
    await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    const collected = await runCli(['batch', 'collect', '--wait'], {
      cwd: project.root,
      env: env(),
    });
    expect(collected.code).toBe(1);
    expect(collected.stdout).toMatch(
      /src\/content\/blog\/post-001\.md:3: batch batch_\w+ gave no image \(HTTP 400, moderation_blocked, request req_\w+\)/,
    );
    expect(collected.stdout).toContain('2 images stored');
    // The failed key is free again: a new submit asks for it alone.
    api.mock.setFaults([]);
    const resubmit = await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    expect(resubmit.stdout).toMatch(
      /submitted batch batch_\w+: 1 image \(\/v1\/images\/generations\)\n/,
    );
  });

  it('heroes with reference images: an edit batch beside the generations one, a gone reference reported by post', async () => {
    const project = await blog(2);
    const sharp = (await import('sharp')).default;
    const png = (background: string) =>
      sharp({ create: { width: 64, height: 48, channels: 3, background } })
        .png()
        .toBuffer();
    await mkdir(path.join(project.root, 'refs'));
    await writeFile(path.join(project.root, 'refs/a.png'), await png('#336699'));
    await writeFile(path.join(project.root, 'refs/b.png'), await png('#993366'));
    const edit = (name: string, refs: string) =>
      project.write(
        `src/content/blog/${name}.md`,
        `---\ntitle: ${name}\nhero:\n  prompt: ${name} with the same lighthouse\n  alt: ${name}\n  references: [${refs}]\n---\nBody\n`,
      );
    await edit('edit-a', 'refs/a.png');
    await edit('edit-ab', 'refs/b.png, refs/a.png');

    const dry = await runCli(['batch', 'submit', '--dry-run'], { cwd: project.root, env: env() });
    expect(dry.stdout).toContain(
      'would submit 4 images (edits: at most 2 reference images to upload)',
    );
    const submitted = await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toMatch(
      /2 reference images for edits: 2 uploaded \([\d.]+ MB, files apart from the batch input\), 0 already uploaded\n/,
    );
    expect(submitted.stdout).toMatch(
      /submitted batch batch_\w+: 2 images \(\/v1\/images\/generations\)/,
    );
    expect(submitted.stdout).toMatch(/submitted batch batch_\w+: 2 images \(\/v1\/images\/edits\)/);
    expect(submitted.stdout).toContain('4 images in 2 batches');

    // b.png's file disappears at OpenAI before the batch runs: only edit-ab's line fails.
    const sidecar = JSON.parse(await project.read('herogen.batches.json'));
    const bSha = createHash('sha256')
      .update(await readFile(path.join(project.root, 'refs/b.png')))
      .digest('hex');
    const b = sidecar.uploads.find((u: { sha256: string }) => u.sha256 === bSha);
    expect(api.mock.deleteFile(b.fileId)).toBe(true);
    const collected = await runCli(['batch', 'collect', '--wait'], {
      cwd: project.root,
      env: env(),
    });
    expect(collected.code).toBe(1);
    expect(collected.stdout).toMatch(
      /src\/content\/blog\/edit-ab\.md:3: batch batch_\w+ gave no image \(HTTP 400, invalid_file_id, request req_\w+\)/,
    );
    expect(collected.stdout).toContain(b.fileId);
    expect(collected.stdout).toContain('3 images stored');
    expect(api.mock.paidCalls()).toBe(0);

    // The resubmit uploads b.png again and reuses a.png.
    const resubmit = await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    expect(resubmit.stdout).toContain('2 reference images for edits: 1 uploaded');
    expect(resubmit.stdout).toContain('1 already uploaded');
    expect(resubmit.stdout).toMatch(/submitted batch batch_\w+: 1 image \(\/v1\/images\/edits\)/);
  });

  it('a batch whose create answer was lost is found by the next command, not submitted again', async () => {
    const project = await blog(3);
    api.mock.setFaults([{ route: 'openai.batches.create', fault: faults.lostResponse() }]);
    const lost = await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    expect(lost.code).not.toBe(0);
    expect(lost.stderr).toContain('it may have been created');
    expect(lost.stderr).toContain('herogen batch status');
    api.mock.setFaults([]);
    const status = await runCli(['batch', 'status'], { cwd: project.root, env: env() });
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(
      /found batch batch_\w+ \(3 images\), created by a submit that stopped before recording it/,
    );
    const again = await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    expect(again.stdout).toContain('3 images already in open batch');
    expect(api.mock.requests.filter((r) => r.route === 'openai.batches.create')).toHaveLength(1);
  });

  it('an expired batch: completed lines stored, the rest reported as free to submit again', async () => {
    const expiring = await createMockApi({
      batch: { validatingMs: 10, processingMs: 400, finalizingMs: 10, windowMs: 210 },
    });
    try {
      const project = await blog(8);
      await runCli(['batch', 'submit'], { cwd: project.root, env: env(expiring.openaiBaseURL) });
      const collected = await runCli(['batch', 'collect', '--wait'], {
        cwd: project.root,
        env: env(expiring.openaiBaseURL),
      });
      expect(collected.stdout).toContain('4 images stored');
      expect(collected.stdout.match(/batch_expired/g)).toHaveLength(4);
      expect(collected.stdout).toContain('`herogen batch submit`');
      expect(await originals(project.root)).toHaveLength(4);
    } finally {
      await expiring.close();
    }
  });

  it('output that can no longer be downloaded is reported as paid, output lost', async () => {
    const forgetful = await createMockApi({
      batch: { validatingMs: 10, processingMs: 40, finalizingMs: 10, outputTtlMs: 1 },
    });
    try {
      const project = await blog(2);
      await runCli(['batch', 'submit'], { cwd: project.root, env: env(forgetful.openaiBaseURL) });
      const collected = await runCli(['batch', 'collect', '--wait'], {
        cwd: project.root,
        env: env(forgetful.openaiBaseURL),
      });
      expect(collected.code).toBe(1);
      expect(collected.stdout).toMatch(
        /paid, output lost: the output file file-\w+ of batch batch_\w+/,
      );
    } finally {
      await forgetful.close();
    }
  });

  it('SIGKILL during collect, then collect again: nothing lost, nothing stored twice', async () => {
    const count = 60;
    const project = await blog(count);
    await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    await runCli(['batch', 'status'], { cwd: project.root, env: env() });
    // Let the batch finish, so the killed collect is busy storing.
    for (let i = 0; i < 500; i++) {
      const { stdout } = await runCli(['batch', 'status', '--json'], {
        cwd: project.root,
        env: env(),
      });
      if (JSON.parse(stdout)[0]?.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'batch', 'collect'], {
      cwd: project.root,
      env: { PATH: process.env.PATH ?? '', ...env() },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill it as soon as some originals are on disk.
    for (let i = 0; i < 2000; i++) {
      if ((await originals(project.root)).length >= 3) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    const before = (await originals(project.root)).length;
    expect(before).toBeLessThan(count);

    const again = await runCli(['batch', 'collect'], { cwd: project.root, env: env() });
    expect(again.code).toBe(0);
    expect(await originals(project.root)).toHaveLength(count);
    const lock = JSON.parse(await readFile(path.join(project.root, 'herogen.lock.json'), 'utf8'));
    expect(Object.keys(lock.images)).toHaveLength(count);
    expect(lock.spent ?? []).toEqual([]);
    // Each line was billed once, and stored once.
    expect(api.mock.billedBatchLines()).toBe(count);
    const third = await runCli(['batch', 'collect'], { cwd: project.root, env: env() });
    expect(third.stdout).toContain('0 images stored');
  });
});

describe('herogen generate while a batch is open', () => {
  it('pays nothing for the covered heroes unless --no-wait-batch', async () => {
    const project = await blog(2);
    await runCli(['batch', 'submit'], { cwd: project.root, env: env() });
    const waiting = await runCli(['generate'], { cwd: project.root, env: env() });
    expect(waiting.code).toBe(0);
    expect(waiting.stderr).toMatch(/2 images pending in batch batch_\w+/);
    expect(waiting.stdout).toContain('0 generated, 2 placeholders');
    expect(api.mock.paidCalls()).toBe(0);

    const paying = await runCli(['generate', '--no-wait-batch'], {
      cwd: project.root,
      env: env(),
    });
    expect(paying.code).toBe(0);
    expect(paying.stdout).toContain('2 generated');
    expect(api.mock.paidCalls()).toBe(2);
  });
});
