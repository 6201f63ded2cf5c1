/**
 * The lines of OpenAI batch files: the JSONL input line of a request (the synchronous body, or
 * for edits its JSON form with references by file id) and the reading of an output or error
 * line back into an image at the batch price, through the synchronous answer reader.
 */
import { z } from 'zod';
import { HerogenError } from '../../errors.js';
import type { CallContext } from '../../http/errors.js';
import type { BatchLineResult, GenerationRequest } from '../../types.js';
import type { OpenAIBatchDeps } from './batch-session.js';

/** OpenAI bills batch requests at half the synchronous price. */
export const OPENAI_BATCH_PRICE_FACTOR = 0.5;
const EDITS = '/v1/images/edits';
const GENERATIONS = '/v1/images/generations';

const lineSchema = z.object({
  custom_id: z.string(),
  response: z
    .object({ status_code: z.number().int(), request_id: z.string().nullish(), body: z.unknown() })
    .nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

/** Heroes with reference images are edits; the others generations. One endpoint per batch. */
export function endpointFor(request: GenerationRequest): string {
  return request.references.length === 0 ? GENERATIONS : EDITS;
}

/** One JSONL input line (no newline). */
export function batchLine(
  deps: OpenAIBatchDeps,
  line: { customId: string; request: GenerationRequest; fileIds: ReadonlyMap<string, string> },
): string {
  const { customId, request, fileIds } = line;
  const edit = request.references.length > 0;
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: edit ? EDITS : GENERATIONS,
    body: edit ? deps.editBody(request, fileIds) : deps.body(request),
  });
}

/** One line of an output or error file: an image at the batch price, or why there is none. */
export function readBatchLine(
  deps: OpenAIBatchDeps,
  value: unknown,
  req: GenerationRequest | undefined,
): BatchLineResult {
  const parsed = lineSchema.safeParse(value);
  if (!parsed.success) {
    return { customId: '', ok: false, message: 'a line of the batch file is not a batch result' };
  }
  const { custom_id: customId, response, error } = parsed.data;
  const requestId = response?.request_id ?? undefined;
  const ids = requestId ? { requestId } : {};
  if (response?.status_code !== 200) {
    const details = response ? deps.readError(response.body, '') : {};
    const code = details.code ?? error?.code;
    return {
      customId,
      ok: false,
      ...(response ? { status: response.status_code } : {}),
      ...(code ? { code } : {}),
      message: details.message ?? error?.message ?? `HTTP ${response?.status_code ?? 'unknown'}`,
      ...ids,
    };
  }
  if (!req) {
    return { customId, ok: false, message: 'no request of this batch has this custom_id', ...ids };
  }
  const call: CallContext = {
    provider: 'openai',
    model: req.model,
    operation: 'batch image',
    mode: 'idempotent',
    secrets: [],
    advice: deps.advice,
  };
  try {
    const image = deps.readImage(call, req, {
      headers: requestId ? { 'x-request-id': requestId } : {},
      json: response.body,
      priceFactor: OPENAI_BATCH_PRICE_FACTOR,
    });
    return { customId, ok: true, image };
  } catch (failure) {
    if (!HerogenError.is(failure)) throw failure;
    const billed = failure.billed;
    return {
      customId,
      ok: false,
      status: 200,
      message: failure.message,
      ...ids,
      ...(billed
        ? {
            billed: {
              costUsd: billed.costUsd,
              ...(billed.requestId ? { requestId: billed.requestId } : {}),
            },
          }
        : {}),
    };
  }
}
