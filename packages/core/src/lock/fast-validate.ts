import { isCacheKey } from '../key/cache-key.js';
import type { Lock } from '../types.js';
import { dateTimePattern, isRootRelativePath, SHA256_PATTERN } from './schema.js';

/**
 * A hand-written twin of `lockSchema` for the common case, a valid lock: zod walks a
 * 5,000-entry lock in ~100 ms, this in a few. It only ever says "valid" for a value zod accepts
 * as is; for anything else (unknown field, wrong type, bad pattern, or a zod version whose
 * datetime pattern cannot be read) it says "not sure" and the caller asks zod, which decides
 * and words the error. So what is rejected, and how, is zod's alone.
 */
export function isSurelyValidLock(data: unknown): data is Lock {
  const datetime = dateTimePattern();
  if (!datetime || !isRecord(data)) return false;
  for (const name in data) {
    if (name !== 'version' && name !== 'images' && name !== 'pending' && name !== 'history')
      return false;
  }
  if (data.version !== 1) return false;
  const { images, pending, history } = data;
  if (!isRecord(images) || !isRecord(pending)) return false;
  for (const key in images) {
    if (!isCacheKey(key) || !isEntry(images[key], datetime, ENTRY_FIELDS)) return false;
  }
  for (const key in pending) {
    if (!isCacheKey(key) || !isPending(pending[key], datetime)) return false;
  }
  if (history !== undefined) {
    if (!isRecord(history)) return false;
    for (const key in history) {
      const takes = history[key];
      if (!isCacheKey(key) || !Array.isArray(takes)) return false;
      for (const take of takes) if (!isHistoryEntry(take, datetime)) return false;
    }
  }
  return true;
}

type Fields = ReadonlySet<string>;

const ENTRY_FIELDS: Fields = new Set([
  'file',
  'sha256',
  'bytes',
  'width',
  'height',
  'format',
  'provider',
  'model',
  'prompt',
  'request',
  'createdAt',
  'costUsd',
  'costConfidence',
  'requestId',
  'taskId',
  'revisedPrompt',
  'placeholder',
  'placeholderReason',
  'recovered',
  'fields',
]);
const HISTORY_FIELDS: Fields = new Set([...ENTRY_FIELDS, 'replacedAt', 'reason', 'note']);
const REQUEST_FIELDS: Fields = new Set([
  'provider',
  'model',
  'prompt',
  'size',
  'aspect',
  'resolution',
  'quality',
  'background',
  'format',
  'references',
  'variant',
]);

/** A plain JSON object (what JSON.parse makes), not an array or null. */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Every own key is one of `fields` (a strict object). */
function onlyFields(record: Record<string, unknown>, fields: Fields): boolean {
  for (const name in record) if (!fields.has(name)) return false;
  return Object.getOwnPropertySymbols(record).length === 0;
}

const isFormat = (value: unknown) => value === 'png' || value === 'webp' || value === 'jpeg';
const isNonEmpty = (value: unknown) => typeof value === 'string' && value.length > 0;
/** zod's `.int()` is a safe integer. */
const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
const isPositive = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;
const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';
const isSha256 = (value: unknown) => typeof value === 'string' && SHA256_PATTERN.test(value);
const isPath = (value: unknown) => typeof value === 'string' && isRootRelativePath(value);

function isEntry(value: unknown, datetime: RegExp, fields: Fields): value is object {
  if (!isRecord(value) || !onlyFields(value, fields)) return false;
  const costUsd = value.costUsd;
  return (
    isPath(value.file) &&
    isSha256(value.sha256) &&
    isCount(value.bytes) &&
    isPositive(value.width) &&
    isPositive(value.height) &&
    isFormat(value.format) &&
    isNonEmpty(value.provider) &&
    isNonEmpty(value.model) &&
    typeof value.prompt === 'string' &&
    isRequest(value.request) &&
    typeof value.createdAt === 'string' &&
    datetime.test(value.createdAt) &&
    (costUsd === null ||
      (typeof costUsd === 'number' && Number.isFinite(costUsd) && costUsd >= 0)) &&
    (value.costConfidence === 'exact' ||
      value.costConfidence === 'estimate' ||
      value.costConfidence === 'unknown') &&
    isOptionalString(value.requestId) &&
    isOptionalString(value.taskId) &&
    isOptionalString(value.revisedPrompt) &&
    (value.placeholder === undefined || typeof value.placeholder === 'boolean') &&
    isOptionalString(value.placeholderReason) &&
    (value.recovered === undefined || value.recovered === true) &&
    (value.fields === undefined || isFieldModes(value.fields))
  );
}

/** `{ hero: 'hero', heroImage: 'image' }`: non-empty names, each with a known mode. */
function isFieldModes(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const name in value) {
    if (name.length === 0 || (value[name] !== 'hero' && value[name] !== 'image')) return false;
  }
  return true;
}

function isHistoryEntry(value: unknown, datetime: RegExp): boolean {
  if (!isEntry(value, datetime, HISTORY_FIELDS)) return false;
  const take = value as Record<string, unknown>;
  return (
    typeof take.replacedAt === 'string' &&
    datetime.test(take.replacedAt) &&
    (take.reason === 'regenerate' || take.reason === 'pick' || take.reason === 'replaced') &&
    isOptionalString(take.note)
  );
}

function isRequest(value: unknown): boolean {
  if (!isRecord(value) || !onlyFields(value, REQUEST_FIELDS)) return false;
  const { references, resolution, background } = value;
  if (!Array.isArray(references)) return false;
  for (const reference of references) {
    if (!isRecord(reference) || !onlyFields(reference, REFERENCE_FIELDS)) return false;
    if (!isPath(reference.path) || !isSha256(reference.sha256)) return false;
  }
  return (
    isNonEmpty(value.provider) &&
    isNonEmpty(value.model) &&
    typeof value.prompt === 'string' &&
    isOptionalString(value.size) &&
    isOptionalString(value.aspect) &&
    (resolution === undefined ||
      resolution === '1K' ||
      resolution === '2K' ||
      resolution === '4K') &&
    isOptionalString(value.quality) &&
    (background === undefined ||
      background === 'auto' ||
      background === 'opaque' ||
      background === 'transparent') &&
    isFormat(value.format) &&
    isCount(value.variant)
  );
}

const REFERENCE_FIELDS: Fields = new Set(['path', 'sha256']);

function isPending(value: unknown, datetime: RegExp): boolean {
  if (!isRecord(value) || !onlyFields(value, PENDING_FIELDS)) return false;
  return (
    isNonEmpty(value.provider) &&
    isNonEmpty(value.model) &&
    isNonEmpty(value.taskId) &&
    typeof value.createdAt === 'string' &&
    datetime.test(value.createdAt)
  );
}

const PENDING_FIELDS: Fields = new Set(['provider', 'model', 'taskId', 'createdAt']);
