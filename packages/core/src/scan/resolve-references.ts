import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { HerogenError } from '../errors.js';
import { isInside, toPosixRelative } from '../fs/path-safety.js';
import { sniffImageType } from '../image/sniff.js';
import type { ReferenceImage } from '../types.js';

/** What image APIs accept as reference images. */
const REFERENCE_TYPES = new Set(['png', 'jpeg', 'webp']);

class NotAnImage extends Error {
  constructor(readonly kind: string | undefined) {
    super('not a PNG, JPEG or WebP image');
  }
}

/** Larger files are not images an API would accept; refuse before reading them into memory. */
const MAX_REFERENCE_BYTES = 64 * 1024 * 1024;

export interface ReferenceContext {
  /** Absolute project root. */
  root: string;
  /** `root` with symlinks resolved. */
  realRoot: string;
  /** Root-relative POSIX path of the content file. */
  file: string;
  /** Frontmatter field, e.g. `hero`, for error locations. */
  field: string;
  /** Line of `references[index]` in the content file. */
  lineOf(index: number): number;
  /** Hashes by real path, shared across files: one read per image per scan. */
  hashes: Map<string, Promise<string>>;
}

/**
 * Resolve, confine and hash the reference images of one hero, in the order written. Paths
 * starting with `./` or `../` are relative to the content file, others to the project root.
 * Nothing outside the root is ever read: the lexical path and the real path (symlinks
 * followed) must both stay inside it.
 */
export async function resolveReferences(
  paths: readonly string[],
  context: ReferenceContext,
): Promise<{ references: ReferenceImage[]; errors: HerogenError[] }> {
  const references: ReferenceImage[] = [];
  const errors: HerogenError[] = [];
  for (const [index, written] of paths.entries()) {
    const result = await resolveOne(written, index, context);
    if (HerogenError.is(result)) errors.push(result);
    else references.push(result);
  }
  return { references, errors };
}

async function resolveOne(
  written: string,
  index: number,
  context: ReferenceContext,
): Promise<ReferenceImage | HerogenError> {
  const location = {
    file: context.file,
    line: context.lineOf(index),
    field: `${context.field}.references[${index}]`,
  };
  const relativeToFile = /^\.\.?[/\\]/.test(written);
  const base = relativeToFile ? dirname(resolve(context.root, context.file)) : context.root;
  const absolute = isAbsolute(written) ? resolve(written) : resolve(base, written);
  const outside = () =>
    new HerogenError(
      'PATH_OUTSIDE_ROOT',
      `reference "${written}" points outside the project root; herogen never reads files outside the project.`,
      {
        location,
        hint: 'Copy the image into the project (e.g. src/assets/references/) and point to that copy.',
      },
    );
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(written)) {
    return new HerogenError(
      'REFERENCE_INVALID',
      `reference "${written}" is a URL; references must be files in the project.`,
      {
        location,
        hint: 'Download the image into the project (e.g. src/assets/references/) and point to that file.',
      },
    );
  }
  if (written.includes('\0') || !isInside(context.root, absolute)) return outside();

  const shown = toPosixRelative(context.root, absolute);
  let real: string;
  try {
    real = await realpath(absolute);
  } catch {
    return new HerogenError(
      'REFERENCE_INVALID',
      `reference "${written}" not found (looked for ${shown}).`,
      {
        location,
        hint: relativeToFile
          ? 'Paths starting with ./ or ../ are relative to this content file; check the spelling.'
          : 'Paths not starting with ./ or ../ are relative to the project root; check the spelling.',
      },
    );
  }
  if (!isInside(context.realRoot, real)) {
    return new HerogenError(
      'PATH_OUTSIDE_ROOT',
      `reference "${written}" is a symlink to ${real}, outside the project root; herogen never reads files outside the project.`,
      { location, hint: 'Replace the symlink with a copy of the image inside the project.' },
    );
  }
  try {
    const info = await stat(real);
    if (!info.isFile()) {
      return new HerogenError(
        'REFERENCE_INVALID',
        `reference "${written}" is not a file (${shown}).`,
        {
          location,
          hint: 'Point to an image file, e.g. "./sketch.png".',
        },
      );
    }
    if (info.size > MAX_REFERENCE_BYTES) {
      return new HerogenError(
        'REFERENCE_INVALID',
        `reference "${written}" is ${Math.round(info.size / 1024 / 1024)} MB; at most ${MAX_REFERENCE_BYTES / 1024 / 1024} MB is accepted.`,
        { location, hint: 'Resize or compress the reference image.' },
      );
    }
    let hash = context.hashes.get(real);
    if (!hash) {
      hash = readFile(real).then((bytes) => {
        // Checked here, before any API call: a provider would refuse it after others were paid.
        const type = sniffImageType(bytes);
        if (!type || !REFERENCE_TYPES.has(type.extension)) throw new NotAnImage(type?.extension);
        return createHash('sha256').update(bytes).digest('hex');
      });
      context.hashes.set(real, hash);
    }
    return { path: shown, sha256: await hash };
  } catch (error) {
    if (error instanceof NotAnImage) {
      return new HerogenError(
        'REFERENCE_INVALID',
        `reference "${written}" is ${error.kind ? `a ${error.kind.toUpperCase()} image` : 'not an image'}; references must be PNG, JPEG or WebP files.`,
        { location, hint: 'Convert it to PNG, JPEG or WebP, or point to another file.' },
      );
    }
    return new HerogenError(
      'REFERENCE_INVALID',
      `reference "${written}" could not be read: ${(error as Error).message}`,
      {
        location,
        cause: error,
        hint: 'Check the file permissions.',
      },
    );
  }
}
