/**
 * The bare client herogen's generation is measured against: a plain `fetch` call to the mock's
 * OpenAI endpoint whose answer is parsed whole and base64-decoded. No journal, check, lock or
 * file: what any script calling the API has to do at the least.
 */
import { assertBench } from './harness.ts';

export async function bareGeneration(
  baseURL: string,
  body: { prompt: string; size: string; quality: string },
): Promise<Buffer> {
  const response = await fetch(`${baseURL}/images/generations`, {
    method: 'POST',
    headers: { authorization: 'Bearer mock-key', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-image-2', ...body }),
  });
  const answer = (await response.json()) as { data: { b64_json: string }[] };
  assertBench(response.status === 200, `bare client got ${response.status}`);
  return Buffer.from(answer.data[0]!.b64_json, 'base64');
}
