import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createHerogen,
  createHiapiProvider,
  createOpenAIProvider,
  HerogenError,
  type RunEvent,
} from '@herogen/core';
import { createMockApi, type FaultRule, faults } from '@herogen/mock-api';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectProject, markdownTable, recordFigures } from './support/harness.js';

type Outcome = 'generated' | 'placeholder';

interface FaultCase {
  fault: string;
  provider: 'openai' | 'hiapi';
  rules: FaultRule[];
  /** Per-request timeout (ms); short where the fault is a slow answer. */
  timeoutMs?: number;
  expect: {
    outcome: Outcome;
    code?: string;
    retries: number;
    /** Requests for the faulty image on its paid route (generations / task creates). */
    paidRouteCalls: number;
    billed: number;
    /** hiapi: the task id stays in the lock so the next run resumes it instead of paying. */
    pendingKept?: boolean;
  };
}

const FAULTY = 'Faulty image';
const once = (fault: FaultRule['fault'], route?: FaultRule['route']): FaultRule[] => [
  { prompt: FAULTY, times: 1, fault, ...(route ? { route } : {}) },
];
const always = (fault: FaultRule['fault'], route?: FaultRule['route']): FaultRule[] => [
  { prompt: FAULTY, fault, ...(route ? { route } : {}) },
];
const status429 = (headers: Record<string, string>): FaultRule['fault'] => ({
  type: 'status',
  status: 429,
  errorType: 'requests',
  code: 'rate_limit_exceeded',
  message: 'Rate limit reached for images per min.',
  headers,
  hiapi: { errorCode: 'RATE_LIMITED' },
});
const gen = 'openai.generations' as const;

// Expectations follow the design (design.md §5): retryable = network, 429, 5xx; final =
// moderation, quota, auth, model not found, task fail; a paid POST that timed out is never
// repeated (it may have been billed); every failure leaves a placeholder, never a bad file.
const CASES: FaultCase[] = [
  {
    fault: '429 with retry-after (s)',
    provider: 'openai',
    rules: once(status429({ 'retry-after': '1' }), gen),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 2, billed: 1 },
  },
  {
    fault: '429 with retry-after-ms',
    provider: 'openai',
    rules: once(status429({ 'retry-after-ms': '300' }), gen),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 2, billed: 1 },
  },
  {
    fault: '500',
    provider: 'openai',
    rules: once(faults.serverError(500), gen),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 2, billed: 1 },
  },
  {
    fault: '502',
    provider: 'openai',
    rules: once(faults.serverError(502), gen),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 2, billed: 1 },
  },
  {
    fault: '503',
    provider: 'openai',
    rules: once(faults.serverError(503), gen),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 2, billed: 1 },
  },
  {
    fault: '500 on every attempt',
    provider: 'openai',
    rules: always(faults.serverError(500), gen),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_UNAVAILABLE',
      retries: 2,
      paidRouteCalls: 3,
      billed: 0,
    },
  },
  {
    fault: 'connection reset',
    provider: 'openai',
    rules: once(faults.reset(), gen),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 2, billed: 1 },
  },
  {
    fault: 'slow headers past the timeout',
    provider: 'openai',
    rules: once(faults.slowHeaders(4000), gen),
    timeoutMs: 1500,
    expect: { outcome: 'placeholder', code: 'TIMEOUT', retries: 0, paidRouteCalls: 1, billed: 1 },
  },
  {
    fault: 'truncated body',
    provider: 'openai',
    rules: once(faults.truncatedBody(), gen),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 2, billed: 2 },
  },
  {
    fault: 'invalid base64',
    provider: 'openai',
    rules: always(faults.invalidBase64(), gen),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_BAD_RESPONSE',
      retries: 0,
      paidRouteCalls: 1,
      billed: 1,
    },
  },
  {
    fault: 'valid base64 of non-image bytes',
    provider: 'openai',
    rules: always(faults.nonImage(), gen),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_BAD_RESPONSE',
      retries: 0,
      paidRouteCalls: 1,
      billed: 1,
    },
  },
  {
    fault: 'wrong dimensions',
    provider: 'openai',
    rules: always(faults.wrongDimensions(), gen),
    expect: {
      outcome: 'placeholder',
      code: 'IMAGE_INVALID',
      retries: 0,
      paidRouteCalls: 1,
      billed: 1,
    },
  },
  {
    fault: 'moderation_blocked',
    provider: 'openai',
    rules: always(faults.moderationBlocked(), gen),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_MODERATION',
      retries: 0,
      paidRouteCalls: 1,
      billed: 0,
    },
  },
  {
    fault: 'insufficient_quota (429)',
    provider: 'openai',
    rules: always(faults.insufficientQuota(), gen),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_QUOTA',
      retries: 0,
      paidRouteCalls: 1,
      billed: 0,
    },
  },
  {
    fault: '401 invalid key',
    provider: 'openai',
    rules: always(faults.unauthorized(), gen),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_AUTH',
      retries: 0,
      paidRouteCalls: 1,
      billed: 0,
    },
  },
  {
    fault: '403 organization not verified',
    provider: 'openai',
    rules: always(faults.forbidden(), gen),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_AUTH',
      retries: 0,
      paidRouteCalls: 1,
      billed: 0,
    },
  },
  {
    fault: '404 model not found',
    provider: 'openai',
    rules: always(faults.modelNotFound(), gen),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_NOT_FOUND',
      retries: 0,
      paidRouteCalls: 1,
      billed: 0,
    },
  },
  {
    fault: 'hiapi 503 on task create',
    provider: 'hiapi',
    rules: once(faults.serverError(503), 'hiapi.create'),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 2, billed: 1 },
  },
  {
    fault: 'hiapi 500 on a poll',
    provider: 'hiapi',
    rules: once(faults.serverError(500), 'hiapi.get'),
    expect: { outcome: 'generated', retries: 1, paidRouteCalls: 1, billed: 1 },
  },
  {
    fault: 'hiapi task fail',
    provider: 'hiapi',
    rules: always(faults.taskFail(), 'hiapi.create'),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_TASK_FAILED',
      retries: 0,
      paidRouteCalls: 1,
      billed: 1,
      pendingKept: false,
    },
  },
  {
    fault: 'hiapi task stuck past the deadline',
    provider: 'hiapi',
    rules: always(faults.taskStuck(), 'hiapi.create'),
    expect: {
      outcome: 'placeholder',
      code: 'TIMEOUT',
      retries: 0,
      paidRouteCalls: 1,
      billed: 1,
      pendingKept: true,
    },
  },
  {
    fault: 'hiapi download 410 before expireAt',
    provider: 'hiapi',
    rules: always(faults.expiredDownload(), 'hiapi.download'),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_UNAVAILABLE',
      retries: 2,
      paidRouteCalls: 1,
      billed: 1,
      pendingKept: true,
    },
  },
  {
    fault: 'hiapi download URL past expireAt',
    provider: 'hiapi',
    rules: always(faults.expiredUrl(), 'hiapi.get'),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_TASK_FAILED',
      retries: 0,
      paidRouteCalls: 1,
      billed: 1,
      pendingKept: false,
    },
  },
  {
    fault: 'hiapi download larger than the cap',
    provider: 'hiapi',
    rules: always(faults.oversizedDownload(3 * 1024 * 1024), 'hiapi.download'),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_BAD_RESPONSE',
      retries: 0,
      paidRouteCalls: 1,
      billed: 1,
    },
  },
  {
    fault: 'hiapi download larger than the cap, no content-length',
    provider: 'hiapi',
    rules: always(faults.oversizedDownload(3 * 1024 * 1024, false), 'hiapi.download'),
    expect: {
      outcome: 'placeholder',
      code: 'PROVIDER_BAD_RESPONSE',
      retries: 0,
      paidRouteCalls: 1,
      billed: 1,
    },
  },
];

interface Row {
  fault: string;
  provider: string;
  outcome: string;
  code: string;
  retries: number;
  calls: string;
  billed: number;
  stored: string;
}

async function runCase(c: FaultCase): Promise<{ row: Row; problems: string[] }> {
  const mock = await createMockApi({ taskDurationMs: 150, faults: c.rules });
  const root = await mkdtemp(path.join(os.tmpdir(), 'herogen-fault-'));
  const problems: string[] = [];
  try {
    for (const [name, prompt] of [
      ['faulty', `${FAULTY}: a red kite over green hills`],
      ['control', 'Control image: a blue boat on a calm lake'],
    ] as const) {
      const file = path.join(root, 'src/content', `${name}.md`);
      await import('node:fs/promises').then((fs) =>
        fs.mkdir(path.dirname(file), { recursive: true }),
      );
      await writeFile(file, `---\ntitle: ${name}\nhero:\n  prompt: "${prompt}"\n  alt: x\n---\n`);
    }
    const key = 'sk-test-fault-matrix-0123456789';
    const retry = { baseDelayMs: 100, maxDelayMs: 400 };
    const provider =
      c.provider === 'openai'
        ? createOpenAIProvider({ apiKey: key, baseURL: mock.openaiBaseURL, retry })
        : createHiapiProvider({
            apiKey: key,
            baseURL: mock.hiapiBaseURL,
            retry,
            pollIntervalMs: 100,
            maxPollMs: 1500,
            maxDownloadBytes: 2 * 1024 * 1024,
          });
    const session = await createHerogen({
      root,
      configFile: false,
      env: {},
      config: {
        provider,
        quality: 'low',
        maxRetries: 2,
        timeoutMs: c.timeoutMs ?? 20_000,
        ...(c.provider === 'openai' ? { size: '1024x640' } : { resolution: '1K' }),
      },
    });
    let retries = 0;
    const onEvent = (event: RunEvent) => {
      if (event.type === 'retry' && event.job.request.prompt.startsWith(FAULTY)) retries += 1;
    };
    const summary = await session.generate({ onEvent });
    // The server bills when it answers: wait for answers still on their way (a slow header).
    for (
      let waited = 0;
      waited < 8000 && mock.requests.some((r) => r.status === -1);
      waited += 50
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const faulty = summary.results.find((r) => r.job.request.prompt.startsWith(FAULTY))!;
    const control = summary.results.find((r) => !r.job.request.prompt.startsWith(FAULTY))!;
    const outcome: Outcome = faulty.status === 'generated' ? 'generated' : 'placeholder';
    const code = faulty.error && HerogenError.is(faulty.error) ? faulty.error.code : '';
    const calls = mock.requests.filter((r) => r.prompt?.startsWith(FAULTY));
    const paidRoute = c.provider === 'openai' ? gen : 'hiapi.create';
    const byRoute = new Map<string, number>();
    for (const call of calls) byRoute.set(call.route, (byRoute.get(call.route) ?? 0) + 1);
    const billed = calls.filter((call) => call.billed).length;

    // Nothing corrupt stored: every entry matches its file, the failed one is a stand-in.
    const state = await inspectProject({
      root,
      outDir: path.join(root, 'src/assets/herogen'),
      lockPath: path.join(root, 'herogen.lock.json'),
      prompts: [],
      write: async () => {},
      cleanup: async () => {},
    });
    const faultyEntry = state.lock.images[faulty.key];
    if (state.images.some((image) => !image.intact))
      problems.push('an entry does not match its file');
    if (state.outDirFiles.some((file) => !file.decodes)) problems.push('a broken file in outDir');
    if (state.tempFiles.length > 0 || state.journal.length > 0) problems.push('leftovers');
    if (control.status !== 'generated') problems.push(`control image ${control.status}`);
    if (!faultyEntry) problems.push('no lock entry for the faulty image');
    else if ((faultyEntry.placeholder === true) !== (outcome === 'placeholder')) {
      problems.push('placeholder flag does not match the outcome');
    }
    const pendingKept = state.lock.pending[faulty.key] !== undefined;
    const rejected = await readdir(path.join(root, 'node_modules/.cache/herogen/rejected')).catch(
      () => [],
    );
    const expected = c.expect;
    if (outcome !== expected.outcome)
      problems.push(`outcome ${outcome}, expected ${expected.outcome}`);
    if (expected.code !== undefined && code !== expected.code) {
      problems.push(`code ${code}, expected ${expected.code}`);
    }
    if (retries !== expected.retries)
      problems.push(`${retries} retries, expected ${expected.retries}`);
    if ((byRoute.get(paidRoute) ?? 0) !== expected.paidRouteCalls) {
      problems.push(
        `${byRoute.get(paidRoute) ?? 0} ${paidRoute} calls, expected ${expected.paidRouteCalls}`,
      );
    }
    if (billed !== expected.billed) problems.push(`${billed} billed, expected ${expected.billed}`);
    if (expected.pendingKept !== undefined && pendingKept !== expected.pendingKept) {
      problems.push(`pending task ${pendingKept ? 'kept' : 'dropped'}, expected the opposite`);
    }
    const message = faulty.error?.message ?? '';
    if (message.includes(key)) problems.push('the API key is in the error message');
    if (faulty.error && !message.includes('src/content/faulty.md')) {
      problems.push('the error does not name the content file');
    }
    await session.close();
    return {
      problems,
      row: {
        fault: c.fault,
        provider: c.provider,
        outcome: `${outcome}${pendingKept ? ' (task id kept for resume)' : ''}${rejected.length ? ' (bytes kept in rejected/)' : ''}`,
        code: code || '—',
        retries,
        calls: [...byRoute].map(([route, n]) => `${route.split('.')[1]} ${n}`).join(', '),
        billed,
        stored: faultyEntry ? (faultyEntry.placeholder ? 'placeholder' : 'image') : 'nothing',
      },
    };
  } finally {
    await mock.close();
    await rm(root, { recursive: true, force: true });
  }
}

const rows: Row[] = [];

afterAll(async () => {
  if (rows.length === 0) return;
  console.log(
    markdownTable(
      [
        'fault',
        'provider',
        'outcome',
        'final error',
        'retries',
        'calls for the image',
        'billed',
        'stored',
      ],
      rows.map((r) => [
        r.fault,
        r.provider,
        r.outcome,
        r.code,
        r.retries,
        r.calls,
        r.billed,
        r.stored,
      ]),
    ),
  );
  await recordFigures('faults', rows);
});

describe('API fault matrix: each fault the mock can inject, against a two-image project', () => {
  // Cases run four at a time: each has its own mock, project and session.
  const batches: FaultCase[][] = [];
  for (let i = 0; i < CASES.length; i += 4) batches.push(CASES.slice(i, i + 4));
  for (const batch of batches) {
    it(batch.map((c) => c.fault).join(' · '), async () => {
      const results = await Promise.all(batch.map(runCase));
      rows.push(...results.map((result) => result.row));
      const problems = results.flatMap((result, i) =>
        result.problems.map((problem) => `${batch[i]!.fault}: ${problem}`),
      );
      expect(problems).toEqual([]);
    });
  }
});
