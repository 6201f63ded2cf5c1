/** Writing a reply to the socket: whole, streamed, or cut halfway for `truncatedBody`. */
import type { ServerResponse } from 'node:http';
import type { Reply } from './context.js';
import type { Fault } from './types.js';

/** The 500 answered when a handler of the mock throws. */
export function serverBug(error: unknown) {
  return {
    status: 500,
    message: `The herogen mock API failed: ${error instanceof Error ? error.message : String(error)}`,
    type: 'server_error',
    param: null,
    code: null,
  };
}

/** Write a reply; `truncatedBody` declares the full length and closes halfway. */
export async function send(res: ServerResponse, reply: Reply, fault?: Fault): Promise<void> {
  if (res.destroyed || res.headersSent) return;
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.stream) {
    if (reply.stream.length !== undefined) res.setHeader('content-length', reply.stream.length);
    res.writeHead(reply.status);
    for await (const chunk of reply.stream.chunks()) {
      if (res.destroyed) return;
      if (!res.write(chunk)) {
        // Whichever comes first; both listeners go, or a long stream piles up 'close' ones.
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    if (!res.destroyed) res.end();
    return;
  }
  const body = reply.body ?? Buffer.alloc(0);
  res.setHeader('content-length', body.length);
  res.writeHead(reply.status);
  if (fault?.type === 'truncatedBody' && body.length > 0) {
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
    return;
  }
  res.end(body);
}
