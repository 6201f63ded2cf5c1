import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject } from './helpers.js';

// The built command, run as a user runs it: output as a real process writes it.
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const post = (prompt: string) => `---\ntitle: T\nhero:\n  prompt: ${prompt}\n  alt: A\n---\n`;

function herogen(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', CI: 'true', ...env } },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

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
