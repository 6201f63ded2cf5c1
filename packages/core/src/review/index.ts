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
  type CandidateInput,
  type CandidatePlan,
  isCandidateFile,
  listCandidates,
  planCandidates,
  type StoredCandidate,
  VARIANTS_DIR,
  variantsDir,
} from './candidates.js';
export { type PickOptions, type PickResult, pickCandidate } from './pick.js';
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
export { MIN_KEY_PREFIX, resolveReviewTarget } from './targets.js';
export { createThumbnail, type Thumbnail } from './thumbnail.js';
