import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type FaultRule, faults, type MockApi } from '@herogen/mock-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, copySite } from '../fixtures/astro-support/harness.js';
import { buildFixture, copyFixture, removeDir } from '../fixtures/vite-support/harness.js';
import {
  createProject,
  markdownTable,
  type Project,
  recordFigures,
  spawnHerogen,
  walk,
} from './support/harness.js';

// Recognisable fake secrets. Each must appear nowhere herogen writes or prints.
const OPENAI_KEY = 'sk-test-HEROGEN-SECRET-openai-7f3a9c21e5d4';
const HIAPI_KEY = 'hk-HEROGEN-SECRET-hiapi-0b8e6d2c9a17';
const PROXY_PASSWORD = 'HEROGEN-SECRET-proxy-55aa90';
const SECRETS = [OPENAI_KEY, HIAPI_KEY, PROXY_PASSWORD];
/** Distinctive pieces too, so a half-redacted or truncated key is also caught. */
const NEEDLES = [...SECRETS, 'SECRET-openai-7f3a', 'SECRET-hiapi-0b8e', 'SECRET-proxy-55aa'];

interface Scanned {
  where: string;
  text: string;
}

const scanned: Scanned[] = [];
const leaks: string[] = [];
const commands: { command: string; exit: number | null }[] = [];

function scan(where: string, text: string) {
  scanned.push({ where, text });
  for (const needle of NEEDLES) if (text.includes(needle)) leaks.push(`${needle} in ${where}`);
}

/** Every file under `root` except those the test itself wrote with a secret in them. */
async function scanTree(label: string, root: string, except: string[] = []) {
  for (const file of await walk(root)) {
    if (except.includes(file)) continue;
    scan(`${label}/${path.relative(root, file)}`, (await readFile(file)).toString('latin1'));
  }
}

let mock: MockApi;
let project: Project;

/** Faults whose answers echo the secrets back, as a misbehaving proxy or API might. */
const ECHOING_FAULTS: FaultRule[] = [
  {
    route: 'openai.generations',
    prompt: 'kite',
    times: 1,
    fault: {
      type: 'status',
      status: 401,
      code: 'invalid_api_key',
      message: `Incorrect API key provided: ${OPENAI_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    },
  },
  {
    route: 'openai.generations',
    prompt: 'fox',
    times: 1,
    fault: {
      type: 'status',
      status: 400,
      code: 'bad_request',
      message: `proxy rejected request with headers {"authorization":"Bearer ${OPENAI_KEY}"}`,
    },
  },
  {
    route: 'openai.generations',
    prompt: 'boat',
    times: 1,
    fault: {
      type: 'status',
      status: 503,
      message: `overloaded (api_key=${OPENAI_KEY})`,
      headers: { 'x-debug-key': OPENAI_KEY },
    },
  },
  // Successful answers too: the key in `x-request-id`, a revised prompt, a hiapi task id.
  { route: 'openai.generations', prompt: 'lamp', fault: faults.echoKey() },
  { route: 'hiapi.create', prompt: 'bridge', fault: faults.echoKey() },
  {
    route: 'hiapi.create',
    prompt: 'tower',
    times: 1,
    fault: {
      type: 'status',
      status: 503,
      hiapi: { message: `service busy for key ${HIAPI_KEY}`, errorCode: 'SERVICE_UNAVAILABLE' },
    },
  },
];

beforeAll(async () => {
  mock = await createMockApi({ taskDurationMs: 150, faults: ECHOING_FAULTS });
  project = await createProject({ images: 0 });
  const posts: Record<string, string> = {
    'kite.md': 'prompt: "A red kite over green hills"',
    'boat.md': 'prompt: "A blue boat on a calm lake"',
    'fox.md': 'prompt: "A fox in the snow"',
    'tower.md': 'prompt: "A clock tower at noon"\n  provider: hiapi\n  aspect: "16:9"',
    'lamp.md': 'prompt: "A brass lamp on a desk"',
    'bridge.md': 'prompt: "A stone bridge in fog"\n  provider: hiapi\n  aspect: "16:9"',
  };
  for (const [file, fields] of Object.entries(posts)) {
    await project.write(
      `src/content/${file}`,
      `---\ntitle: ${file}\nhero:\n  ${fields}\n  alt: x\n---\n`,
    );
  }
});

afterAll(async () => {
  await mock?.close();
  await project?.cleanup();
});

const env = (extra: Record<string, string> = {}) => ({
  OPENAI_API_KEY: OPENAI_KEY,
  HIAPI_API_KEY: HIAPI_KEY,
  OPENAI_BASE_URL: mock.openaiBaseURL,
  HIAPI_BASE_URL: mock.hiapiBaseURL,
  // Debug lines too: retries and request details go there.
  HEROGEN_DEBUG: '1',
  ...extra,
});

async function cli(args: string[], extra: Record<string, string> = {}) {
  const result = await spawnHerogen(args, { cwd: project.root, env: env(extra) }).result;
  const command = `herogen ${args.join(' ')}${Object.keys(extra).length ? ` (${Object.keys(extra).join(', ')} changed)` : ''}`;
  commands.push({ command, exit: result.code });
  scan(`${command}: stdout`, result.stdout);
  scan(`${command}: stderr`, result.stderr);
  return result;
}

describe('secrets never leave the process: every command, failure paths, builds', () => {
  it('CLI: plan, generate (with answers that echo the key), check, verify, report, review commands', async () => {
    await cli(['plan']);
    await cli(['plan', '--json']);
    const first = await cli(['generate']);
    // 401 and the proxy's 400 are final: two stand-ins; the 503s were retried.
    expect(first.code).toBe(1);
    // The answers that echoed the key were stored, with it redacted.
    const lock = JSON.parse(await readFile(project.lockPath, 'utf8'));
    const stored = Object.values(lock.images) as Record<string, string>[];
    const lamp = stored.find((entry) => entry.prompt?.includes('brass lamp'));
    const bridge = stored.find((entry) => entry.prompt?.includes('stone bridge'));
    expect(lamp?.revisedPrompt).toContain('[redacted]');
    expect(lamp?.requestId).toContain('[redacted]');
    expect(bridge?.taskId).toContain('[redacted]');
    expect(mock.requests.filter((r) => r.fault === 'echoKey').length).toBe(2);
    const second = await cli(['generate', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).generated).toBe(2);
    await cli(['check']);
    await cli(['check', '--json']);
    await cli(['verify']);
    await cli(['verify', '--json']);
    expect((await cli(['report'])).code).toBe(0);
    await cli(['report', '--json']);
    expect((await cli(['regenerate', 'src/content/boat.md'])).code).toBe(0);
    await cli(['variants', 'src/content/kite.md', '-n', '2']);
    await cli(['pick', 'src/content/kite.md', '1']);
    await cli(['prune']);
    await cli(['prune', '--yes', '--history', '--variants']);
    await cli(['generate', '--frozen']);
    expect(mock.paidCalls()).toBeGreaterThan(0);
  });

  it('CLI failure paths: budget refusal, unreachable proxy with a password, key pasted into the wrong variable, invalid config holding the key', async () => {
    await project.write(
      'src/content/new.md',
      '---\ntitle: new\nhero:\n  prompt: "A new lighthouse"\n  alt: x\n---\n',
    );
    expect((await cli(['generate', '--budget', '0'])).code).toBe(3);
    await cli(['generate'], {
      OPENAI_BASE_URL: `http://proxyuser:${PROXY_PASSWORD}@127.0.0.1:9/v1`,
    });
    await cli(['generate'], { OPENAI_BASE_URL: OPENAI_KEY });
    await cli(['generate'], { OPENAI_API_KEY: `Bearer ${OPENAI_KEY}` });
    const secretConfig = path.join(project.root, 'secret.config.json');
    await writeFile(
      secretConfig,
      JSON.stringify({ provider: 'openai', openai: { apiKey: OPENAI_KEY, baseURL: 'nope' } }),
    );
    const invalid = await cli(['plan', '--config', 'secret.config.json']);
    expect(invalid.code).toBe(2);
    await rm(secretConfig);
    await rm(path.join(project.root, 'src/content/new.md'));
    // Every file herogen wrote: lock, originals, history, candidates, report, journal, caches.
    await scanTree('project', project.root);
  });

  it('astro build: logs, dist/ and every project file', async () => {
    const root = await copySite('astro-basic');
    try {
      const { output, error } = await buildSite(root, {
        herogen: {
          env: { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: mock.openaiBaseURL },
        },
      });
      expect(error).toBeUndefined();
      commands.push({ command: 'astro build (astro-basic)', exit: 0 });
      scan('astro build: output', output);
      await scanTree('astro-basic', root);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('vite build: logs, dist/ and every project file', async () => {
    const root = await copyFixture('vite-basic');
    const saved = { ...process.env };
    try {
      await writeFile(
        path.join(root, 'herogen.config.json'),
        JSON.stringify({ content: 'posts/*.md', provider: 'openai', size: '1024x640' }),
      );
      process.env.OPENAI_API_KEY = OPENAI_KEY;
      process.env.OPENAI_BASE_URL = mock.openaiBaseURL;
      const built = await buildFixture(root, { widths: [320] });
      commands.push({ command: 'vite build (vite-basic)', exit: 0 });
      scan('vite build: output', built.lines.join('\n'));
      await scanTree('vite-basic', root);
    } finally {
      process.env = saved;
      await removeDir(root);
    }
  });

  afterAll(async () => {
    console.log(
      markdownTable(
        ['command or build', 'exit'],
        commands.map((c) => [c.command, c.exit ?? 'signal']),
      ),
    );
    const files = scanned.filter(
      (s) => !s.where.includes(': std') && !s.where.includes(': output'),
    );
    console.log(
      `scanned ${scanned.length - files.length} outputs and ${files.length} files for ${SECRETS.length} secrets: ${leaks.length} leaks`,
    );
    await recordFigures('secrets', {
      commands,
      outputsScanned: scanned.length - files.length,
      filesScanned: files.length,
      secrets: SECRETS.length,
      leaks,
    });
  });

  it('found no secret anywhere', () => {
    expect(scanned.length).toBeGreaterThan(30);
    expect(leaks).toEqual([]);
  });
});
