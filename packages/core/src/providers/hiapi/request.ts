/** Pure checks and the body of a hiapi task request (providers.md §2). */

import { hiapiAspects } from '../../image/sizing.js';
import type { GenerationRequest, RequestIssue } from '../../types.js';
import { HIAPI_MAX_INPUT_URLS, HIAPI_MAX_PROMPT_LENGTH, hiapiModelInfo } from './models.js';

const URL_PATTERN = /^https?:\/\//i;

/** Pure checks of a request against what hiapi accepts. */
export function validateHiapiRequest(request: GenerationRequest): RequestIssue[] {
  const issues: RequestIssue[] = [];
  const info = hiapiModelInfo(request.model);
  if (request.prompt.trim() === '') {
    issues.push({ field: 'prompt', message: 'the prompt is empty' });
  } else if (request.prompt.length > HIAPI_MAX_PROMPT_LENGTH) {
    issues.push({
      field: 'prompt',
      message: `the prompt is ${request.prompt.length} characters; hiapi accepts at most ${HIAPI_MAX_PROMPT_LENGTH}`,
    });
  }
  const aspect = request.aspect ?? 'auto';
  const resolution = request.resolution ?? '1K';
  const aspects = hiapiAspects(request.model);
  if (!aspects.includes(aspect)) {
    issues.push({
      field: 'aspect',
      message: `${request.model} does not take aspect ratio ${aspect}; use one of ${aspects.join(', ')}`,
    });
  }
  if (info && !info.resolutions.includes(resolution)) {
    issues.push({
      field: 'resolution',
      message: `${request.model} goes up to ${info.resolutions.at(-1)}; use ${info.resolutions.join(' or ')}`,
    });
  }
  if (aspect === 'auto' && resolution !== '1K') {
    issues.push({ field: 'resolution', message: 'aspect "auto" only works with resolution 1K' });
  }
  if (aspect === '1:1' && resolution === '4K') {
    issues.push({
      field: 'resolution',
      message: 'hiapi cannot make 1:1 images at 4K; use 2K, or another aspect ratio',
    });
  }
  if (request.background === 'transparent') {
    issues.push({
      field: 'background',
      message:
        'hiapi cannot make transparent backgrounds; use the openai provider with gpt-image-2.6',
    });
  }
  const references = request.references;
  const local = references.filter((reference) => !URL_PATTERN.test(reference.path));
  if (local.length > 0) {
    issues.push({
      field: 'references',
      message: `hiapi needs public URLs for reference images, and ${local
        .map((reference) => reference.path)
        .join(
          ', ',
        )} ${local.length === 1 ? 'is a local file' : 'are local files'}; use the openai provider for local references, or host them and give https:// URLs`,
    });
  }
  if (references.length > HIAPI_MAX_INPUT_URLS) {
    issues.push({
      field: 'references',
      message: `${references.length} reference images given; hiapi takes at most ${HIAPI_MAX_INPUT_URLS}`,
    });
  }
  if (info?.needsInputs && references.length === 0) {
    issues.push({
      field: 'model',
      message: `${request.model} edits reference images and none are given; use ${info.counterpart}, or add references`,
    });
  }
  if (info && !info.needsInputs && references.length > 0) {
    issues.push({
      field: 'model',
      message: `${request.model} takes no reference images; use ${info.counterpart}`,
    });
  }
  return issues;
}

/** The body of `POST /v1/tasks`. */
export function buildTaskBody(request: GenerationRequest): Record<string, unknown> {
  const input: Record<string, unknown> = {
    prompt: request.prompt,
    aspect_ratio: request.aspect ?? 'auto',
    resolution: request.resolution ?? '1K',
  };
  if (request.references.length > 0) {
    input.input_urls = request.references.map((reference) => reference.path);
  }
  return { model: request.model, input };
}
