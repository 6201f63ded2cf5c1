/**
 * The lines of an `/v1/images/edits` batch: a JSON body, `EditImageBodyJsonParam` of
 * openai-images-openapi.json, whose `images` are `ImageRefParam`s — `{ file_id }` of a file
 * uploaded through `POST /v1/files`, or `{ image_url }` (this mock reads only `data:` URLs; it
 * fetches nothing). Each line is checked like the synchronous edit of the same request and
 * answered with the same picture, so a hero made by a batch and one made synchronously match.
 */
import type { MockFile } from './batch-store.js';
import type { HandlerContext } from './context.js';
import {
  OPENAI_MAX_EDIT_IMAGES,
  type OpenAIErrorInfo,
  type ResolvedOpenAIRequest,
  resolveOpenAIRequest,
} from './openai-validate.js';

/**
 * The properties of `EditImageBodyJsonParam` (the spec sets `additionalProperties` nowhere, but
 * the API refuses unknown arguments, as for the other bodies). `complexity` is the gpt-image-2.6
 * field the synchronous mock accepts too; `resolveOpenAIRequest` refuses it for other models.
 */
const EDIT_JSON_FIELDS = new Set([
  'model',
  'images',
  'mask',
  'prompt',
  'n',
  'quality',
  'input_fidelity',
  'size',
  'user',
  'output_format',
  'output_compression',
  'moderation',
  'background',
  'stream',
  'partial_images',
  'complexity',
]);
/** `ImageRefParam.image_url.maxLength`. */
const MAX_IMAGE_URL = 20_971_520;
/** Purposes a file given as an image input may have (`CreateFileRequest.purpose`). */
const IMAGE_PURPOSES = ['vision', 'user_data'];

/** One input image of an edit line, read from its file or data URL. */
export interface EditInput {
  param: string;
  bytes: Buffer;
}

export type EditLineCheck =
  | { ok: true; request: ResolvedOpenAIRequest; inputs: EditInput[]; mask: EditInput | undefined }
  | { ok: false; error: OpenAIErrorInfo };

const invalid = (message: string, param: string | null, code: string | null): EditLineCheck => ({
  ok: false,
  error: { status: 400, message, type: 'invalid_request_error', param, code },
});

/**
 * Check a JSON edit body field by field against `EditImageBodyJsonParam` (and the rules the
 * synchronous edit applies: model, size, quality, format…), and find each referenced image.
 * Its bytes are checked as images by the caller (that needs sharp, so it is async).
 */
export function checkEditLine(body: Record<string, unknown>, ctx: HandlerContext): EditLineCheck {
  for (const field of Object.keys(body)) {
    if (!EDIT_JSON_FIELDS.has(field)) {
      return invalid(`Unrecognized request argument supplied: ${field}`, null, null);
    }
  }
  const images = body.images;
  if (images === undefined || images === null) {
    return invalid("Missing required parameter: 'images'.", 'images', 'missing_required_parameter');
  }
  if (!Array.isArray(images)) {
    return invalid(
      "Invalid type for 'images': expected an array of image references.",
      'images',
      'invalid_type',
    );
  }
  if (images.length === 0 || images.length > OPENAI_MAX_EDIT_IMAGES) {
    return invalid(
      `Invalid 'images': expected between 1 and ${OPENAI_MAX_EDIT_IMAGES} images, but got ${images.length}.`,
      'images',
      images.length === 0 ? 'array_below_min_length' : 'array_above_max_length',
    );
  }
  // Everything but the images goes through the synchronous edit's checks.
  const { images: _images, mask: _mask, moderation, ...rest } = body;
  const resolved = resolveOpenAIRequest(rest, 'edits', false);
  if (!resolved.ok) return resolved;
  if (
    moderation !== undefined &&
    moderation !== null &&
    !['low', 'auto'].includes(String(moderation))
  ) {
    return invalid(
      `Invalid value: '${String(moderation)}'. Supported values are: 'low' and 'auto'.`,
      'moderation',
      'invalid_value',
    );
  }
  const inputs: EditInput[] = [];
  for (const [i, ref] of images.entries()) {
    const input = readRef(ref, `images[${i}]`, ctx);
    if ('error' in input) return { ok: false, error: input.error };
    inputs.push(input);
  }
  let mask: EditInput | undefined;
  if (body.mask !== undefined && body.mask !== null) {
    const input = readRef(body.mask, 'mask', ctx);
    if ('error' in input) return { ok: false, error: input.error };
    mask = input;
  }
  return { ok: true, request: resolved.value, inputs, mask };
}

/** One `ImageRefParam`: exactly one of `file_id` (an uploaded image) and `image_url`. */
function readRef(
  ref: unknown,
  param: string,
  ctx: HandlerContext,
): EditInput | { error: OpenAIErrorInfo } {
  const fail = (message: string, code: string | null, at = param) => ({
    error: { status: 400, message, type: 'invalid_request_error', param: at, code },
  });
  if (typeof ref !== 'object' || ref === null || Array.isArray(ref)) {
    return fail(`Invalid type for '${param}': expected an object.`, 'invalid_type');
  }
  const fields = Object.keys(ref);
  const extra = fields.find((f) => f !== 'file_id' && f !== 'image_url');
  if (extra) return fail(`Unrecognized argument '${param}.${extra}'.`, 'unknown_parameter');
  const { file_id: fileId, image_url: imageUrl } = ref as Record<string, unknown>;
  if ((fileId === undefined) === (imageUrl === undefined)) {
    return fail(
      `Invalid '${param}': provide exactly one of 'file_id' or 'image_url'.`,
      'invalid_value',
    );
  }
  if (fileId !== undefined) {
    const at = `${param}.file_id`;
    if (typeof fileId !== 'string') {
      return fail(`Invalid type for '${at}': expected a string.`, 'invalid_type', at);
    }
    const file = ctx.state.batch.files.get(fileId);
    if (!file || file.key !== ctx.key || expired(file)) {
      return fail(`Invalid '${at}': no file with id '${fileId}' was found.`, 'invalid_file_id', at);
    }
    if (!IMAGE_PURPOSES.includes(file.purpose)) {
      return fail(
        `Invalid '${at}': file '${fileId}' has purpose '${file.purpose}'; an image input needs purpose ${IMAGE_PURPOSES.map((p) => `'${p}'`).join(' or ')}.`,
        'invalid_value',
        at,
      );
    }
    return { param: at, bytes: file.bytes };
  }
  const at = `${param}.image_url`;
  if (typeof imageUrl !== 'string') {
    return fail(`Invalid type for '${at}': expected a string.`, 'invalid_type', at);
  }
  if (imageUrl.length > MAX_IMAGE_URL) {
    return fail(
      `Invalid '${at}': string too long. Expected a string with maximum length ${MAX_IMAGE_URL}, but got a string with length ${imageUrl.length} instead.`,
      'string_above_max_length',
      at,
    );
  }
  const data = /^data:image\/(png|jpeg|webp);base64,([A-Za-z0-9+/]+={0,2})$/.exec(imageUrl);
  if (!data) {
    return fail(
      `Invalid '${at}': the herogen mock API reads only base64 data URLs of PNG, JPEG or WebP images (it fetches no URL).`,
      'invalid_value',
      at,
    );
  }
  return { param: at, bytes: Buffer.from(data[2]!, 'base64') };
}

function expired(file: MockFile): boolean {
  return file.expiresAt !== undefined && Date.now() >= file.expiresAt;
}
