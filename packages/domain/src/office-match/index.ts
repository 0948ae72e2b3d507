export { addressTown, buildOfficeIndex, type OfficeEntry, type OfficeIndex } from './office-index.js';
export { editDistance, MAX_CORRECTIONS } from './spelling.js';
export {
  searchOffices,
  SEARCH_LIMIT_DEFAULT,
  SEARCH_QUERY_MAX,
  SEARCH_REASON_RANK,
  SEARCH_WORDS_MAX,
  type SearchHit,
  type SearchOptions,
  type SearchReason,
} from './search.js';
