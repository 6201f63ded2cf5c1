import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { decompressionBombPng } from './bomb.js';
import type { FormFile, HandlerContext, HandlerResult, Reply } from './context.js';
import { hashOf, nonImageBytes, renderImage } from './images.js';
import {
  OPENAI_MAX_EDIT_IMAGES,
  type ResolvedOpenAIRequest,
  resolveOpenAIRequest,
} from './openai-validate.js';
import { jsonReply, openaiErrorReply } from './replies.js';
import { computeOpenAIUsage } from './usage.js';

const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
const MAX_MASK_BYTES = 4 * 1024 * 1024;

const badRequest = (message: string, param: string | null, code: string | null): Reply =>
  openaiErrorReply({ status: 400, message, type: 'invalid_request_error', param, code });

/** `POST /v1/images/generations` (JSON). */
export function handleGenerations(ctx: HandlerContext): HandlerResult {
  if (ctx.body.kind !== 'json' || !isObject(ctx.body.value)) {
    return {
      reply: badRequest(
        'We could not parse the JSON body of your request. The body must be a JSON object.',
        null,
        null,
      ),
    };
  }
  const resolved = resolveOpenAIRequest(ctx.body.value, 'generations', false);
  if (!resolved.ok) return { reply: openaiErrorReply(resolved.error) };
  return { produce: () => produceImages(ctx, resolved.value, []) };
}

/** `POST /v1/images/edits` (multipart with `image` / `image[]` and optional `mask`). */
export async function handleEdits(ctx: HandlerContext): Promise<HandlerResult> {
  if (ctx.body.kind !== 'form') {
    return {
      reply: badRequest(
        "Invalid Content-Type header (expected 'multipart/form-data').",
        null,
        'invalid_content_type',
      ),
    };
  }
  const { fields, files } = ctx.body;
  const params: Record<string, unknown> = { ...fields };
  for (const file of files) params[file.field] = `[file ${file.filename}]`;
  const resolved = resolveOpenAIRequest(params, 'edits', true);
  if (!resolved.ok) return { reply: openaiErrorReply(resolved.error) };

  const images = files.filter((f) => f.field === 'image' || f.field === 'image[]');
  if (images.length === 0) {
    if ('image' in fields || 'image[]' in fields) {
      return {
        reply: badRequest("Invalid 'image': expected a file upload.", 'image', 'invalid_type'),
      };
    }
    return {
      reply: badRequest(
        "Missing required parameter: 'image'.",
        'image',
        'missing_required_parameter',
      ),
    };
  }
  if (images.length > OPENAI_MAX_EDIT_IMAGES) {
    return {
      reply: badRequest(
        `Invalid 'image': too many images. Expected at most ${OPENAI_MAX_EDIT_IMAGES}, but got ${images.length}.`,
        'image',
        'array_above_max_length',
      ),
    };
  }
  const sizes: Array<{ width: number; height: number }> = [];
  for (const [i, image] of images.entries()) {
    const info = await inspectImage(image, MAX_IMAGE_BYTES, ['png', 'jpeg', 'webp']);
    if ('error' in info) {
      return {
        reply: badRequest(`${info.error} for image ${i + 1}.`, 'image', 'invalid_image_file'),
      };
    }
    sizes.push(info);
  }
  const mask = files.find((f) => f.field === 'mask');
  if (mask) {
    const info = await inspectImage(mask, MAX_MASK_BYTES, ['png']);
    if ('error' in info) {
      return { reply: badRequest(`${info.error} for the mask.`, 'mask', 'invalid_image_file') };
    }
    const first = sizes[0];
    if (first && (info.width !== first.width || info.height !== first.height)) {
      return {
        reply: badRequest(
          `Invalid mask: the mask (${info.width}x${info.height}) must have the same dimensions as the first image (${first.width}x${first.height}).`,
          'mask',
          'invalid_mask_dimensions',
        ),
      };
    }
  }
  // Edits of different inputs must give different pictures.
  const inputDigest = [...images, ...(mask ? [mask] : [])].map((f) =>
    createHash('sha256').update(f.bytes).digest('hex'),
  );
  return { produce: () => produceImages(ctx, resolved.value, sizes, inputDigest) };
}

/**
 * A batch line's answer: what `POST /v1/images/generations` answers for the same body, or for an
 * edit line (`edit` given: its input images and mask, read from files or data URLs) what
 * `POST /v1/images/edits` answers for the same request and images.
 */
export async function renderLineImage(
  ctx: HandlerContext,
  request: ResolvedOpenAIRequest,
  fault: HandlerContext['fault'],
  edit?: {
    inputs: Array<{ param: string; bytes: Buffer }>;
    mask?: { param: string; bytes: Buffer };
  },
): Promise<Reply> {
  if (!edit) return produceImages({ ...ctx, route: 'openai.generations', fault }, request, []);
  const sizes: Array<{ width: number; height: number }> = [];
  for (const input of edit.inputs) {
    const info = await inspectImage(input, MAX_IMAGE_BYTES, ['png', 'jpeg', 'webp']);
    if ('error' in info) {
      return badRequest(`${info.error} for ${input.param}.`, input.param, 'invalid_image_file');
    }
    sizes.push(info);
  }
  if (edit.mask) {
    const info = await inspectImage(edit.mask, MAX_MASK_BYTES, ['png']);
    if ('error' in info) {
      return badRequest(`${info.error} for the mask.`, edit.mask.param, 'invalid_image_file');
    }
  }
  const files = [...edit.inputs, ...(edit.mask ? [edit.mask] : [])];
  const inputDigest = files.map((f) => createHash('sha256').update(f.bytes).digest('hex'));
  return produceImages({ ...ctx, route: 'openai.edits', fault }, request, sizes, inputDigest);
}

async function produceImages(
  ctx: HandlerContext,
  request: ResolvedOpenAIRequest,
  inputImages: Array<{ width: number; height: number }>,
  inputDigest: string[] = [],
): Promise<Reply> {
  const fault = ctx.fault;
  const wrong = fault?.type === 'wrongDimensions';
  const width = wrong ? halve(request.width) : request.width;
  const height = wrong ? halve(request.height) : request.height;
  const data: Array<{ b64_json?: string; revised_prompt?: string }> = [];
  for (let i = 0; i < request.n; i++) {
    const seed = hashOf(
      ctx.route,
      request.model,
      request.prompt,
      request.width,
      request.height,
      request.quality,
      request.background,
      request.variant,
      inputDigest,
      i,
      ...(ctx.state.options.newTakes ? [++ctx.state.takes] : []),
    );
    if (fault?.type === 'missingImage') {
      data.push({ revised_prompt: request.prompt });
      continue;
    }
    if (fault?.type === 'invalidBase64') {
      data.push({ b64_json: `%%not-base64%%${seed.slice(0, 12)}!!` });
      continue;
    }
    if (fault?.type === 'nonImage') {
      data.push({ b64_json: nonImageBytes(seed).toString('base64') });
      continue;
    }
    if (fault?.type === 'decompressionBomb') {
      const bomb = await decompressionBombPng(fault.width ?? 16000, fault.height ?? 16000);
      data.push({ b64_json: bomb.toString('base64') });
      continue;
    }
    if (fault?.type === 'svgImage') {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#${seed.slice(0, 6)}"/></svg>\n`;
      data.push({ b64_json: Buffer.from(svg).toString('base64') });
      continue;
    }
    const rendered = await renderImage({
      width,
      height,
      format: request.outputFormat,
      seed,
      transparent: request.background === 'transparent',
      compression: request.compression,
    });
    const bytes =
      fault?.type === 'truncatedImage'
        ? rendered.subarray(0, Math.floor(rendered.length / 2))
        : rendered;
    data.push({
      b64_json: bytes.toString('base64'),
      ...(fault?.type === 'echoKey'
        ? { revised_prompt: `${request.prompt} (Authorization: Bearer ${ctx.key ?? ''})` }
        : {}),
    });
  }
  const reply = jsonReply(200, {
    created: Math.floor(Date.now() / 1000),
    data,
    background: request.background,
    output_format: request.outputFormat,
    size: `${request.width}x${request.height}`,
    quality: request.quality,
    usage: computeOpenAIUsage({
      prompt: request.prompt,
      width: request.width,
      height: request.height,
      quality: request.quality,
      n: request.n,
      inputImages,
      outputTokensPerMegapixel: ctx.state.options.outputTokensPerMegapixel,
    }),
  });
  if (fault?.type === 'dribbledAnswer') return { ...dribble(reply, fault), billed: true };
  return { ...reply, billed: true };
}

/** The reply's body in pieces written apart (see the `dribbledAnswer` fault). */
function dribble(reply: Reply, fault: { chunkBytes: number; escapeSlashes?: boolean }): Reply {
  const text = reply.body?.toString('latin1') ?? '';
  const body = Buffer.from(fault.escapeSlashes ? text.replaceAll('/', '\\/') : text, 'latin1');
  const size = Math.max(1, Math.floor(fault.chunkBytes));
  const { body: _whole, ...rest } = reply;
  return {
    ...rest,
    stream: {
      async *chunks() {
        for (let at = 0; at < body.length; at += size) {
          // A pause between pieces, so that they reach the client as separate reads.
          await new Promise((resolve) => setTimeout(resolve, 1));
          yield body.subarray(at, at + size);
        }
      },
    },
  };
}

async function inspectImage(
  file: Pick<FormFile, 'bytes'>,
  maxBytes: number,
  formats: string[],
): Promise<{ width: number; height: number } | { error: string }> {
  if (file.bytes.length > maxBytes) {
    return { error: `Invalid image file: larger than ${Math.round(maxBytes / 1024 / 1024)} MB` };
  }
  try {
    const meta = await sharp(file.bytes).metadata();
    if (!meta.format || !formats.includes(meta.format) || !meta.width || !meta.height) {
      return { error: `Invalid image file or mode (expected ${formats.join(', ')})` };
    }
    return { width: meta.width, height: meta.height };
  } catch {
    return { error: 'Invalid image file or mode, please check your image file' };
  }
}

function halve(value: number): number {
  return Math.max(16, Math.round(value / 32) * 16);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
