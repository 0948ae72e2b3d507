import { parse } from 'csv-parse/sync';
import { RegistryFileError } from '../errors.js';

export interface CsvRow {
  line: number;
  fields: Record<string, string>;
}

/**
 * Parses CSV text with a header line into rows that keep their line number in the
 * file (the header is line 1), so that a rejected row can be reported where it is.
 */
export function parseCsv(text: string, required: readonly string[], fileLabel: string): CsvRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    records = parse<{ record: Record<string, string>; info: { lines: number } }>(text.replace(/^\uFEFF/, ''), {
      columns: (names: string[]) => (header = names.map((h) => h.trim().toLowerCase())),
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      info: true,
      trim: false,
    });
  } catch (error) {
    throw new RegistryFileError(`${fileLabel}: not valid CSV: ${(error as Error).message}`, { cause: error });
  }
  if (header.length === 0) throw new RegistryFileError(`${fileLabel}: the file is empty`);
  const missing = required.filter((column) => !header.includes(column));
  if (missing.length > 0) throw new RegistryFileError(`${fileLabel}: missing column(s) ${missing.join(', ')}`);
  // info.lines is where a record ends; a quoted field can span lines, so a row's
  // own line is the one after the previous record ended.
  const rows: CsvRow[] = [];
  let previousEnd = 1;
  for (const { record, info } of records) {
    const line = previousEnd + 1;
    previousEnd = info.lines;
    if (Object.values(record).every((value) => !value?.trim())) continue;
    rows.push({ line, fields: record });
  }
  return rows;
}
