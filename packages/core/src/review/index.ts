// Review tools: redo an image without losing the old one, compare candidates, clean up.

export {
  type ArchivedTake,
  type ArchiveOptions,
  archiveOriginal,
  HISTORY_DIR,
  historyOf,
  historyStamp,
} from '../store/archive-original.js';
export {
  type CandidateRow,
  candidateJobs,
  candidateRows,
  generateVariants,
  MAX_CANDIDATES,
  pickVariant,
  type RenewOutcome,
  type ReviewSession,
  regenerateHeroes,
  restoreEarlierTake,
  sourcesText,
  type VariantsOutcome,
} from './actions.js';
export {
  type CandidateInput,
  type CandidatePlan,
  isCandidateFile,
  listCandidates,
  planCandidates,
  type StoredCandidate,
  VARIANTS_DIR,
  variantsDir,
} from './candidates.js';
export {
  type EditAltOptions,
  type EditAltResult,
  editAlt,
  MAX_ALT_LENGTH,
  replaceAlt,
} from './edit-alt.js';
export {
  type PickOptions,
  type PickResult,
  pickCandidate,
  type RestoreOptions,
  restoreTake,
} from './pick.js';
export {
  type ApplyPruneOptions,
  applyPrune,
  listUntracked,
  type PruneOutcome,
  type PruneScreen,
  screenPrune,
  type TamperedItem,
} from './prune-apply.js';
export {
  type PruneItem,
  type PruneKind,
  type PruneOptions,
  type PrunePlan,
  planPrune,
} from './prune-plan.js';
export { fieldsToScan } from './recorded-fields.js';
export { referencedKeys } from './referenced.js';
export { type CollectOptions, collectReport, reportStatusOf } from './report.js';
export type {
  ReportData,
  ReportImage,
  ReportStatus,
  ReportTake,
  ReportThumbnail,
  ReportTotals,
} from './report-types.js';
export {
  createReviewApi,
  type ReviewAction,
  type ReviewApi,
  type ReviewApiOptions,
  type ReviewEstimate,
  type ReviewHero,
  type ReviewListing,
  type ReviewOutcome,
} from './review-api.js';
export {
  createReviewHandler,
  createReviewToken,
  isLoopbackHost,
  REVIEW_API_BASE,
  REVIEW_TOKEN_HEADER,
  type ReviewHandlerOptions,
  reviewPageRefusal,
} from './review-http.js';
export { MIN_KEY_PREFIX, resolveReviewTarget } from './targets.js';
export { createThumbnail, type Thumbnail } from './thumbnail.js';
