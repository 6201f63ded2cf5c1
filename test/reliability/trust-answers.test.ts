/**
 * Trust boundaries of what comes in from outside: API answers (a key echoed back, terminal
 * escapes), content files (invalid UTF-8, file names that could forge output lines) and the
 * settings that say where to send requests (root, base URLs). Real CLI processes against the
 * mock API over HTTP.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, type Project, spawnHerogen } from './support/harness.js';

const KEY = 'sk-test-TRUST-answers-4d9e1c0b7a';

let mock: MockApi;
const projects: Project[] = [];

beforeAll(async () => {
  mock = await createMockApi({ taskDurationMs: 150 });
});

afterAll(async () => {
  await mock?.close();
  await Promise.all(projects.map((project) => project.cleanup()));
});

async function project(config: Record<string, unknown> = {}, images = 1): Promise<Project> {
  const created = await createProject({ images, config });
  projects.push(created);
  return created;
}

function run(p: Project, args: string[], env: Record<string, string> = {}) {
  return spawnHerogen(args, {
    cwd: p.root,
    env: {
      OPENAI_API_KEY: KEY,
      HIAPI_API_KEY: KEY,
      OPENAI_BASE_URL: mock.openaiBaseURL,
      HIAPI_BASE_URL: mock.hiapiBaseURL,
      ...env,
    },
  }).result;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('settings that say where herogen works and calls', () => {
  it('a --root that does not exist is a usage error naming the path (exit 2), not a bug', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'herogen-trust-'));
    try {
      const missing = path.join(parent, 'no-such-project');
      const result = await spawnHerogen(['plan', '--root', missing], { cwd: parent }).result;
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`the project root ${missing} does not exist`);
      expect(result.stderr).not.toMatch(/bug in herogen|ENOENT|realpath/);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it.each([
    { variable: 'OPENAI_BASE_URL', provider: 'openai', value: 'http://[::1:x]/v1' },
    { variable: 'HIAPI_BASE_URL', provider: 'hiapi', value: 'http://[::1:x]' },
  ])(
    'a malformed $variable is a configuration error reported once, before any call',
    async ({ variable, provider, value }) => {
      const p = await project({ provider }, 2);
      const before = mock.requests.length;
      const result = await run(p, ['generate'], { [variable]: value });
      const output = result.stdout + result.stderr;
      expect(result.code).toBe(2);
      expect(count(output, variable)).toBe(1);
      expect(output).not.toMatch(/billed|retry|bug in herogen/);
      expect(mock.requests.length).toBe(before);
    },
  );
});

describe('content files', () => {
  it('a prompt that is not valid UTF-8 is refused with file, line and field before any call', async () => {
    const p = await project({}, 1);
    const bad = path.join(p.root, 'src/content/cafe.md');
    await writeFile(
      bad,
      Buffer.concat([
        Buffer.from('---\ntitle: Cafe\nhero:\n  prompt: "A caf'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(' with '),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"\n  alt: x\n---\n'),
      ]),
    );
    // Old enough for the scan cache to keep it, were it ever taken for clean.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(bad, hourAgo, hourAgo);
    const before = mock.requests.length;
    for (const args of [['plan'], ['generate'], ['generate']]) {
      const result = await run(p, args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('src/content/cafe.md:4 (hero.prompt)');
      expect(result.stderr).toContain('not valid UTF-8');
    }
    expect(mock.requests.length).toBe(before);
  });
});
