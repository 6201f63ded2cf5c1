export { BATCH_ENDPOINTS } from './batch-handler.js';
export {
  formatBanner,
  MOCK_API_USAGE,
  MockApiUsageError,
  parseMockApiArgs,
  type ServeIo,
  serveMockApiFromArgs,
} from './cli.js';
export { faultAppliesTo, faults } from './faults.js';
export {
  computeHiapiSize,
  HIAPI_MODELS,
  HIAPI_PROMPT_MAX,
  resolveHiapiTask,
} from './hiapi-validate.js';
export {
  OPENAI_MAX_EDGE,
  OPENAI_MAX_PIXELS,
  OPENAI_MIN_PIXELS,
  OPENAI_MODELS,
  OPENAI_PROMPT_MAX,
  resolveOpenAISize,
} from './openai-validate.js';
export { createMockApi, resolveMockApiOptions } from './server.js';
export type {
  DownloadTarget,
  Fault,
  FaultRule,
  MockApi,
  MockApiOptions,
  MockBatchOptions,
  MockRoute,
  RecordedRequest,
  StatusFault,
} from './types.js';
export { computeOpenAIUsage, type OpenAIUsage, OUTPUT_TOKENS_PER_MEGAPIXEL } from './usage.js';
