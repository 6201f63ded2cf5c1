import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmInstall, type PackageName, packAll, run } from './pack.js';

// The CLI as users install it: `npm install herogen` brings no test server along.
describe('herogen installed from its tarball', () => {
  let packs: string;
  let tarballs: Record<PackageName, string>;
  let site: string;

  beforeAll(async () => {
    ({ dir: packs, tarballs } = await packAll());
    site = await mkdtemp(path.join(tmpdir(), 'herogen-cli-'));
    await writeFile(path.join(site, 'package.json'), '{ "private": true, "type": "module" }\n');
    await npmInstall(site, [tarballs['@herogen/core'], tarballs.herogen]);
  }, 300_000);

  afterAll(async () => {
    await rm(site, { recursive: true, force: true });
    await rm(packs, { recursive: true, force: true });
  });

  const herogen = path.join('node_modules', '.bin', 'herogen');

  it('does not install @herogen/mock-api', async () => {
    const { stdout } = await run('npm', ['ls', '--all', '--parseable'], { cwd: site });
    expect(stdout).not.toMatch(/mock-api/);
  });

  it('says to install @herogen/mock-api when `mock-api` is run without it', async () => {
    const failure = await run(herogen, ['mock-api'], { cwd: site }).catch((error) => error);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('install @herogen/mock-api to use this command');
    expect(failure.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });

  it('serves the mock once @herogen/mock-api is installed', async () => {
    await npmInstall(site, ['--save-dev', tarballs['@herogen/mock-api']]);
    const child = spawn(path.join(site, herogen), ['mock-api', '--port', '0'], { cwd: site });
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (/OPENAI_BASE_URL=\S+/.test(out)) resolve(out);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const base = /OPENAI_BASE_URL=(\S+)/.exec(banner)![1]!;
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const response = await fetch(`${base}/images/generations`, {
        method: 'POST',
        headers: { authorization: 'Bearer mock-key', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-image-2', prompt: 'a lighthouse', size: '1024x1024' }),
      });
      expect(response.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
