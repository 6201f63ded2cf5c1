/** Transport contracts: one HTTP call and the rate gate (implemented in http/). */
import type { FormData } from 'undici';

/** One HTTP call as the run's client sends it (implemented in http/client.ts). */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | FormData;
  signal?: AbortSignal;
  /** Deadline for this request, headers and body together. Defaults to the client's. */
  timeoutMs?: number;
  /** Largest body accepted; more aborts the request. @default DEFAULT_MAX_JSON_BYTES */
  maxBodyBytes?: number;
  /**
   * Connect only to public IP addresses (checked after DNS, on the address connected to), except
   * for `exceptHost`, which may be private: the API's own host, e.g. a local mock. A refused
   * address fails with a `refused` TransportError before anything is sent.
   */
  publicOnly?: { exceptHost?: string };
  /**
   * Stream a 2xx body to this file instead of memory (the response's `body` is then empty). It is
   * written under a temporary name and renamed when complete, so the path exists only whole; a
   * failure (cap, timeout, lost connection) removes the partial file. Other statuses are read
   * into memory as usual, for their error message.
   */
  saveTo?: string;
  /**
   * Hand a 2xx body to this sink chunk by chunk as it arrives, under the same cap, instead of
   * reading it into memory (the response's `body` is then empty). Other statuses are read into
   * memory as usual, for their error message.
   */
  sink?: HttpBodySink;
}

/** Takes a response body as it arrives (`HttpRequest.sink`). */
export interface HttpBodySink {
  /** Called once with the response's headers (lower-cased names), before the first chunk. */
  start?(headers: Record<string, string>): void;
  write(chunk: Uint8Array): void;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Empty when the body was written to `saveTo` or handed to `sink`. */
  body: Uint8Array;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/**
 * The rate gate shared by a run's paid calls (implemented in http/rate-gate.ts). After a 429 it
 * stays shut for the wait the server asked for, then lets calls through one at a time.
 */
export interface RateGate {
  /** Wait for permission to send a paid call; call the returned function with its outcome. */
  acquire(signal?: AbortSignal): Promise<(outcome: RateOutcome) => void>;
  /** The server asked everyone to wait `ms` (a 429). */
  backoff(ms: number): void;
  /** True while calls go one at a time after a 429. */
  readonly probing: boolean;
}

export type RateOutcome = 'ok' | 'rate-limited' | 'other';
