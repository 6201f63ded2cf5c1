/** Which handler answers a request: the route of a method and path, and the dispatch to it. */
import {
  handleBatchCancel,
  handleBatchCreate,
  handleBatchGet,
  handleBatchList,
} from './batch-handler.js';
import type { HandlerContext, HandlerResult } from './context.js';
import { handleFileContent, handleFileCreate, handleFileList } from './files-handler.js';
import { handleDownload, handleTaskCreate, handleTaskGet } from './hiapi-handler.js';
import { handleEdits, handleGenerations } from './openai-handler.js';
import type { MockRoute } from './types.js';

type Handler = (ctx: HandlerContext) => HandlerResult | Promise<HandlerResult>;

/**
 * The handler of every route a request can have. `openai.batch-line` names a line of a batch
 * (for fault scripts), never a request, and `unknown` is answered 404 before dispatch.
 */
const HANDLERS: Record<Exclude<MockRoute, 'openai.batch-line' | 'unknown'>, Handler> = {
  'openai.generations': handleGenerations,
  'openai.edits': handleEdits,
  'hiapi.create': handleTaskCreate,
  'hiapi.get': handleTaskGet,
  'hiapi.download': handleDownload,
  'openai.files.create': handleFileCreate,
  'openai.files.list': handleFileList,
  'openai.files.content': (ctx) => handleFileContent(ctx, pathId(ctx.url, 3)),
  'openai.batches.list': handleBatchList,
  'openai.batches.create': handleBatchCreate,
  'openai.batches.get': (ctx) => handleBatchGet(ctx, pathId(ctx.url, 3)),
  'openai.batches.cancel': (ctx) => handleBatchCancel(ctx, pathId(ctx.url, 3)),
};

export function dispatch(ctx: HandlerContext): HandlerResult | Promise<HandlerResult> {
  if (ctx.route === 'openai.batch-line' || ctx.route === 'unknown') {
    throw new Error('unknown route reached dispatch');
  }
  return HANDLERS[ctx.route](ctx);
}

/** Map method + path to a route name. */
export function classifyRoute(method: string, pathname: string): MockRoute {
  const path = pathname.replace(/\/+$/, '');
  if (method === 'POST' && path === '/v1/images/generations') return 'openai.generations';
  if (method === 'POST' && path === '/v1/images/edits') return 'openai.edits';
  if (method === 'POST' && path === '/v1/tasks') return 'hiapi.create';
  if (method === 'GET' && /^\/v1\/tasks\/[^/]+$/.test(path)) return 'hiapi.get';
  if (method === 'GET' && /^\/files\/[^/]+\/[^/]+$/.test(path)) return 'hiapi.download';
  if (method === 'POST' && path === '/v1/files') return 'openai.files.create';
  if (method === 'GET' && path === '/v1/files') return 'openai.files.list';
  if (method === 'GET' && path === '/v1/batches') return 'openai.batches.list';
  if (method === 'GET' && /^\/v1\/files\/[^/]+\/content$/.test(path)) {
    return 'openai.files.content';
  }
  if (method === 'POST' && path === '/v1/batches') return 'openai.batches.create';
  if (method === 'GET' && /^\/v1\/batches\/[^/]+$/.test(path)) return 'openai.batches.get';
  if (method === 'POST' && /^\/v1\/batches\/[^/]+\/cancel$/.test(path)) {
    return 'openai.batches.cancel';
  }
  return 'unknown';
}

/** The `index`th segment of the path (`/v1/batches/<id>` → 3), decoded. */
function pathId(url: URL, index: number): string {
  return decodeSegment(url.pathname.split('/')[index] ?? '');
}

/** A path segment as sent (`encodeURIComponent`d by clients), or as is when not decodable. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
