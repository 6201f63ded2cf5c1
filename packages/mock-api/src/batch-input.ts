/**
 * A batch's JSONL input file, read like OpenAI's validating step: which lines run, and the
 * errors that fail the whole batch.
 */
import type { BatchError, BatchLine } from './batch-store.js';
import { isObject } from './body.js';
import type { HandlerContext } from './context.js';

/**
 * Parse the JSONL input like the validating step: a malformed line, a missing or repeated
 * `custom_id`, another method or URL, or too many lines fail the whole batch. A body the
 * synchronous endpoint would refuse is not a file problem: that line fails with the same 400.
 */
export function readInputLines(
  bytes: Buffer,
  endpoint: string,
  ctx: HandlerContext,
): { lines: BatchLine[]; errors: BatchError[] } {
  const lines: BatchLine[] = [];
  const errors: BatchError[] = [];
  const seen = new Set<string>();
  const texts = bytes.toString('utf8').split('\n');
  const { maxRequestsPerFile } = ctx.state.options.batch;
  for (const [index, text] of texts.entries()) {
    const line = index + 1;
    if (text.trim() === '') continue;
    const fail = (code: string, message: string, param: string | null = null) =>
      errors.push({ code, message, param, line });
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      fail('invalid_json_line', `Line ${line} is not valid JSON.`);
      continue;
    }
    if (!isObject(value)) {
      fail('invalid_json_line', `Line ${line} is not a JSON object.`);
      continue;
    }
    const customId = value.custom_id;
    if (typeof customId !== 'string' || customId === '') {
      fail('missing_required_parameter', `Line ${line} has no custom_id.`, 'custom_id');
      continue;
    }
    if (seen.has(customId)) {
      fail(
        'duplicate_custom_id',
        `The custom_id '${customId}' on line ${line} is used more than once in the file.`,
        'custom_id',
      );
      continue;
    }
    seen.add(customId);
    if (value.method !== 'POST') {
      fail('invalid_method', `Line ${line}: method must be POST.`, 'method');
      continue;
    }
    if (value.url !== endpoint) {
      fail(
        'mismatched_endpoint',
        `Line ${line}: url '${String(value.url)}' does not match the batch endpoint '${endpoint}'.`,
        'url',
      );
      continue;
    }
    const body = value.body;
    if (!isObject(body)) {
      fail('invalid_request', `Line ${line}: body must be a JSON object.`, 'body');
      continue;
    }
    const prompt = typeof body.prompt === 'string' ? body.prompt : undefined;
    lines.push({ line, customId, body, prompt, fault: ctx.lineFault(prompt) });
  }
  if (lines.length + errors.length > maxRequestsPerFile) {
    errors.unshift({
      code: 'too_many_requests',
      message: `The input file has ${lines.length + errors.length} requests; a batch takes at most ${maxRequestsPerFile}.`,
      param: null,
      line: null,
    });
  }
  if (lines.length === 0 && errors.length === 0) {
    errors.push({
      code: 'empty_file',
      message: 'The input file has no requests.',
      param: null,
      line: null,
    });
  }
  return { lines, errors };
}
