import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  listStaleTempFiles,
  removeStaleTempFiles,
  writeFileAtomic,
  writeFileAtomicNow,
} from '../src/fs/atomic-write.js';
import {
  assertRealPathInsideRoot,
  resolveInsideRoot,
  toRootRelative,
} from '../src/fs/path-safety.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herogen-fs-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Pid of a process that has exited, so it is certainly not alive. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

describe('writeFileAtomic', () => {
  it('writes new files and replaces existing ones, leaving no temp file', async () => {
    const target = join(dir, 'out.bin');
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(target))]).toEqual([1, 2, 3]);
    await writeFileAtomic(target, 'second');
    expect(await readFile(target, 'utf8')).toBe('second');
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  it('removes its temp file when the rename fails (target is a directory)', async () => {
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside.txt'), 'keep');
    await expect(writeFileAtomic(target, 'data')).rejects.toMatchObject({
      code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/),
    });
    expect((await readdir(dir)).sort()).toEqual(['taken']);
    expect(await readFile(join(target, 'inside.txt'), 'utf8')).toBe('keep');
  });

  it('removes its temp file when writing the data fails, and keeps the old file', async () => {
    const target = join(dir, 'out.bin');
    await writeFile(target, 'old');
    // Not bytes: the write throws after the temp file was created.
    await expect(writeFileAtomic(target, 42 as unknown as string)).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['out.bin']);
    expect(await readFile(target, 'utf8')).toBe('old');
  });

  it('fails cleanly when the directory does not exist', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'out.bin'), 'x')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('writeFileAtomicNow', () => {
  it('has the whole file in place when it returns, before its fsyncs settle', async () => {
    const target = join(dir, 'record.bin');
    await writeFile(target, 'old');
    const head = Buffer.from('{"length":3}\n');
    const { durable } = writeFileAtomicNow(target, [head, new Uint8Array([1, 2, 3])]);
    // Read synchronously-after: nothing has yielded to the event loop yet.
    expect(readFileSync(target)).toEqual(Buffer.concat([head, Buffer.from([1, 2, 3])]));
    await durable;
    expect(await readdir(dir)).toEqual(['record.bin']);
  });

  it('writes strings and single buffers too', async () => {
    await writeFileAtomicNow(join(dir, 'a.json'), '{"a":1}').durable;
    await writeFileAtomicNow(join(dir, 'b.bin'), new Uint8Array([7])).durable;
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('{"a":1}');
    expect(await readFile(join(dir, 'b.bin'))).toEqual(Buffer.from([7]));
  });

  it('throws at once and leaves no temp file when the rename fails', async () => {
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'inside'), 'x');
    expect(() => writeFileAtomicNow(join(dir, 'taken'), 'data')).toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
  });

  it('settles quietly when the file is consumed before its fsync runs', async () => {
    const target = join(dir, 'gone.bin');
    const { durable } = writeFileAtomicNow(target, 'x');
    rmSync(target);
    await expect(durable).resolves.toBeUndefined();
  });
});

describe('stale temp files', () => {
  it('lists only our temp files whose writer is dead or that are too old', async () => {
    const dead = await deadPid();
    const orphan = join(dir, `.a.png.${dead}.0123456789ab.tmp`);
    const live = join(dir, `.b.png.${process.pid}.0123456789ab.tmp`);
    const old = join(dir, `.c.png.${process.pid}.abcdefabcdef.tmp`);
    const unrelated = join(dir, '.d.png.tmp');
    for (const path of [orphan, live, old, unrelated]) await writeFile(path, 'x');
    await writeFile(join(dir, 'image.png'), 'x');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, hourAgo, hourAgo);

    const stale = await listStaleTempFiles(dir, { maxAgeMs: 60_000 });
    expect(stale.map((info) => info.path).sort()).toEqual([old, orphan].sort());

    const removed = await removeStaleTempFiles(dir, { maxAgeMs: 60_000 });
    expect(removed.sort()).toEqual([old, orphan].sort());
    expect((await readdir(dir)).map((name) => join(dir, name)).sort()).toEqual(
      [live, unrelated, join(dir, 'image.png')].sort(),
    );
  });

  it('treats a missing directory as empty', async () => {
    expect(await listStaleTempFiles(join(dir, 'nope'))).toEqual([]);
  });
});

describe('path safety', () => {
  it('resolves root-relative paths and refuses escapes', () => {
    expect(resolveInsideRoot(dir, 'src/assets/herogen', 'outDir')).toBe(
      join(dir, 'src', 'assets', 'herogen'),
    );
    expect(toRootRelative(dir, join(dir, 'src', 'a.png'))).toBe('src/a.png');
    expect(() => resolveInsideRoot(dir, '../outside', 'outDir')).toThrow(
      expect.objectContaining({ code: 'PATH_OUTSIDE_ROOT' }),
    );
    expect(() => resolveInsideRoot(dir, '/etc', 'outDir')).toThrow(
      expect.objectContaining({ code: 'PATH_OUTSIDE_ROOT' }),
    );
  });

  it('refuses a directory that is a symlink leading outside the root', async () => {
    const root = join(dir, 'project');
    const outside = join(dir, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await symlink(outside, join(root, 'linked'));
    await expect(
      assertRealPathInsideRoot(root, join(root, 'linked', 'sub', 'deeper'), 'outDir'),
    ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
    await symlink(join(outside, 'does-not-exist'), join(root, 'dangling'));
    await expect(
      assertRealPathInsideRoot(root, join(root, 'dangling', 'sub'), 'outDir'),
    ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'inner-link'));
    await expect(
      assertRealPathInsideRoot(root, join(root, 'inner-link', 'new'), 'outDir'),
    ).resolves.toBeUndefined();
  });
});
