import { describe, expect, it } from 'vitest';
import { HerogenError } from '../src/errors.js';
import { guardProvider } from '../src/providers/answer-guard.js';
import { defineProvider } from '../src/providers/define-provider.js';
import type { GeneratedImage, ProviderContext } from '../src/types.js';

const KEY = 'hk-test-GUARD-secret-42';
const ECHO = `Bearer ${KEY} \u001b]0;pwned\u0007\u001b[2J`;

function contextRecording() {
  const lines: string[] = [];
  const saved: string[] = [];
  const reasons: string[] = [];
  const context: ProviderContext = {
    signal: new AbortController().signal,
    logger: {
      debug: (m) => lines.push(m),
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    },
    readReference: async () => new Uint8Array(),
    task: { resumeTaskId: undefined, record: async (id) => void saved.push(id) },
    timeoutMs: 1000,
    maxRetries: 0,
    onRetry: (info) => reasons.push(info.reason),
  };
  return { context, lines, saved, reasons };
}

const request = {
  provider: 'echo',
  model: 'm',
  prompt: 'p',
  size: '1024x1024',
  format: 'png' as const,
  references: [],
  variant: 0,
};

describe('guardProvider: every string a provider hands over is cleaned', () => {
  it('cleans the image fields, log lines, saved task ids and retry reasons', async () => {
    const provider = guardProvider(
      defineProvider({
        id: 'echo',
        async generate(_request, context): Promise<GeneratedImage> {
          context.logger.info(`resuming ${ECHO}`);
          await context.task.record(`task-${KEY}`);
          context.onRetry?.({ attempt: 1, delayMs: 1, reason: ECHO });
          return {
            bytes: new Uint8Array([1]),
            mediaType: 'image/png',
            requestId: `req ${ECHO}`,
            taskId: `task-${KEY}`,
            revisedPrompt: `prompt ${ECHO}`,
            warnings: [ECHO],
          };
        },
      }),
      () => [KEY],
    );
    const { context, lines, saved, reasons } = contextRecording();
    const image = await provider.generate(request, context);
    const strings = [
      image.requestId,
      image.taskId,
      image.revisedPrompt,
      ...(image.warnings ?? []),
      ...lines,
      ...saved,
      ...reasons,
    ].join('\n');
    expect(strings).not.toContain(KEY);
    expect(strings).not.toMatch(/[\u0007\u001b]/);
    expect(image.taskId).toBe('task-[redacted]');
    expect(provider.id).toBe('echo');
  });

  it('cleans thrown errors and keeps what the runner branches on', async () => {
    const provider = guardProvider(
      defineProvider({
        id: 'echo',
        async generate() {
          throw new HerogenError('PROVIDER_TASK_FAILED', `failed: ${ECHO}`, {
            requestId: `task-${KEY}`,
            mayHaveBilled: true,
            status: 500,
            hint: ECHO,
          });
        },
      }),
      () => [KEY],
    );
    const error = await provider.generate(request, contextRecording().context).catch((e) => e);
    expect(HerogenError.is(error)).toBe(true);
    expect(error.code).toBe('PROVIDER_TASK_FAILED');
    expect(error.mayHaveBilled).toBe(true);
    expect(error.status).toBe(500);
    expect(`${error.message} ${error.requestId} ${error.hint}`).not.toMatch(
      new RegExp(`${KEY}|\u001b|\u0007`),
    );
  });
});
