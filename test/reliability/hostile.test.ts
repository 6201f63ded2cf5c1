import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownTable, recordFigures, spawnHerogen, walk } from './support/harness.js';
import { HOSTILE_CASES, type HostileCase } from './support/hostile-cases.js';

const API_KEY = 'sk-test-HOSTILE-0c5a9e7d41';

let png: Buffer;
beforeAll(async () => {
  png = await sharp({
    create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 40, b: 40 } },
  })
    .png()
    .toBuffer();
});

interface Verdict {
  name: string;
  exit: number | null;
  paid: number;
  message: string;
  problems: string[];
}

const digest = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** Every file under `dir` with its hash and mtime: proof that nothing there changed. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of await walk(dir)) {
    const stats = await stat(file);
    out.set(file, `${await digest(file)} ${stats.mtimeMs}`);
  }
  return out;
}

async function runCase(c: HostileCase): Promise<Verdict> {
  const parent = await realpath(await mkdtemp(path.join(os.tmpdir(), 'herogen-hostile-')));
  const root = path.join(parent, 'project');
  const canary = path.join(parent, 'canary');
  const traceFile = path.join(parent, 'trace.log');
  const problems: string[] = [];
  // One mock per case: cases run in parallel and each counts its own paid calls.
  const mock: MockApi = await createMockApi();
  try {
    await mkdir(canary, { recursive: true });
    await writeFile(path.join(canary, 'secret.png'), png);
    await writeFile(path.join(canary, 'notes.txt'), 'canary: must never be read\n');
    await writeFile(
      path.join(canary, 'post.md'),
      '---\ntitle: Outside\nhero:\n  prompt: "A canary outside the project"\n  alt: x\n---\n',
    );
    const write = async (file: string, data: string | Uint8Array) => {
      const target = path.join(root, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, data);
    };
    // Every case starts from a valid project: a broken file must stop the run, not be skipped.
    await write(
      'src/content/ok.md',
      '---\ntitle: Fine\nhero:\n  prompt: "A blue boat on a calm lake"\n  alt: A boat\n---\n',
    );
    await write(
      'herogen.config.json',
      `${JSON.stringify({ provider: 'openai', size: '1024x640', quality: 'low' }, null, 2)}\n`,
    );
    for (const [file, data] of Object.entries(c.files ?? {})) await write(file, data);
    await c.setup?.({ root, canary, write, png });
    const parentBefore = new Set(await readdir(parent));
    const canaryBefore = await snapshot(canary);

    const result = await spawnHerogen(c.args ?? ['generate'], {
      cwd: root,
      env: { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: mock.openaiBaseURL },
      trace: traceFile,
    }).result;
    const output = `${result.stdout}\n${result.stderr}`;
    const paid = mock.paidCalls();

    if (result.code !== c.exit) problems.push(`exit ${result.code}, expected ${c.exit}`);
    for (const mention of c.mentions) {
      const found = typeof mention === 'string' ? output.includes(mention) : mention.test(output);
      if (!found) problems.push(`output does not mention ${mention}`);
    }
    if (/this is a bug/i.test(output)) problems.push('reported as a bug in herogen');
    if (/\n\s+at .+[:(]\d+:\d+\)?/.test(output)) problems.push('printed a stack trace');
    if (output.includes(API_KEY)) problems.push('printed the API key');
    if (paid !== (c.paid ?? 0)) problems.push(`${paid} paid calls, expected ${c.paid ?? 0}`);

    // Nothing outside the project was read or written.
    const trace = (await readFile(traceFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t') as [string, string]);
    const inside = (file: string) => file === root || file.startsWith(`${root}${path.sep}`);
    // Listing the canary folder's names (following a symlink the project itself contains) is
    // allowed only where a case says so; opening anything inside it never is.
    const touchedCanary = trace.filter(
      ([, file]) =>
        file.startsWith(`${canary}${path.sep}`) || (file === canary && !c.listsOutsideFolder),
    );
    if (touchedCanary.length > 0) {
      problems.push(`touched the canary: ${touchedCanary.map((t) => t.join(' ')).join(', ')}`);
    }
    const writesOutside = trace.filter(([op, file]) => op === 'write' && !inside(file));
    if (writesOutside.length > 0) {
      problems.push(`wrote outside the project: ${writesOutside.map((t) => t[1]).join(', ')}`);
    }
    const canaryAfter = await snapshot(canary);
    if (JSON.stringify([...canaryAfter]) !== JSON.stringify([...canaryBefore])) {
      problems.push('the canary files changed');
    }
    const parentAfter = (await readdir(parent)).filter(
      (name) => !parentBefore.has(name) && name !== 'trace.log',
    );
    if (parentAfter.length > 0) problems.push(`new files beside the project: ${parentAfter}`);
    await c.verify?.({ root, output, problems });
    // The first line a user reads: the error, or what check/verify/generate concluded.
    const message =
      result.stderr.split('\n').find((line) => line.startsWith('herogen:')) ??
      result.stdout.split('\n').filter(Boolean).at(-1) ??
      '';
    return { name: c.name, exit: result.code, paid, message, problems };
  } finally {
    await mock.close();
    await rm(parent, { recursive: true, force: true });
  }
}

const verdicts: Verdict[] = [];

afterAll(async () => {
  if (verdicts.length === 0) return;
  const trim = (text: string) =>
    text.length > 110 ? `${text.slice(0, 107)}…` : text.replace(/\s+/g, ' ');
  console.log(
    markdownTable(
      ['input', 'exit', 'paid', 'first line of the error'],
      verdicts.map((v) => [v.name, v.exit ?? 'signal', v.paid, trim(v.message)]),
    ),
  );
  await recordFigures('hostile', verdicts);
});

describe('hostile and broken input: a clear error, no crash, nothing outside the project touched, nothing paid', () => {
  it(`has at least 40 cases (${HOSTILE_CASES.length})`, () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(40);
  });
  const batches: HostileCase[][] = [];
  for (let i = 0; i < HOSTILE_CASES.length; i += 5) batches.push(HOSTILE_CASES.slice(i, i + 5));
  for (const batch of batches) {
    it(batch.map((c) => c.name).join(' · '), async () => {
      const results = await Promise.all(batch.map(runCase));
      verdicts.push(...results);
      const problems = results.flatMap((v) => v.problems.map((p) => `${v.name}: ${p}`));
      expect(problems).toEqual([]);
    });
  }
});
