import { afterEach, describe, expect, it } from 'vitest';
import { createProject, runBin } from './helpers.js';

const post = (prompt: string) => `---\ntitle: T\nhero:\n  prompt: ${prompt}\n  alt: A\n---\n`;
const herogen = (args: string[], cwd: string) => runBin(args, { cwd });

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('counts in messages agree with their nouns', () => {
  it('one post without a key: "1 image gets", "1 placeholder", "1 image from 1 file"', async () => {
    const project = await createProject({ 'src/content/one.md': post('A lighthouse at dusk') });
    cleanup = project.cleanup;
    const plan = await herogen(['plan'], project.root);
    expect(plan.stdout).toContain('1 image from 1 file:');
    const run = await herogen(['generate'], project.root);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('1 image gets offline placeholder art');
    expect(run.stdout).toContain('1 placeholder,');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\b1 (images|placeholders|files)\b/);
  });
});
