/**
 * Benchmark 7 — what an original weighs in git: bytes per original for `png`, `webp` and `jpeg`
 * at the API's `output_compression` levels, on real photographs at gpt-image's landscape size.
 *
 * The mock API cannot tell image quality, and the API is not reachable from here, so this
 * encodes photographs with libvips (sharp) the way an image API's encoder would: PNG lossless
 * (zlib level 6, libpng's default), WebP and JPEG with `output_compression` as the quality.
 * The photographs are Debian's `mate-backgrounds` nature set (photos under the GPL, 1280–2560
 * px wide), each resized to cover 1536×1024. PSNR against the lossless original tells how far
 * each lossy setting moves the pixels (≥ 40 dB is hard to tell apart on a screen).
 *
 *   node test/bench/original-size.ts [--photos <dir of .jpg>] [--posts 2000]
 *
 * Without `--photos` the photos are unpacked from `apt-get download mate-backgrounds` into
 * test/bench/.work/photos (needs Debian's apt; no root: the package is only unpacked).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import {
  assertBench,
  formatTable,
  median,
  printHeader,
  readFlag,
  WORK_DIR,
} from './lib/harness.ts';

const WIDTH = 1536;
const HEIGHT = 1024;
const LEVELS = [100, 90, 80, 70, 50] as const;

async function photosDir(): Promise<string> {
  const given = readFlag('photos', '');
  if (given) return path.resolve(given);
  const dir = path.join(WORK_DIR, 'photos');
  const nature = path.join(dir, 'usr/share/backgrounds/mate/nature');
  if (!existsSync(nature)) {
    await mkdir(dir, { recursive: true });
    execFileSync('apt-get', ['download', 'mate-backgrounds'], { cwd: dir, stdio: 'ignore' });
    const deb = (await readdir(dir)).find((file) => file.endsWith('.deb'));
    assertBench(deb, 'apt-get download mate-backgrounds gave no .deb; pass --photos <dir>');
    execFileSync('dpkg-deb', ['-x', path.join(dir, deb), dir]);
  }
  return nature;
}

/** Peak signal-to-noise ratio of `lossy` against `reference` (raw RGB of the same size), in dB. */
function psnr(reference: Buffer, lossy: Buffer): number {
  let squared = 0;
  for (let i = 0; i < reference.length; i++) {
    const diff = reference[i]! - lossy[i]!;
    squared += diff * diff;
  }
  const mse = squared / reference.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

interface Encoding {
  name: string;
  encode: (image: sharp.Sharp) => sharp.Sharp;
}

const ENCODINGS: Encoding[] = [
  { name: 'png (lossless)', encode: (image) => image.png() },
  ...LEVELS.map((level) => ({
    name: `webp ${level}`,
    encode: (image: sharp.Sharp) => image.webp({ quality: level }),
  })),
  ...LEVELS.map((level) => ({
    name: `jpeg ${level}`,
    encode: (image: sharp.Sharp) => image.jpeg({ quality: level }),
  })),
];

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(2)} MB`;
const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;

async function main(): Promise<void> {
  const posts = Number(readFlag('posts', '2000'));
  const dir = await photosDir();
  const photos = (await readdir(dir)).filter((file) => /\.(jpe?g|png)$/i.test(file)).sort();
  assertBench(photos.length >= 5, `need at least 5 photographs in ${dir}`);
  printHeader(
    'Bytes per original',
    `${photos.length} photographs (${dir}) resized to cover ${WIDTH}×${HEIGHT}; sizes per format and output_compression, median and max; PSNR against the lossless original; a ${posts}-post site's originals at the median`,
  );

  const sizes = new Map<string, number[]>(ENCODINGS.map((e) => [e.name, []]));
  const quality = new Map<string, number[]>(ENCODINGS.map((e) => [e.name, []]));
  for (const photo of photos) {
    const master = await sharp(path.join(dir, photo))
      .resize(WIDTH, HEIGHT, { fit: 'cover' })
      .removeAlpha()
      .png()
      .toBuffer();
    const reference = await sharp(master).raw().toBuffer();
    for (const { name, encode } of ENCODINGS) {
      const bytes = await encode(sharp(master)).toBuffer();
      sizes.get(name)!.push(bytes.length);
      quality.get(name)!.push(psnr(reference, await sharp(bytes).removeAlpha().raw().toBuffer()));
    }
  }

  const png = median(sizes.get('png (lossless)')!);
  const rows = ENCODINGS.map(({ name }) => {
    const values = sizes.get(name)!;
    const db = median(quality.get(name)!);
    return [
      name,
      mb(median(values)),
      mb(Math.max(...values)),
      (median(values) / png).toFixed(2),
      Number.isFinite(db) ? `${db.toFixed(1)} dB` : 'lossless',
      gb(median(values) * posts),
    ];
  });
  console.log(
    formatTable(['format', 'median', 'max', 'vs png', 'PSNR (median)', `${posts} originals`], rows),
  );
}

await main();
