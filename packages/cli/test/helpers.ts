import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createMockApi, type MockApi, type MockApiOptions } from '@herogen/mock-api';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { main } from '../src/main.js';

/** A stream that keeps what was written, shaped enough like a process stream for the CLI. */
export function captureStream(): NodeJS.WriteStream & { text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  }) as unknown as NodeJS.WriteStream & { text(): string };
  stream.isTTY = false;
  stream.text = () => chunks.join('');
  return stream;
}

export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await main(args, {
    stdout,
    stderr,
    cwd: options.cwd,
    env: { PATH: process.env.PATH, ...options.env },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** The built `herogen` command in its own process, as a user runs it (build first). */
export function runBin(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', CI: 'true', ...options.env } },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A throwaway project with the given files (paths relative to its root). */
export async function createProject(files: Record<string, string>): Promise<{
  root: string;
  write(file: string, text: string): Promise<void>;
  read(file: string): Promise<string>;
  cleanup(): Promise<void>;
}> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'herogen-cli-'));
  const write = async (file: string, text: string) => {
    const target = path.join(root, file);
    await import('node:fs/promises').then((fs) =>
      fs.mkdir(path.dirname(target), { recursive: true }),
    );
    await writeFile(target, text);
  };
  for (const [file, text] of Object.entries(files)) await write(file, text);
  return {
    root,
    write,
    read: (file) => readFile(path.join(root, file), 'utf8'),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export async function copyFixture(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
}

/**
 * The mock API and throwaway projects of one test file: the server starts before the first test
 * and closes after the last; after each test its requests, tasks and faults are reset and the
 * projects given to `track` are removed.
 */
export function useMockApi(options: MockApiOptions = {}): {
  readonly mock: MockApi;
  track<T extends { cleanup(): Promise<void> }>(project: T): T;
} {
  let mock: MockApi | undefined;
  const projects: { cleanup(): Promise<void> }[] = [];
  beforeAll(async () => {
    mock = await createMockApi(options);
  });
  afterAll(() => mock?.close());
  afterEach(async () => {
    mock?.reset();
    mock?.setFaults([]);
    for (const project of projects.splice(0)) await project.cleanup();
  });
  return {
    get mock() {
      if (!mock) throw new Error('useMockApi: the mock API starts in beforeAll');
      return mock;
    },
    track(project) {
      projects.push(project);
      return project;
    },
  };
}
