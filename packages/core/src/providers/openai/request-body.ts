/**
 * The bodies herogen sends to OpenAI's image endpoints: the JSON generation body, the multipart
 * edit (sync) and the JSON edit (a batch line), built from the same fields so the three agree.
 */
import { basename } from 'node:path';
import type { FormData } from 'undici';
import { HerogenError } from '../../errors.js';
import { sniffImageType } from '../../image/sniff.js';
import type { GenerationRequest, ProviderContext } from '../../types.js';

/** The JSON body of `POST /images/generations`: only fields of the published spec. */
export function buildGenerationBody(
  request: GenerationRequest,
  moderation?: 'auto' | 'low',
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    prompt: request.prompt,
    n: 1,
    size: request.size,
    output_format: request.format,
  };
  if (request.quality !== undefined) body.quality = request.quality;
  if (request.background !== undefined && request.background !== 'auto') {
    body.background = request.background;
  }
  if (moderation !== undefined) body.moderation = moderation;
  return body;
}

/**
 * The JSON body of `POST /images/edits` (`EditImageBodyJsonParam`), as a batch line sends it:
 * the fields the multipart edit sends (`buildEditForm`: the generation fields without
 * `moderation`), with the reference images as `images: [{ file_id }]` (`ImageRefParam`), in
 * the order written. `fileIds` maps a reference's sha256 to its uploaded file.
 * The spec's `EditImageBodyJsonParam.size` enum lists only `auto` and the three standard sizes,
 * while its multipart twin (`CreateImageEditRequest.size`) documents gpt-image-2's custom
 * `WxH` sizes; the size is sent as the sync edit sends it, on the assumption that the enum lags.
 */
export function buildEditJsonBody(
  request: GenerationRequest,
  fileIds: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const images = request.references.map((reference) => {
    const id = fileIds.get(reference.sha256);
    if (!id) {
      throw new HerogenError(
        'REQUEST_INVALID',
        `reference image ${reference.path} has not been uploaded for the batch`,
      );
    }
    return { file_id: id };
  });
  return { ...buildGenerationBody(request), images };
}

/** The media type of a reference image OpenAI edits accept (PNG, JPEG, WebP), or an error. */
export function referenceMediaType(path: string, bytes: Uint8Array): string {
  const sniffed = sniffImageType(bytes);
  if (!sniffed || !['png', 'jpeg', 'webp'].includes(sniffed.extension)) {
    throw new HerogenError(
      'REFERENCE_INVALID',
      `Reference image ${path} is not a PNG, JPEG or WebP file; OpenAI edits accept only those.`,
      { location: { file: path } },
    );
  }
  return sniffed.mediaType;
}

export interface ReferenceFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** Read a hero's reference images, each checked to be a type edits accept. */
export async function readReferences(
  request: GenerationRequest,
  context: ProviderContext,
): Promise<ReferenceFile[]> {
  const files: ReferenceFile[] = [];
  for (const reference of request.references) {
    const bytes = await context.readReference(reference.path);
    const type = referenceMediaType(reference.path, bytes);
    files.push({ name: basename(reference.path), type, bytes });
  }
  return files;
}

/**
 * The multipart body of `POST /images/edits`, references as repeated `image[]` parts, in
 * undici's FormData (loaded with the first request), which its `request` sends as multipart.
 */
export async function buildEditForm(
  request: GenerationRequest,
  references: ReferenceFile[],
): Promise<FormData> {
  const { FormData } = await import('undici');
  const form = new FormData();
  for (const [name, value] of Object.entries(buildGenerationBody(request))) {
    form.append(name, String(value));
  }
  for (const file of references) {
    form.append('image[]', new Blob([file.bytes], { type: file.type }), file.name);
  }
  return form;
}
