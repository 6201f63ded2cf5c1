import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';

export const KEY = 'sk-test-mock-123456';

/** `key: null` sends no Authorization header. */
export function postJson(url: string, body: unknown, key: string | null = KEY) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify(body),
  });
}

export function getWithKey(url: string, key: string | null = KEY) {
  return fetch(url, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
}

export async function decode(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width, height: meta.height, format: meta.format };
}

export function pngOf(width: number, height: number, alpha = false): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: alpha ? 4 : 3,
      background: alpha ? { r: 0, g: 0, b: 0, alpha: 0 } : { r: 200, g: 100, b: 50 },
    },
  })
    .png()
    .toBuffer();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Response bodies are checked field by field, so loose typing keeps tests readable. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function json(res: Response): Promise<any> {
  return res.json();
}

// ajv is a devDependency of @herogen/core; borrowing it keeps this package's dependencies unchanged.
const requireFromCore = createRequire(new URL('../../core/package.json', import.meta.url));
interface AjvLike {
  addSchema(schema: object, key: string): void;
  getSchema(ref: string): ((data: unknown) => boolean) & { errors?: unknown };
}

/**
 * A checker for `components.schemas` of a spec in `fixtures/`: `true`, or ajv's errors.
 * OpenAPI extras (nullable, x-oai*, format: binary/unixtime) are not JSON Schema keywords.
 */
export function specValidator(fixture: string): (name: string, data: unknown) => unknown {
  const spec = JSON.parse(readFileSync(new URL(`./fixtures/${fixture}`, import.meta.url), 'utf8'));
  const Ajv = (requireFromCore('ajv') as { default: new (o: object) => AjvLike }).default;
  const ajv = new Ajv({ strict: false, validateFormats: false });
  ajv.addSchema(spec, 'spec');
  return (name, data) => {
    const check = ajv.getSchema(`spec#/components/schemas/${name}`);
    return check(data) ? true : check.errors;
  };
}
