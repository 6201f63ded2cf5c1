/**
 * The boundary where provider answers enter herogen. Whatever a provider hands over came from a
 * response: the image's request id, task id, revised prompt and warnings, the errors it throws,
 * the lines it logs and the task ids it saves. Each of those strings passes through
 * `cleanExternalText` (terminal controls stripped, secrets redacted) here, before anything stores,
 * prints or renders it. The registry puts every provider behind it: built-in, AI SDK and custom.
 */
import { errorOptions, HerogenError } from '../errors.js';
import { cleanExternalText } from '../http/redact.js';
import type { GeneratedImage, HeroProvider, Logger, ProviderContext } from '../types.js';

type Clean = (text: string) => string;

/** `provider` with every string it returns, throws, logs or saves cleaned. */
export function guardProvider(
  provider: HeroProvider,
  secrets: () => readonly (string | undefined)[],
): HeroProvider {
  const generate = async (
    request: Parameters<HeroProvider['generate']>[0],
    context: ProviderContext,
  ): Promise<GeneratedImage> => {
    const known = secrets();
    const clean: Clean = (text) => cleanExternalText(text, known);
    try {
      return cleanImage(await provider.generate(request, guardContext(context, clean)), clean);
    } catch (error) {
      throw cleanError(error, clean);
    }
  };
  return Object.create(provider, {
    generate: { value: generate, enumerable: true },
  }) as HeroProvider;
}

function guardContext(context: ProviderContext, clean: Clean): ProviderContext {
  const logger: Logger = {
    debug: (message) => context.logger.debug(clean(message)),
    info: (message) => context.logger.info(clean(message)),
    warn: (message) => context.logger.warn(clean(message)),
    error: (message) => context.logger.error(clean(message)),
  };
  const { onRetry } = context;
  return {
    ...context,
    logger,
    // A task id carrying a secret is saved without it: resuming it then fails and a new task
    // is made, which is better than the key in the lock.
    task: {
      resumeTaskId: context.task.resumeTaskId,
      record: (taskId) => context.task.record(clean(taskId)),
    },
    ...(onRetry ? { onRetry: (info) => onRetry({ ...info, reason: clean(info.reason) }) } : {}),
  };
}

function cleanImage(image: GeneratedImage, clean: Clean): GeneratedImage {
  const out = { ...image };
  if (typeof out.requestId === 'string') out.requestId = clean(out.requestId);
  if (typeof out.taskId === 'string') out.taskId = clean(out.taskId);
  if (typeof out.revisedPrompt === 'string') out.revisedPrompt = clean(out.revisedPrompt);
  if (Array.isArray(out.warnings)) out.warnings = out.warnings.map((text) => clean(String(text)));
  return out;
}

function cleanError(error: unknown, clean: Clean): Error {
  if (HerogenError.is(error)) {
    const billed = error.billed;
    return new HerogenError(error.code, clean(error.message), {
      ...errorOptions(error),
      ...(error.hint !== undefined ? { hint: clean(error.hint) } : {}),
      ...(error.requestId !== undefined ? { requestId: clean(error.requestId) } : {}),
      ...(billed?.requestId !== undefined
        ? { billed: { ...billed, requestId: clean(billed.requestId) } }
        : {}),
    });
  }
  const clone = new Error(clean(error instanceof Error ? error.message : String(error)));
  if (error instanceof Error) clone.name = error.name;
  return clone;
}
