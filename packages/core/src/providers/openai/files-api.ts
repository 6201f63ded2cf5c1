/**
 * OpenAI's Files API, as batches use it: upload a file (`POST /files`: a JSONL input, or a
 * reference image), list the live files of a purpose, and download a batch's output or error
 * file to disk (`GET /files/{id}/content`).
 */
import { z } from 'zod';
import { HerogenError } from '../../errors.js';
import { parseJsonResponse } from '../../http/call.js';
import { type Session, send, sendJson } from './batch-session.js';

/** Output files can be large (base64 images): up to 2 GB is streamed to disk. */
const MAX_OUTPUT_BYTES = 2 * 1024 * 1024 * 1024;

/** A file or batch id as the API hands it back (checked: it goes into paths and records). */
export const apiId = z.string().regex(/^[\w-]{1,200}$/);
const fileSchema = z.object({ id: apiId });
const fileListSchema = z.object({
  data: z.array(z.object({ id: apiId })),
  has_more: z.boolean().optional(),
});

export async function uploadFile(
  s: Session,
  file: { bytes: Uint8Array; type: string; name: string; purpose: string },
): Promise<string> {
  const { FormData } = await import('undici');
  const form = new FormData();
  form.append('purpose', file.purpose);
  form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
  const response = await send(s, { method: 'POST', path: '/files', body: form });
  const parsed = fileSchema.safeParse(parseJsonResponse(s.call, response));
  if (!parsed.success) {
    throw new HerogenError(
      'PROVIDER_BAD_RESPONSE',
      'openai batch: the file upload answered without a file id.',
    );
  }
  return parsed.data.id;
}

/** Ids of the files of `purpose` the API still has (`GET /files`, paged by `after`). */
export async function listFiles(s: Session, purpose: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: string | undefined;
  for (let page = 0; page < 100; page++) {
    const query = `purpose=${encodeURIComponent(purpose)}&limit=10000${after ? `&after=${encodeURIComponent(after)}` : ''}`;
    const parsed = fileListSchema.safeParse(
      await sendJson(s, { method: 'GET', path: `/files?${query}` }),
    );
    if (!parsed.success) {
      throw new HerogenError('PROVIDER_BAD_RESPONSE', 'openai batch: the file list is unusable.');
    }
    for (const file of parsed.data.data) ids.add(file.id);
    after = parsed.data.data.at(-1)?.id;
    if (!parsed.data.has_more || !after) break;
  }
  return ids;
}

/** Stream a file's content to `saveTo`; false when the API no longer has it. */
export async function downloadFile(s: Session, fileId: string, saveTo: string): Promise<boolean> {
  try {
    await send(s, {
      method: 'GET',
      path: `/files/${encodeURIComponent(fileId)}/content`,
      maxBodyBytes: MAX_OUTPUT_BYTES,
      saveTo,
    });
    return true;
  } catch (error) {
    // Gone: expired or deleted. The caller reports what that loses.
    if (HerogenError.is(error) && (error.status === 404 || error.status === 410)) return false;
    throw error;
  }
}
