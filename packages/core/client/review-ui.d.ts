/** Browser side of the herogen review: see review-ui.js. */
export interface ReviewUiStatus {
  heroes: number;
  /** Heroes on show that are placeholders or not generated yet. */
  placeholders: number;
  /** Heroes on show whose generation failed (or whose file is damaged). */
  failed: number;
}

export interface ReviewUiOutcome {
  action: string;
  ok: boolean;
  message: string;
  costUsd: number;
  files: string[];
}

export interface ReviewUiOptions {
  /** The review token handed to the page (or a promise of it). */
  token: string | Promise<string>;
  /** API base path. @default '/__herogen/review' */
  base?: string;
  /** Image keys to show (the heroes on the page); absent: every hero of the site. */
  keys?: () => string[];
  onStatus?: (status: ReviewUiStatus) => void;
  /** After an action changed an image or a content file (awaited). */
  onChanged?: (
    outcome: ReviewUiOutcome,
    action: { action: string; alt?: string; file?: string },
  ) => void | Promise<void>;
}

export function mountReview(
  root: Element | ShadowRoot,
  options: ReviewUiOptions,
): { refresh(): Promise<void> };

/** Image keys of herogen originals used by the images of a page. */
export function keysInPage(doc?: Document): string[];

export function formatUsd(usd: number | null | undefined): string;
