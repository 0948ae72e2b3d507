// The column types the tables share.
import type { ColumnType } from 'kysely';

/** timestamptz: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamptz with a database default. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** date: kept as the 'YYYY-MM-DD' text (parsers are set so), never shifted by a time zone. */
export type DateOnly = string;
export type Json = ColumnType<unknown, string, string>;
