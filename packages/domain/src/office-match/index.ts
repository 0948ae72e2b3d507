export { addressTown, buildOfficeIndex, type OfficeEntry, type OfficeIndex } from './office-index.js';
export { editDistance, MAX_CORRECTIONS } from './spelling.js';
