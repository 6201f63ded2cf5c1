/** Which handler answers a request: the route of a method and path, and the dispatch to it. */
import {
  handleBatchCancel,
  handleBatchCreate,
  handleBatchGet,
  handleBatchList,
  handleFileContent,
  handleFileCreate,
  handleFileList,
} from './batch-handler.js';
import type { HandlerContext, HandlerResult } from './context.js';
import { handleDownload, handleTaskCreate, handleTaskGet } from './hiapi-handler.js';
import { handleEdits, handleGenerations } from './openai-handler.js';
import type { MockRoute } from './types.js';

export function dispatch(ctx: HandlerContext): HandlerResult | Promise<HandlerResult> {
  switch (ctx.route) {
    case 'openai.generations':
      return handleGenerations(ctx);
    case 'openai.edits':
      return handleEdits(ctx);
    case 'hiapi.create':
      return handleTaskCreate(ctx);
    case 'hiapi.get':
      return handleTaskGet(ctx);
    case 'hiapi.download':
      return handleDownload(ctx);
    case 'openai.files.create':
      return handleFileCreate(ctx);
    case 'openai.files.list':
      return handleFileList(ctx);
    case 'openai.batches.list':
      return handleBatchList(ctx);
    case 'openai.files.content':
      return handleFileContent(ctx, pathId(ctx.url, 3));
    case 'openai.batches.create':
      return handleBatchCreate(ctx);
    case 'openai.batches.get':
    case 'openai.batches.cancel':
      return (ctx.route === 'openai.batches.get' ? handleBatchGet : handleBatchCancel)(
        ctx,
        pathId(ctx.url, 3),
      );
    case 'openai.batch-line':
    case 'unknown':
      throw new Error('unknown route reached dispatch');
  }
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
