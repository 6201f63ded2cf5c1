/**
 * Trust boundaries of what comes in from outside: API answers (a key echoed back, terminal
 * escapes), content files (invalid UTF-8, file names that could forge output lines) and the
 * settings that say where to send requests (root, base URLs). Real CLI processes against the
 * mock API over HTTP.
 */
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMockApi, faults, type MockApi } from '@herogen/mock-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, type Project, spawnHerogen, walk } from './support/harness.js';

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
      HEROGEN_DEBUG: '1',
      ...env,
    },
  }).result;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
/** ESC, BEL, C1 controls (CSI included) and bare carriage returns: nothing a terminal obeys. */
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const lockOf = async (p: Project) => JSON.parse(await readFile(p.lockPath, 'utf8'));
/** Every file of the project, as text, keyed by its root-relative path. */
async function projectFiles(p: Project): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const file of await walk(p.root)) {
    files.set(path.relative(p.root, file), (await readFile(file)).toString('latin1'));
  }
  return files;
}

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

describe('answers that echo the key are stored and shown without it', () => {
  it.each([
    { provider: 'openai', route: 'openai.generations', fields: ['requestId', 'revisedPrompt'] },
    { provider: 'hiapi', route: 'hiapi.create', fields: ['requestId', 'taskId'] },
  ] as const)('$provider: a 200 carrying `Bearer <key>`', async ({ provider, route, fields }) => {
    const p = await project({ provider, ...(provider === 'hiapi' ? { aspect: '16:9' } : {}) });
    mock.setFaults([{ route, prompt: p.prompts[0]!, fault: faults.echoKey() }]);
    try {
      const outputs: string[] = [];
      for (const args of [['generate'], ['report'], ['report', '--json'], ['check']]) {
        const result = await run(p, args);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        outputs.push(result.stdout, result.stderr);
      }
      const echoed = mock.requests.filter((r) => r.fault === 'echoKey' && r.route === route);
      expect(echoed.length).toBe(1);
      expect(echoed[0]!.requestId).toContain(KEY);
      // The echoed fields are kept, without the key.
      const [entry] = Object.values((await lockOf(p)).images) as Record<string, string>[];
      for (const field of fields) expect(entry![field]).toContain('[redacted]');
      for (const text of outputs) expect(text).not.toContain(KEY);
      for (const [file, text] of await projectFiles(p)) {
        expect(text.includes(KEY), `the key is in ${file}`).toBe(false);
      }
    } finally {
      mock.setFaults([]);
    }
  });
});

describe('terminal escapes and forged lines', () => {
  const ESCAPES = 'clear \u001b[2J title \u001b]0;pwned\u0007 csi \u009b31m bell \u0007 end';

  it('an API error text with escape sequences is printed and stored without them', async () => {
    const p = await project({}, 1);
    const q = await project({ provider: 'hiapi', aspect: '16:9' }, 1);
    mock.setFaults([
      {
        route: 'openai.generations',
        prompt: p.prompts[0]!,
        fault: { type: 'status', status: 400, code: 'bad_request', message: ESCAPES },
      },
      { route: 'hiapi.create', prompt: q.prompts[0]!, fault: faults.taskFail('BAD', ESCAPES) },
    ]);
    try {
      for (const target of [p, q]) {
        const result = await run(target, ['generate']);
        expect(result.code).toBe(1);
        const output = result.stdout + result.stderr;
        expect(output).toContain('clear');
        expect(output).toContain('end');
        expect(output).not.toMatch(TERMINAL_CONTROL);
        const [entry] = Object.values((await lockOf(target)).images) as Record<string, string>[];
        expect(entry!.placeholderReason).toContain('clear');
        expect(entry!.placeholderReason).not.toMatch(TERMINAL_CONTROL);
        const check = await run(target, ['check']);
        expect(check.stdout + check.stderr).not.toMatch(TERMINAL_CONTROL);
      }
    } finally {
      mock.setFaults([]);
    }
  });

  it('a content file name with a line break and escapes is printed quoted, never as its own line', async () => {
    const p = await project({}, 0);
    const name = 'src/content/evil\nfailed    forged.md: \u001b[31mred.md';
    await p.write(name, '---\ntitle: Evil\nhero:\n  prompt: "A forged line"\n  alt: x\n---\n');
    for (const args of [['plan'], ['generate'], ['regenerate', name]]) {
      const result = await run(p, args);
      const output = result.stdout + result.stderr;
      expect(output, args.join(' ')).toContain(JSON.stringify(name));
      expect(output).not.toMatch(/^failed {4}forged/m);
      expect(output).not.toMatch(TERMINAL_CONTROL);
    }
  });
});
