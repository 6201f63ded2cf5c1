import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MOCK_API_USAGE,
  MockApiUsageError,
  parseMockApiArgs,
  serveMockApiFromArgs,
} from '../src/index.js';
import { json, postJson } from './helpers.js';

describe('parseMockApiArgs', () => {
  it('maps every flag to an option', () => {
    expect(
      parseMockApiArgs([
        '--port',
        '4010',
        '--host',
        '127.0.0.1',
        '--latency',
        '100-500',
        '--task-duration',
        '2000',
        '--download-ttl',
        '60000',
        '--rate-limit',
        '60',
        '--api-key',
        'KEY',
      ]),
    ).toEqual({
      port: 4010,
      host: '127.0.0.1',
      latencyMs: [100, 500],
      taskDurationMs: 2000,
      downloadTtlMs: 60_000,
      imagesPerMinute: 60,
      apiKey: 'KEY',
    });
    expect(parseMockApiArgs(['--latency=200'])).toEqual({ latencyMs: 200 });
    expect(parseMockApiArgs([])).toEqual({});
    expect(parseMockApiArgs(['--help'])).toBeUndefined();
  });

  it.each([
    [['--port', 'abc'], /--port/],
    [['--port', '70000'], /--port/],
    [['--latency', '5-1'], /--latency/],
    [['--rate-limit', '0'], /--rate-limit/],
    [['--nope'], /nope/],
    [['--api-key', ''], /--api-key/],
  ])('refuses %j with a message naming the flag', (argv, message) => {
    expect(() => parseMockApiArgs(argv)).toThrow(MockApiUsageError);
    expect(() => parseMockApiArgs(argv)).toThrow(message);
  });
});

describe('serveMockApiFromArgs', () => {
  it('starts the server and prints base URLs and env lines', async () => {
    const lines: string[] = [];
    const api = await serveMockApiFromArgs(['--port', '0', '--rate-limit', '5'], {
      log: (line) => lines.push(line),
      handleSignals: false,
    });
    expect(api).toBeDefined();
    try {
      const out = lines.join('\n');
      expect(out).toContain(`export OPENAI_BASE_URL=${api!.openaiBaseURL}`);
      expect(out).toContain(`export HIAPI_BASE_URL=${api!.hiapiBaseURL}`);
      expect(out).toContain('export OPENAI_API_KEY=mock-key');
      const res = await postJson(`${api!.openaiBaseURL}/images/generations`, {
        model: 'gpt-image-2',
        prompt: 'cli',
      });
      expect(res.status).toBe(200);
    } finally {
      await api!.close();
    }
  });

  it('never prints a configured key', async () => {
    const lines: string[] = [];
    const api = await serveMockApiFromArgs(['--api-key', 'sk-very-secret'], {
      log: (line) => lines.push(line),
      handleSignals: false,
    });
    await api!.close();
    expect(lines.join('\n')).not.toContain('sk-very-secret');
  });

  it('prints usage for --help and starts nothing', async () => {
    const lines: string[] = [];
    expect(await serveMockApiFromArgs(['-h'], { log: (l) => lines.push(l) })).toBeUndefined();
    expect(lines).toEqual([MOCK_API_USAGE]);
  });
});

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe.runIf(existsSync(bin))('herogen-mock-api bin (built)', () => {
  it('serves until SIGTERM, then exits cleanly', async () => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--task-duration', '100'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const baseUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /export HIAPI_BASE_URL=(\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(`bin exited early: ${out}`)));
    });
    const res = await postJson(`${baseUrl}/v1/tasks`, {
      model: 'gpt-image-2',
      input: { prompt: 'from the bin' },
    });
    expect((await json(res)).code).toBe(200);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
