/**
 * Reading hiapi answers: the envelope `{ code, message, data, error_code? }`, its errors, and
 * what a failed task says (providers.md §2).
 */
import { HerogenError } from '../../errors.js';
import { parseJsonResponse } from '../../http/call.js';
import type { HttpResponse } from '../../http/client.js';
import {
  type ApiErrorDetails,
  badResponse,
  type CallContext,
  type ErrorAdvice,
  statusError,
} from '../../http/errors.js';
import { HIAPI_PRICING_PAGE } from './pricing.js';
import { type HiapiTask, hiapiEnvelopeSchema } from './schemas.js';

export const HIAPI_ADVICE: ErrorAdvice = {
  auth: 'Check HIAPI_API_KEY (or `hiapi.apiKey`); tasks made with another account are not visible to this key.',
  quota: `Top up your hiapi balance (prices: ${HIAPI_PRICING_PAGE}), then run again.`,
  notFound:
    'Check `model`: hiapi offers gpt-image-2, gpt-image-2-pro, gpt-image-2-image-to-image and gpt-image-2-image-to-image-pro.',
  moderation: 'Rephrase the prompt: policy refusals are deterministic, so it is not retried.',
};

/** Reads the hiapi envelope `{ code, message, error_code }`, or the raw text. */
export function readHiapiError(body: unknown, text: string): ApiErrorDetails {
  const parsed = hiapiEnvelopeSchema.safeParse(body);
  if (parsed.success && (parsed.data.message || parsed.data.error_code)) {
    return { message: parsed.data.message, code: parsed.data.error_code ?? null };
  }
  return { message: text.slice(0, 300) };
}

/** The `data` of a 2xx envelope; an envelope whose own `code` is an error becomes one. */
export function envelopeData(call: CallContext, response: HttpResponse): unknown {
  const json = parseJsonResponse(call, response);
  const envelope = hiapiEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw badResponse(call, 'the answer is not a hiapi envelope', response.headers['x-request-id']);
  }
  const code = envelope.data.code;
  if (code !== undefined && code !== 200 && code >= 300) {
    throw statusError(call, code, response.headers, {
      message: envelope.data.message,
      code: envelope.data.error_code ?? null,
    });
  }
  return envelope.data.data;
}

export function mayHaveBilledError(error: HerogenError): HerogenError {
  return new HerogenError(
    error.code,
    `${error.message} The task may have been created and billed.`,
    {
      requestId: error.requestId,
      status: error.status,
      mayHaveBilled: true,
    },
  );
}

export function taskFailed(model: string, taskId: string, task: HiapiTask): HerogenError {
  const code = task.error?.code !== undefined ? String(task.error.code) : undefined;
  const message = task.error?.message;
  const policy = /polic|safety|moderat|sensitive/i.test(`${code ?? ''} ${message ?? ''}`);
  const todo = policy
    ? 'Rephrase the prompt; the task is not retried.'
    : 'It is not retried automatically; run again to try a new task (paid again).';
  return new HerogenError(
    'PROVIDER_TASK_FAILED',
    `hiapi ${model}: task ${taskId} failed${code ? ` (${code})` : ''}${message ? `: "${message}"` : ''}. ${todo}`,
    { requestId: taskId },
  );
}
