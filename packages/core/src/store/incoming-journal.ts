/**
 * The write-ahead journal of paid images: the bytes a provider returned, with everything needed
 * to record them, written durably before anything else is done with them. A run killed between
 * receiving an image and recording it in the lock leaves its record here, and the next run
 * completes it instead of paying again. One file per key, written atomically, never committed.
 */
import { mkdirSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../fs/atomic-write.js';
import { sha256Hex } from '../fs/file-hash.js';
import { generationRequestSchema } from '../lock/schema.js';
import type { GeneratedImage, GenerationRequest } from '../types.js';

const KEY = /^[0-9a-f]{8,64}$/;

/** `<root>/node_modules/.cache/herogen/incoming`, beside the claims. */
export function resolveIncomingDir(root: string): string {
  return join(root, 'node_modules', '.cache', 'herogen', 'incoming');
}

export function incomingPath(root: string, key: string): string {
  return join(resolveIncomingDir(root), `${key}.json`);
}

const journalSchema = z.strictObject({
  version: z.literal(1),
  key: z.string().regex(KEY),
  request: generationRequestSchema,
  receivedAt: z.iso.datetime({ offset: true }),
  /** sha256 of the bytes exactly as received (before any conversion). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
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
  /** The received bytes, base64. */
  bytes: z.string(),
});

export interface IncomingImage {
  key: string;
  request: GenerationRequest;
  receivedAt: string;
  image: GeneratedImage;
}

/**
 * Durably record a received image before it is checked, written or recorded. Synchronous on
 * purpose: the image is paid for and only in memory until this returns, so it must not wait
 * behind other file work (a kill in that wait would lose it). A few milliseconds of blocking.
 */
export function writeIncoming(
  root: string,
  key: string,
  request: GenerationRequest,
  image: GeneratedImage,
  receivedAt: Date,
): string {
  const path = incomingPath(root, key);
  mkdirSync(resolveIncomingDir(root), { recursive: true });
  const meta: z.infer<typeof journalSchema>['image'] = { mediaType: image.mediaType };
  if (image.width !== undefined) meta.width = image.width;
  if (image.height !== undefined) meta.height = image.height;
  if (typeof image.costUsd === 'number' && Number.isFinite(image.costUsd) && image.costUsd >= 0) {
    meta.costUsd = image.costUsd;
  }
  if (image.costConfidence !== undefined) meta.costConfidence = image.costConfidence;
  if (image.requestId !== undefined) meta.requestId = image.requestId;
  if (image.taskId !== undefined) meta.taskId = image.taskId;
  if (image.revisedPrompt !== undefined) meta.revisedPrompt = image.revisedPrompt;
  const record: z.infer<typeof journalSchema> = {
    version: 1,
    key,
    request,
    receivedAt: receivedAt.toISOString(),
    sha256: sha256Hex(image.bytes),
    image: meta,
    bytes: Buffer.from(image.bytes).toString('base64'),
  };
  writeFileAtomicSync(path, JSON.stringify(record));
  return path;
}

/**
 * Read one journal record. `undefined` when it is absent; `'invalid'` when it does not parse or
 * its bytes do not match their recorded hash (it was not written by herogen's atomic writer).
 */
export async function readIncoming(
  root: string,
  key: string,
): Promise<IncomingImage | 'invalid' | undefined> {
  let text: string;
  try {
    text = await readFile(incomingPath(root, key), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  const parsed = journalSchema.safeParse(data);
  if (!parsed.success || parsed.data.key !== key) return 'invalid';
  const bytes = new Uint8Array(Buffer.from(parsed.data.bytes, 'base64'));
  if (sha256Hex(bytes) !== parsed.data.sha256) return 'invalid';
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
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter((key) => KEY.test(key))
    .sort();
}
