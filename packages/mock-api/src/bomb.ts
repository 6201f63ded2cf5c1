import { once } from 'node:events';
import { crc32, createDeflate } from 'node:zlib';

// Built once per size and kept: compressing the pixels takes a few seconds.
const built = new Map<string, Promise<Buffer>>();

/**
 * A valid, fully decodable PNG of `width`×`height` black RGB pixels. Rows of zeros deflate about
 * 1000:1, so 16000×16000 (768 MB of pixels) is a file of about 750 KB: a decompression bomb for
 * any client that decodes before it checks the declared size.
 */
export function decompressionBombPng(width: number, height: number): Promise<Buffer> {
  const key = `${width}x${height}`;
  let png = built.get(key);
  if (!png) {
    png = encode(width, height);
    built.set(key, png);
    png.catch(() => built.delete(key));
  }
  return png;
}

async function encode(width: number, height: number): Promise<Buffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  // compression, filter and interlace methods stay 0.
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
  const ended = once(deflate, 'end');
  // Each row: filter type 0, then the pixels. Streamed row by row so the pixels never exist.
  const row = Buffer.alloc(1 + width * 3);
  for (let y = 0; y < height; y++) {
    if (!deflate.write(row)) await once(deflate, 'drain');
  }
  deflate.end();
  await ended;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', Buffer.concat(compressed)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}
