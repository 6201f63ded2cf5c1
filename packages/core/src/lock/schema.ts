import { z } from 'zod';
import { STORED_KEY_PATTERN } from '../key/cache-key.js';
import type {
  GenerationRequest,
  HistoryEntry,
  Lock,
  LockEntry,
  PendingTask,
  SpentRecord,
} from '../types.js';

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

// Keys of the lock's records: hex, as `computeKey` makes them (length left open for v2).
const keyField = z.string().regex(STORED_KEY_PATTERN, 'expected a cache key (lowercase hex)');
const sha256 = z.string().regex(SHA256_PATTERN, 'expected a sha256 (64 lowercase hex characters)');
const format = z.enum(['png', 'webp', 'jpeg']);
/** One instance for every timestamp, so `dateTimePattern` reads the pattern they all use. */
const dateTime = z.iso.datetime({ offset: true });

/**
 * The pattern zod checks `dateTime` against (a regex is all a zod ISO datetime checks), for
 * `isSurelyValidLock`; `undefined` if this zod keeps it elsewhere (the fast path then stays off).
 */
export function dateTimePattern(): RegExp | undefined {
  const pattern = (dateTime.def as { pattern?: unknown }).pattern;
  return pattern instanceof RegExp && !pattern.global && !pattern.sticky ? pattern : undefined;
}

const DRIVE_LETTER = /^[A-Za-z]:/;

/** A path segment that is empty, `.` or `..`. */
const DOT_OR_EMPTY_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * Root-relative POSIX path that stays inside the root: no `..` or `.` or empty segment, no
 * leading `/`, no drive letter, no `\`. One regex rather than a split: it runs for every entry.
 */
export function isRootRelativePath(value: string): boolean {
  return (
    value.length > 0 &&
    !value.includes('\\') &&
    !DOT_OR_EMPTY_SEGMENT.test(value) &&
    !DRIVE_LETTER.test(value)
  );
}

const rootRelativePath = z
  .string()
  .min(1)
  .refine(
    isRootRelativePath,
    'expected a root-relative POSIX path inside the project (no "..", no leading "/")',
  );

const referenceSchema = z.strictObject({ path: rootRelativePath, sha256 });

export const generationRequestSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  prompt: z.string(),
  size: z.string().optional(),
  aspect: z.string().optional(),
  resolution: z.enum(['1K', '2K', '4K']).optional(),
  quality: z.string().optional(),
  background: z.enum(['auto', 'opaque', 'transparent']).optional(),
  format,
  references: z.array(referenceSchema),
  variant: z.number().int().nonnegative(),
});

export const lockEntrySchema = z.strictObject({
  file: rootRelativePath,
  sha256,
  bytes: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format,
  provider: z.string().min(1),
  model: z.string().min(1),
  prompt: z.string(),
  request: generationRequestSchema,
  createdAt: dateTime,
  costUsd: z.number().nonnegative().nullable(),
  costConfidence: z.enum(['exact', 'estimate', 'unknown']),
  requestId: z.string().optional(),
  taskId: z.string().optional(),
  revisedPrompt: z.string().optional(),
  placeholder: z.boolean().optional(),
  placeholderReason: z.string().optional(),
  recovered: z.literal(true).optional(),
  fields: z.record(z.string().min(1), z.enum(['hero', 'image'])).optional(),
});

export const historyEntrySchema = lockEntrySchema.extend({
  replacedAt: dateTime,
  reason: z.enum(['regenerate', 'pick', 'restore', 'replaced']),
  note: z.string().optional(),
});

export const pendingTaskSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  taskId: z.string().min(1),
  createdAt: dateTime,
});

export const spentRecordSchema = z.strictObject({
  key: keyField,
  provider: z.string().min(1),
  model: z.string().min(1),
  costUsd: z.number().nonnegative().nullable(),
  costConfidence: z.enum(['exact', 'estimate', 'unknown']),
  at: dateTime,
  reason: z.string(),
  requestId: z.string().optional(),
});

/** `herogen.lock.json`. Strict: an unknown field is reported rather than silently dropped. */
export const lockSchema = z.strictObject({
  version: z.literal(1),
  images: z.record(keyField, lockEntrySchema),
  pending: z.record(keyField, pendingTaskSchema),
  history: z.record(keyField, z.array(historyEntrySchema)).optional(),
  spent: z.array(spentRecordSchema).optional(),
});

// Compile-time proof that the schema matches the contracts in types.ts (the schema is only
// narrower where the contract says `string`, e.g. `format`).
const _toContract = (value: z.infer<typeof lockSchema>): Lock => value;
const _entry = (value: z.infer<typeof lockEntrySchema>): LockEntry => value;
const _request = (value: GenerationRequest): z.infer<typeof generationRequestSchema> => value;
const _pending = (value: PendingTask): z.infer<typeof pendingTaskSchema> => value;
const _history = (value: z.infer<typeof historyEntrySchema>): HistoryEntry => value;
void _toContract;
void _entry;
void _request;
void _pending;
const _spent = (value: z.infer<typeof spentRecordSchema>): SpentRecord => value;
void _history;
void _spent;
