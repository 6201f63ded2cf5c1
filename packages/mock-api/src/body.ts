import type { FormFile, ParsedBody } from './context.js';

export type ParseResult = { ok: true; body: ParsedBody } | { ok: false; message: string };

/** Parse JSON or multipart bodies; other content types give `{ kind: 'none' }`. */
export async function parseBody(
  raw: Buffer,
  contentType: string | undefined,
): Promise<ParseResult> {
  if (raw.length === 0) return { ok: true, body: { kind: 'none' } };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    try {
      // Node's fetch Request parses multipart without a dependency.
      const form = await new Request('http://mock.invalid/', {
        method: 'POST',
        headers: { 'content-type': contentType ?? '' },
        body: raw,
      }).formData();
      const fields: Record<string, string> = {};
      const files: FormFile[] = [];
      for (const [field, value] of form.entries()) {
        if (typeof value === 'string') {
          fields[field] = value;
        } else {
          files.push({
            field,
            filename: value.name,
            type: value.type,
            bytes: Buffer.from(await value.arrayBuffer()),
          });
        }
      }
      return { ok: true, body: { kind: 'form', fields, files } };
    } catch {
      return { ok: false, message: 'Could not parse the multipart/form-data body.' };
    }
  }
  if (type === '' || type.includes('json')) {
    try {
      return { ok: true, body: { kind: 'json', value: JSON.parse(raw.toString('utf8')) } };
    } catch {
      return {
        ok: false,
        message:
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      };
    }
  }
  return { ok: true, body: { kind: 'none' } };
}

/** What `RecordedRequest.body` shows: JSON as is; multipart fields with files as descriptors, no bytes. */
export function summarizeBody(body: ParsedBody): unknown {
  if (body.kind === 'none') return undefined;
  if (body.kind === 'json') return body.value;
  const out: Record<string, unknown> = { ...body.fields };
  for (const file of body.files) {
    const descriptor = { filename: file.filename, size: file.bytes.length, type: file.type };
    const existing = out[file.field];
    if (file.field.endsWith('[]')) {
      out[file.field] = [...(Array.isArray(existing) ? existing : []), descriptor];
    } else {
      out[file.field] =
        existing === undefined
          ? descriptor
          : [...(Array.isArray(existing) ? existing : [existing]), descriptor];
    }
  }
  return out;
}

/** The prompt a request carries, if any. */
export function promptOf(body: ParsedBody): string | undefined {
  if (body.kind === 'form') return body.fields.prompt;
  if (body.kind !== 'json' || typeof body.value !== 'object' || body.value === null)
    return undefined;
  const value = body.value as Record<string, unknown>;
  if (typeof value.prompt === 'string') return value.prompt;
  const input = value.input;
  if (typeof input === 'object' && input !== null) {
    const p = (input as Record<string, unknown>).prompt;
    if (typeof p === 'string') return p;
  }
  return undefined;
}

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
