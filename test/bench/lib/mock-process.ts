/** Start lib/mock-child.ts in a child process and talk to it over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { MockApiOptions } from '@herogen/mock-api';

export interface MockStats {
  paidCalls: number;
  byRoute: Record<string, number>;
}

export interface MockProcess {
  url: string;
  openaiBaseURL: string;
  hiapiBaseURL: string;
  stats(): Promise<MockStats>;
  /** Forget requests and tasks (image renders stay cached in the mock). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startMockProcess(options: MockApiOptions): Promise<MockProcess> {
  const child: ChildProcess = fork(
    path.join(import.meta.dirname, 'mock-child.ts'),
    [JSON.stringify(options)],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  let next = 1;
  const waiting = new Map<number, (value: Record<string, unknown>) => void>();
  child.on('message', (message: Record<string, unknown>) => {
    const done = waiting.get(message.id as number);
    waiting.delete(message.id as number);
    done?.(message);
  });
  const ask = (type: string) =>
    new Promise<Record<string, unknown>>((done) => {
      const id = next++;
      waiting.set(id, done);
      child.send({ id, type });
    });
  const ready = await new Promise<Record<string, unknown>>((done, fail) => {
    waiting.set(0, done);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`the mock API process exited (${code})`)));
  });
  child.removeAllListeners('exit');
  return {
    url: ready.url as string,
    openaiBaseURL: ready.openaiBaseURL as string,
    hiapiBaseURL: ready.hiapiBaseURL as string,
    stats: async () => (await ask('stats')) as unknown as MockStats,
    reset: async () => {
      await ask('reset');
    },
    close: async () => {
      const exited = new Promise((done) => child.once('exit', done));
      await ask('close');
      await exited;
    },
  };
}
