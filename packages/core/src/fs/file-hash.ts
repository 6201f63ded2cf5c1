import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Hex sha256 of some bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Hex sha256 of a file, read piece by piece so large originals are not held in memory. One
 * buffer is read into again and again: a read stream allocates a new 64 KiB chunk each time,
 * and hashing fifty originals at once then left ~45 MiB of chunks waiting for a GC, and glibc
 * kept most of it (benchmark 5).
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(64 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
