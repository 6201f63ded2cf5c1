/**
 * Lock entries built from what is known: the request's own fields (`pickRequest`), and an entry
 * rebuilt from an original found on disk that the lock does not list (`recoveredEntry`).
 */
import type { GenerationRequest, ImageFormat, LockEntry } from '../types.js';

/** Copy only the contract's fields: whatever else rides on the object never reaches the lock. */
export function pickRequest(request: GenerationRequest): GenerationRequest {
  const picked: GenerationRequest = {
    provider: request.provider,
    model: request.model,
    prompt: request.prompt,
    format: request.format,
    references: request.references.map(({ path, sha256 }) => ({ path, sha256 })),
    variant: request.variant,
  };
  if (request.size !== undefined) picked.size = request.size;
  if (request.aspect !== undefined) picked.aspect = request.aspect;
  if (request.resolution !== undefined) picked.resolution = request.resolution;
  if (request.quality !== undefined) picked.quality = request.quality;
  if (request.background !== undefined) picked.background = request.background;
  return picked;
}

/**
 * The entry of an original found at `<outDir>/<key>.<ext>` with no lock entry: its name is the
 * hash of `request`, so it is that request's image. Paid originals are stored as the provider
 * sent them (herogen embeds nothing), so the cost and ids the lock lost are unknown.
 */
export function recoveredEntry(
  request: GenerationRequest,
  found: {
    file: string;
    sha256: string;
    bytes: number;
    format: ImageFormat;
    width: number;
    height: number;
    modified: Date;
  },
): LockEntry {
  return {
    file: found.file,
    sha256: found.sha256,
    bytes: found.bytes,
    width: found.width,
    height: found.height,
    format: found.format,
    provider: request.provider,
    model: request.model,
    prompt: request.prompt,
    request: pickRequest(request),
    createdAt: found.modified.toISOString(),
    costUsd: null,
    costConfidence: 'unknown',
    recovered: true,
  };
}
