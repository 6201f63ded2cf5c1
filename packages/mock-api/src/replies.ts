import type { Reply } from './context.js';
import type { OpenAIErrorInfo } from './openai-validate.js';
import type { StatusFault } from './types.js';

export type ErrorStyle = 'openai' | 'hiapi';

const HIAPI_ERROR_CODES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  402: 'INSUFFICIENT_BALANCE',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'EXPIRED',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

const OPENAI_ERROR_TYPES: Record<number, string> = {
  429: 'requests',
  500: 'server_error',
  502: 'server_error',
  503: 'server_error',
  504: 'server_error',
};

export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(value)),
  };
}

export function openaiErrorReply(info: OpenAIErrorInfo, headers?: Record<string, string>): Reply {
  return jsonReply(
    info.status,
    { error: { message: info.message, type: info.type, param: info.param, code: info.code } },
    headers,
  );
}

/** An OpenAI 400 `invalid_request_error`. */
export function invalidRequestReply(
  message: string,
  param: string | null,
  code: string | null = null,
): Reply {
  return openaiErrorReply({ status: 400, message, type: 'invalid_request_error', param, code });
}

/** OpenAI's 404 for an id this key does not have (never had, expired or deleted). */
export function notFoundReply(what: string, id: string): Reply {
  return openaiErrorReply({
    status: 404,
    message: `No such ${what}: '${id}'.`,
    type: 'invalid_request_error',
    param: 'id',
    code: null,
  });
}

export function hiapiErrorReply(
  status: number,
  message: string,
  errorCode = HIAPI_ERROR_CODES[status] ?? 'ERROR',
  headers?: Record<string, string>,
): Reply {
  return jsonReply(status, { code: status, message, data: null, error_code: errorCode }, headers);
}

/** A scripted status fault in the body style of the route it hit. */
export function statusFaultReply(fault: StatusFault, style: ErrorStyle): Reply {
  if (style === 'hiapi') {
    const status = fault.hiapi?.status ?? fault.status;
    return hiapiErrorReply(
      status,
      fault.hiapi?.message ?? fault.message ?? `mock fault: HTTP ${status}`,
      fault.hiapi?.errorCode ?? HIAPI_ERROR_CODES[status] ?? 'ERROR',
      fault.headers,
    );
  }
  return jsonReply(
    fault.status,
    {
      error: {
        message: fault.message ?? `Mock fault: HTTP ${fault.status}.`,
        type: fault.errorType ?? OPENAI_ERROR_TYPES[fault.status] ?? 'invalid_request_error',
        param: fault.param ?? null,
        code: fault.code ?? null,
        ...fault.extra,
      },
    },
    fault.headers,
  );
}

export function unauthorizedReply(style: ErrorStyle, hadKey: boolean): Reply {
  if (style === 'hiapi') return hiapiErrorReply(401, 'unauthorized: invalid or missing API key');
  return openaiErrorReply({
    status: 401,
    message: hadKey
      ? 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.'
      : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  });
}

export function rateLimitReply(
  style: ErrorStyle,
  limit: number,
  used: number,
  retryAfterMs: number,
): Reply {
  const headers = {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    'retry-after-ms': String(retryAfterMs),
    'x-ratelimit-limit-requests': String(limit),
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': `${retryAfterMs}ms`,
  };
  if (style === 'hiapi') {
    return hiapiErrorReply(
      429,
      'rate limited: too many tasks, retry later',
      'RATE_LIMITED',
      headers,
    );
  }
  return openaiErrorReply(
    {
      status: 429,
      message: `Rate limit reached for images per min (IPM): Limit ${limit}, Used ${used}, Requested 1. Please try again in ${(retryAfterMs / 1000).toFixed(3)}s.`,
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    },
    headers,
  );
}
