import type { IncomingMessage } from 'node:http';
import type { BatchStore, BatchTimings } from './batch-handler.js';
import type { ResolvedHiapiTask } from './hiapi-validate.js';
import type { OpenAIQuality } from './openai-validate.js';
import type { Fault, MockRoute } from './types.js';

/** What a handler wants sent. `billed` marks calls the real API would charge for. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Streamed body (oversized downloads); `length` is declared as Content-Length when set. */
  stream?: { length?: number; chunks: () => AsyncIterable<Buffer> };
  billed?: boolean;
}

export interface FormFile {
  field: string;
  filename: string;
  type: string;
  bytes: Buffer;
}

export type ParsedBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: Record<string, string>; files: FormFile[] };

export interface MockTask {
  id: string;
  key: string;
  createdAt: number;
  durationMs: number;
  task: ResolvedHiapiTask;
  outcome: 'success' | 'fail' | 'stuck';
  failError?: { code: string; message: string };
}

export interface ResolvedMockApiOptions {
  port: number;
  host: string;
  apiKey: string | undefined;
  latencyMs: number | [number, number];
  taskDurationMs: number;
  downloadTtlMs: number;
  imagesPerMinute: number | undefined;
  rateWindowMs: number;
  maxBodyBytes: number;
  outputTokensPerMegapixel: Record<OpenAIQuality, number>;
  batch: BatchTimings;
  newTakes: boolean;
}

export interface ServerState {
  options: ResolvedMockApiOptions;
  /** Filled in once the server listens. */
  baseUrl: string;
  tasks: Map<string, MockTask>;
  /** Uploaded and output files, and batches (OpenAI Files + Batch API). */
  batch: BatchStore;
  /** OpenAI answers served so far (with `newTakes`, part of each picture's seed). */
  takes: number;
}

export interface HandlerContext {
  req: IncomingMessage;
  url: URL;
  route: MockRoute;
  body: ParsedBody;
  key: string | undefined;
  fault: Fault | undefined;
  state: ServerState;
  /** The scripted fault for one batch line (route `openai.batch-line`), counted as used. */
  lineFault: (prompt: string | undefined) => Fault | undefined;
  /** The task a get/download refers to, if it exists. */
  task: MockTask | undefined;
}

/** Either an immediate answer (errors) or work to run after rate limiting and latency. */
export type HandlerResult = { reply: Reply } | { produce: () => Promise<Reply> };
