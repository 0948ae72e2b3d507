// How values are read: the same rules for pg and PGlite.
import pg from 'pg';

const OID_DATE = 1082;
const OID_INT8 = 20;

// `date` stays 'YYYY-MM-DD' text: parsing it into a JS Date would shift it by the
// process's time zone. pg and PGlite both get the same rule.
const keepText = (value: string): string => value;
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === OID_DATE ? keepText : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * PGlite's parsers, made to agree with pg's: `date` stays text (as above), and so does
 * `bigint` (int8), which pg gives as a string and PGlite by default as a JS number; the
 * code and the API types (change-feed cursors, counts) expect the string.
 */
export const pgliteParsers = { [OID_DATE]: keepText, [OID_INT8]: keepText };
