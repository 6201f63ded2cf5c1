import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface AstroDev {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** Everything logged so far, without colours. */
  output(): string;
  stop(): Promise<void>;
}

/** `astro dev` of an installed Astro, as a child process on a free loopback port. */
export async function startAstroDev(
  astroBin: string,
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<AstroDev> {
  const child = spawn(process.execPath, [astroBin, 'dev', '--host', '127.0.0.1', '--port', '0'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString('utf8').replace(/\u001b\[[0-9;]*m/g, '');
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const stop = () => stopChild(child);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`astro dev did not start:\n${log}`)),
        180_000,
      );
      const look = () => {
        const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
        if (match && Number(match[1]) > 0) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${match[1]}/`);
        }
      };
      child.stdout!.on('data', look);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`astro dev exited (${code}):\n${log}`));
      });
    });
    return { url, output: () => log, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}
