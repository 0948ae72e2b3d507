import { z } from 'zod';

/** RFC 9457 problem details, the body of every error. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
  })
  .loose()
  .meta({ id: 'Problem' });

/** The earliest and latest instants PostgreSQL and PGlite both store (years 1 to 9999, UTC). */
const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An instant a client sends: ISO 8601 with `Z` or an offset, between years 1 and 9999 once
 * the offset is applied (`0000-01-01T00:00:00+01:00` is in year 0 and is refused with a 400
 * instead of failing in the database).
 */
export const instantInput = z.iso.datetime({ offset: true }).refine(
  (value) => {
    const ms = Date.parse(value);
    return ms >= EARLIEST_INSTANT && ms <= LATEST_INSTANT;
  },
  { message: 'must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z' },
);

/** The error answers every status write may give (notices and events alike). */
export const writeErrors = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
  503: problemSchema,
};
