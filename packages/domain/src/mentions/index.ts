export { buildOfficeIndex, addressTown, editDistance, type OfficeEntry, type OfficeIndex } from './offices.js';
export { understandMention, type MentionWhen, type Understanding } from './understand.js';
export { redactPersonalData } from './redact.js';
