/**
 * The lines of a JSONL file, each parsed when called (`undefined` when it is not JSON). Split on
 * the bytes, so an output file larger than the longest string V8 can hold (about 512 MB) is
 * still read, and parsed lazily, so only the lines being stored are held as strings.
 */
export function jsonlLines(bytes: Uint8Array): Array<() => unknown> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lines: Array<() => unknown> = [];
  let start = 0;
  while (start < buffer.length) {
    let end = buffer.indexOf(0x0a, start);
    if (end === -1) end = buffer.length;
    const from = start;
    const to = end;
    start = end + 1;
    if (to - from < 2) continue;
    lines.push(() => {
      try {
        return JSON.parse(buffer.toString('utf8', from, to));
      } catch {
        // A damaged line is reported through the key it leaves unanswered.
        return undefined;
      }
    });
  }
  return lines;
}
