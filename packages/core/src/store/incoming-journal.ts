/**
 * The write-ahead journal of paid images: the bytes a provider returned, with everything needed
 * to record them, written before anything else is done with them. A run killed between
 * receiving an image and recording it in the lock leaves its record here, and the next run
 * completes it instead of paying again. One file per key, never committed.
 *
 * A record is one line of JSON (what to record, and the bytes' length and sha256), a newline,
 * then the bytes exactly as received: no base64, so writing it costs a copy, not an encode.
 */
import { mkdirSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicNow } from '../fs/atomic-write.js';
import { sha256Hex } from '../fs/file-hash.js';
import { cachePath } from '../fs/project-layout.js';
import { isCacheKey, STORED_KEY_PATTERN } from '../key/cache-key.js';
import { generationRequestSchema } from '../lock/schema.js';
import type { GeneratedImage, GenerationRequest } from '../types.js';

const EXTENSION = '.journal';

/** `<root>/node_modules/.cache/herogen/incoming`, beside the claims. */
export function resolveIncomingDir(root: string): string {
  return cachePath(root, 'incoming');
}

export function incomingPath(root: string, key: string): string {
  return join(resolveIncomingDir(root), `${key}${EXTENSION}`);
}

const headerSchema = z.strictObject({
  version: z.literal(2),
  key: z.string().regex(STORED_KEY_PATTERN),
  request: generationRequestSchema,
  receivedAt: z.iso.datetime({ offset: true }),
  /** sha256 of the bytes exactly as received (before any conversion). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Length of the bytes after the header line: a cut-off record is told from a whole one. */
  length: z.number().int().nonnegative(),
  image: z.strictObject({
    mediaType: z.string(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    costUsd: z.number().nonnegative().optional(),
    costConfidence: z.enum(['exact', 'estimate', 'unknown']).optional(),
    requestId: z.string().optional(),
    taskId: z.string().optional(),
    revisedPrompt: z.string().optional(),
  }),
});

type JournalHeader = z.infer<typeof headerSchema>;

export interface IncomingImage {
  key: string;
  request: GenerationRequest;
  receivedAt: string;
  image: GeneratedImage;
}

/**
 * Record a received image before it is checked, written or recorded. Once this returns, a
 * killed process cannot lose it (see `writeFileAtomicNow`); `durable` settles when a power
 * loss cannot either. Nothing later in storing has to wait for that.
 */
export function writeIncoming(
  root: string,
  received: { key: string; request: GenerationRequest; image: GeneratedImage; receivedAt: Date },
): { path: string; durable: Promise<void>; sha256: string; offset: number } {
  const { key, request, image, receivedAt } = received;
  const path = incomingPath(root, key);
  mkdirSync(resolveIncomingDir(root), { recursive: true });
  const header: JournalHeader = {
    version: 2,
    key,
    request,
    receivedAt: receivedAt.toISOString(),
    sha256: sha256Hex(image.bytes),
    length: image.bytes.byteLength,
    image: describeImage(image),
  };
  const line = `${JSON.stringify(header)}\n`;
  const { durable } = writeFileAtomicNow(path, [line, image.bytes]);
  // `offset`: where the bytes start in the record.
  return { path, durable, sha256: header.sha256, offset: Buffer.byteLength(line) };
}

/** The metadata to record beside the bytes: only fields that are set, and only a sane cost. */
function describeImage(image: GeneratedImage): JournalHeader['image'] {
  const meta: JournalHeader['image'] = { mediaType: image.mediaType };
  if (image.width !== undefined) meta.width = image.width;
  if (image.height !== undefined) meta.height = image.height;
  if (typeof image.costUsd === 'number' && Number.isFinite(image.costUsd) && image.costUsd >= 0) {
    meta.costUsd = image.costUsd;
  }
  if (image.costConfidence !== undefined) meta.costConfidence = image.costConfidence;
  if (image.requestId !== undefined) meta.requestId = image.requestId;
  if (image.taskId !== undefined) meta.taskId = image.taskId;
  if (image.revisedPrompt !== undefined) meta.revisedPrompt = image.revisedPrompt;
  return meta;
}

/**
 * Read one journal record. `undefined` when it is absent; `'invalid'` when its header does not
 * parse or its bytes are cut off or do not match their recorded hash.
 */
export async function readIncoming(
  root: string,
  key: string,
): Promise<IncomingImage | 'invalid' | undefined> {
  let record: Buffer;
  try {
    record = await readFile(incomingPath(root, key));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const newline = record.indexOf(0x0a);
  if (newline < 0) return 'invalid';
  let data: unknown;
  try {
    data = JSON.parse(record.subarray(0, newline).toString('utf8'));
  } catch {
    return 'invalid';
  }
  const parsed = headerSchema.safeParse(data);
  if (!parsed.success || parsed.data.key !== key) return 'invalid';
  const bytes = new Uint8Array(record.subarray(newline + 1));
  if (bytes.byteLength !== parsed.data.length || sha256Hex(bytes) !== parsed.data.sha256) {
    return 'invalid';
  }
  return {
    key,
    request: parsed.data.request,
    receivedAt: parsed.data.receivedAt,
    image: { ...parsed.data.image, bytes },
  };
}

/** Forget a record once its image is in the lock (or was rejected and kept elsewhere). */
export async function removeIncoming(root: string, key: string): Promise<void> {
  await rm(incomingPath(root, key), { force: true });
}

/** Keys with a journal record, sorted. */
export async function listIncoming(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(resolveIncomingDir(root));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith(EXTENSION))
    .map((name) => name.slice(0, -EXTENSION.length))
    .filter(isCacheKey)
    .sort();
}
