import type { DownloadTarget, Fault, FaultRule, MockRoute, StatusFault } from './types.js';

/** Named builders for the fault script, matching the real APIs' error answers (providers.md §1.6, §2). */
export const faults = {
  /** 400 `image_generation_user_error` / `moderation_blocked` (hiapi: 400 CONTENT_POLICY). */
  moderationBlocked(stage: 'input' | 'output' = 'input'): StatusFault {
    return {
      type: 'status',
      status: 400,
      errorType: 'image_generation_user_error',
      code: 'moderation_blocked',
      message:
        'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID.',
      extra: { moderation_details: { moderation_stage: stage, categories: ['mock'] } },
      hiapi: {
        errorCode: 'CONTENT_POLICY',
        message: 'prompt rejected by the content safety policy',
      },
    };
  },
  /** 429 `insufficient_quota` (hiapi: 402 INSUFFICIENT_BALANCE). Not retryable. */
  insufficientQuota(): StatusFault {
    return {
      type: 'status',
      status: 429,
      errorType: 'insufficient_quota',
      code: 'insufficient_quota',
      message:
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      hiapi: {
        status: 402,
        errorCode: 'INSUFFICIENT_BALANCE',
        message: 'insufficient balance, please top up your credits',
      },
    };
  },
  /** 429 rate limit with `retry-after` (s) and `retry-after-ms` headers. Retryable. */
  rateLimited(options: { retryAfterMs?: number } = {}): StatusFault {
    const ms = Math.max(0, Math.round(options.retryAfterMs ?? 1000));
    return {
      type: 'status',
      status: 429,
      errorType: 'requests',
      code: 'rate_limit_exceeded',
      message: `Rate limit reached for images per min. Please try again in ${ms}ms.`,
      headers: { 'retry-after': String(Math.ceil(ms / 1000)), 'retry-after-ms': String(ms) },
      hiapi: { errorCode: 'RATE_LIMITED', message: 'rate limited, retry later' },
    };
  },
  /** 500, 502 or 503 (hiapi: same status, INTERNAL_ERROR / BAD_GATEWAY / SERVICE_UNAVAILABLE). */
  serverError(status: 500 | 502 | 503 = 500): StatusFault {
    const message =
      status === 503
        ? 'The engine is currently overloaded, please try again later.'
        : status === 502
          ? 'Bad gateway.'
          : 'The server had an error while processing your request. Sorry about that!';
    return {
      type: 'status',
      status,
      errorType: 'server_error',
      code: status === 503 ? 'server_is_overloaded' : null,
      message,
    };
  },
  /** 401 `invalid_api_key`. */
  unauthorized(): StatusFault {
    return {
      type: 'status',
      status: 401,
      errorType: 'invalid_request_error',
      code: 'invalid_api_key',
      message:
        'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    };
  },
  /** 403 organization not verified for the model. */
  forbidden(): StatusFault {
    return {
      type: 'status',
      status: 403,
      errorType: 'invalid_request_error',
      code: 'model_not_available',
      message:
        'Your organization must be verified to use this model. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization.',
    };
  },
  /** hiapi download: 404 `NOT_FOUND` "file not found" (a CDN not serving the file yet). */
  fileNotFound(): StatusFault {
    return {
      type: 'status',
      status: 404,
      errorType: 'invalid_request_error',
      message: 'file not found',
      hiapi: { errorCode: 'NOT_FOUND', message: 'file not found' },
    };
  },
  /** 404 `model_not_found`. */
  modelNotFound(model = 'gpt-image-2'): StatusFault {
    return {
      type: 'status',
      status: 404,
      errorType: 'invalid_request_error',
      code: 'model_not_found',
      message: `The model \`${model}\` does not exist or you do not have access to it.`,
    };
  },
  reset: (): Fault => ({ type: 'reset' }),
  lostResponse: (): Fault => ({ type: 'lostResponse' }),
  slowHeaders: (delayMs: number): Fault => ({ type: 'slowHeaders', delayMs }),
  truncatedBody: (): Fault => ({ type: 'truncatedBody' }),
  invalidBase64: (): Fault => ({ type: 'invalidBase64' }),
  dribbledAnswer: (chunkBytes: number, options: { escapeSlashes?: boolean } = {}): Fault => ({
    type: 'dribbledAnswer',
    chunkBytes,
    ...(options.escapeSlashes ? { escapeSlashes: true } : {}),
  }),
  missingImage: (): Fault => ({ type: 'missingImage' }),
  nonImage: (): Fault => ({ type: 'nonImage' }),
  wrongDimensions: (): Fault => ({ type: 'wrongDimensions' }),
  truncatedImage: (): Fault => ({ type: 'truncatedImage' }),
  svgImage: (): Fault => ({ type: 'svgImage' }),
  decompressionBomb: (width?: number, height?: number): Fault => ({
    type: 'decompressionBomb',
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
  }),
  echoKey: (): Fault => ({ type: 'echoKey' }),
  taskFail: (code?: string, message?: string): Fault => ({
    type: 'taskFail',
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
  }),
  taskStuck: (): Fault => ({ type: 'taskStuck' }),
  slowTask: (durationMs: number): Fault => ({ type: 'slowTask', durationMs }),
  expiredDownload: (): Fault => ({ type: 'expiredDownload' }),
  expiredUrl: (): Fault => ({ type: 'expiredUrl' }),
  downloadUrl: (to: DownloadTarget): Fault => ({ type: 'downloadUrl', to }),
  redirectDownload: (to: DownloadTarget | 'same-origin'): Fault => ({
    type: 'redirectDownload',
    to,
  }),
  oversizedDownload: (bytes: number, declareLength = true): Fault => ({
    type: 'oversizedDownload',
    bytes,
    declareLength,
  }),
};

/** Routes where each fault type means something; a rule only fires where it applies. */
const APPLIES: Record<Fault['type'], readonly MockRoute[] | 'all'> = {
  status: 'all',
  reset: 'all',
  lostResponse: 'all',
  slowHeaders: 'all',
  truncatedBody: 'all',
  invalidBase64: ['openai.generations', 'openai.edits', 'openai.batch-line'],
  dribbledAnswer: ['openai.generations', 'openai.edits'],
  missingImage: ['openai.generations', 'openai.edits', 'openai.batch-line'],
  nonImage: ['openai.generations', 'openai.edits', 'openai.batch-line', 'hiapi.download'],
  wrongDimensions: ['openai.generations', 'openai.edits', 'openai.batch-line', 'hiapi.download'],
  truncatedImage: ['openai.generations', 'openai.edits', 'openai.batch-line'],
  svgImage: ['openai.generations', 'openai.edits', 'openai.batch-line'],
  decompressionBomb: ['openai.generations', 'openai.edits', 'openai.batch-line', 'hiapi.download'],
  echoKey: ['openai.generations', 'openai.edits', 'hiapi.create'],
  taskFail: ['hiapi.create'],
  taskStuck: ['hiapi.create'],
  slowTask: ['hiapi.create'],
  expiredDownload: ['hiapi.download'],
  expiredUrl: ['hiapi.get'],
  downloadUrl: ['hiapi.get'],
  redirectDownload: ['hiapi.download'],
  oversizedDownload: ['hiapi.download'],
};

export function faultAppliesTo(fault: Fault, route: MockRoute): boolean {
  const routes = APPLIES[fault.type];
  // A batch line has no socket of its own: of the transport faults only `status` means something.
  if (routes === 'all') return route !== 'openai.batch-line' || fault.type === 'status';
  return routes.includes(route);
}

/** Holds the script and how often each rule fired. */
export interface FaultScript {
  set(rules: FaultRule[]): void;
  resetCounters(): void;
  /** The first rule matching the request, counted as used. */
  take(route: MockRoute, prompt: string | undefined, attempt: number): Fault | undefined;
}

export function createFaultScript(initial: FaultRule[] = []): FaultScript {
  let rules = [...initial];
  let used = new Map<FaultRule, number>();
  return {
    set(next) {
      rules = [...next];
      used = new Map();
    },
    resetCounters() {
      used = new Map();
    },
    take(route, prompt, attempt) {
      for (const rule of rules) {
        if (!ruleMatches(rule, route, prompt, attempt)) continue;
        const count = used.get(rule) ?? 0;
        if (rule.times !== undefined && count >= rule.times) continue;
        used.set(rule, count + 1);
        return rule.fault;
      }
      return undefined;
    },
  };
}

function ruleMatches(
  rule: FaultRule,
  route: MockRoute,
  prompt: string | undefined,
  attempt: number,
): boolean {
  if (rule.route !== undefined && rule.route !== 'any' && rule.route !== route) return false;
  if (!faultAppliesTo(rule.fault, route)) return false;
  if (rule.prompt !== undefined) {
    if (prompt === undefined) return false;
    if (
      typeof rule.prompt === 'string'
        ? !prompt.includes(rule.prompt)
        : !testRegExp(rule.prompt, prompt)
    ) {
      return false;
    }
  }
  if (rule.attempt !== undefined) {
    const attempts = Array.isArray(rule.attempt) ? rule.attempt : [rule.attempt];
    if (!attempts.includes(attempt)) return false;
  }
  return true;
}

function testRegExp(re: RegExp, value: string): boolean {
  // Global/sticky regexps keep state between calls; reset it so matching is repeatable.
  re.lastIndex = 0;
  return re.test(value);
}
