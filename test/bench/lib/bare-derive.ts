/**
 * The deriver's transforms (derive/encode.ts) as a bare sharp loop: no cache, manifest, hashing
 * or image process. What herogen's deriving is measured against, for time (benchmark 6) and
 * memory (benchmark 5, which runs it with `--lite-mode` as herogen runs its image process: this
 * file imports no other TypeScript, so its types can be stripped before such a run).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  computeHeight,
  computeWidths,
  DERIVE_DEFAULTS,
  OG_HEIGHT,
  OG_WIDTH,
} from '@herogen/core/derive';
import sharp from 'sharp';

/**
 * Every default variant of each original into `outDir`, `pipelines` originals at a time (one
 * encode after the other within an original, like the deriver's queue), on `threads` libvips
 * threads. Resolves with the number of encodes.
 */
export async function bareDerive(
  files: readonly string[],
  outDir: string,
  {
    pipelines,
    threads,
    formats = DERIVE_DEFAULTS.formats,
  }: { pipelines: number; threads: number; formats?: readonly string[] },
): Promise<number> {
  sharp.cache(false);
  sharp.concurrency(threads);
  const quality = DERIVE_DEFAULTS.quality;
  let encodes = 0;
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < files.length; index = next++) await deriveOne(index);
  };
  const deriveOne = async (index: number) => {
    const bytes = await readFile(files[index]!);
    const meta = await sharp(bytes).metadata();
    await sharp(bytes).stats();
    await sharp(bytes).autoOrient().resize(16).webp({ quality: 40 }).toBuffer();
    // The deriver's own width rule (and height), so both make the same encodes.
    const widths = computeWidths(DERIVE_DEFAULTS.widths, meta.width);
    const jobs: (() => Promise<Buffer>)[] = [];
    for (const format of formats) {
      for (const width of widths) {
        const height = computeHeight(width, meta);
        jobs.push(() => {
          let pipeline = sharp(bytes).autoOrient().resize(width, height, { fit: 'cover' });
          if (format === 'avif')
            pipeline = pipeline.avif({ quality: quality.avif, effort: DERIVE_DEFAULTS.avifEffort });
          else if (format === 'webp') pipeline = pipeline.webp({ quality: quality.webp });
          else
            pipeline = pipeline
              .flatten({ background: '#ffffff' })
              .jpeg({ quality: quality.jpeg, mozjpeg: true });
          return pipeline.toBuffer();
        });
      }
    }
    jobs.push(() =>
      sharp(bytes)
        .autoOrient()
        .resize(OG_WIDTH, OG_HEIGHT, { fit: 'cover', position: sharp.strategy.attention })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: quality.jpeg, mozjpeg: true })
        .toBuffer(),
    );
    for (const [n, job] of jobs.entries()) {
      const out = await job();
      await writeFile(path.join(outDir, `${index}-${n}`), out);
      encodes += 1;
    }
  };
  await Promise.all(Array.from({ length: pipelines }, worker));
  return encodes;
}
