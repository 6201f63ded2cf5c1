import { describe, expect, it } from 'vitest';
import { splitJsonString } from '../src/http/json-field.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe('splitJsonString', () => {
  it('cuts the value out and parses the rest with the field emptied', () => {
    const body = { created: 1, data: [{ b64_json: 'aGVsbG8=', revised_prompt: 'é a cat' }] };
    const split = splitJsonString(bytes(JSON.stringify(body, null, 2)), 'b64_json');
    expect(split).toEqual({
      json: { created: 1, data: [{ b64_json: '', revised_prompt: 'é a cat' }] },
      value: 'aGVsbG8=',
    });
  });

  it('gives up (so the caller parses the whole body) whenever it cannot be sure', () => {
    const cases = [
      '{"data":[{"revised_prompt":"x"}]}', // no such key
      '{"data":[{"b64_json":"YQ=="},{"b64_json":"Yg=="}]}', // twice
      '{"data":[{"b64_json":"YQ\\/=="}]}', // an escape inside
      '{"data":[{"b64_json":null}]}', // not a string
      '{"data":[{"b64_json":"YQ==" ', // the rest is not JSON
      '{"data":[{"b64_json":"YQ==', // no closing quote
      '{"revised_prompt":"say \\"b64_json\\" twice","data":[]}', // only inside a string
    ];
    for (const text of cases)
      expect(splitJsonString(bytes(text), 'b64_json'), text).toBeUndefined();
  });

  it('reads a view into a larger buffer at its offset', () => {
    const whole = Buffer.from(`xxxx{"data":[{"b64_json":"YQ=="}]}yyyy`);
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 4, whole.length - 8);
    expect(splitJsonString(view, 'b64_json')?.value).toBe('YQ==');
  });
});
