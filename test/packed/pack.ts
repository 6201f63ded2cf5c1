import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../fixtures/astro-support/harness.js';

export const run = promisify(execFile);

/** The published packages, by folder under packages/. */
export const PACKAGES = {
  core: '@herogen/core',
  astro: '@herogen/astro',
  vite: '@herogen/vite',
  cli: 'herogen',
  'mock-api': '@herogen/mock-api',
} as const;

export type PackageName = (typeof PACKAGES)[keyof typeof PACKAGES];

/** Tarballs as users get them: `pnpm pack` of each built package (workspace ranges rewritten). */
export async function packAll(): Promise<{ dir: string; tarballs: Record<PackageName, string> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'herogen-packs-'));
  await run('pnpm', ['-r', '--filter', './packages/**', 'pack', '--pack-destination', dir], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const tarballs = {} as Record<PackageName, string>;
  for (const [folder, name] of Object.entries(PACKAGES)) {
    const manifest = path.join(repoRoot, 'packages', folder, 'package.json');
    const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
    tarballs[name] = path.join(dir, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
  }
  return { dir, tarballs };
}

/** Unpack a tarball into `<into>/package` and list its files (relative to `package/`). */
export async function unpack(tarball: string, into: string): Promise<string[]> {
  await mkdir(into, { recursive: true });
  await run('tar', ['xzf', tarball, '-C', into]);
  const root = path.join(into, 'package');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/**
 * `npm install` into `dir` (not the workspace: the packages come from tarballs, the rest from
 * the registry). `--prefer-offline` reuses npm's cache without revalidating it.
 */
export async function npmInstall(dir: string, specs: readonly string[]): Promise<void> {
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  );
}
