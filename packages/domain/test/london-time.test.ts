import t from 'tap';
import { londonParts, londonWallTimeToInstant } from '../src/index.js';

// 2026: BST starts Sun 29 March 01:00 GMT, ends Sun 25 October 01:00 GMT.
void t.test('londonParts reads wall-clock time on both sides of each change', async (t) => {
  const cases: [string, string, string, number, number][] = [
    ['2026-01-15T09:00:00Z', '2026-01-15', '09:00', 4, 0],
    ['2026-03-29T00:59:00Z', '2026-03-29', '00:59', 7, 0],
    ['2026-03-29T01:00:00Z', '2026-03-29', '02:00', 7, 60],
    ['2026-07-01T07:00:00Z', '2026-07-01', '08:00', 3, 60],
    ['2026-10-25T00:59:00Z', '2026-10-25', '01:59', 7, 60],
    ['2026-10-25T01:00:00Z', '2026-10-25', '01:00', 7, 0],
    ['2026-12-31T23:30:00Z', '2026-12-31', '23:30', 4, 0],
    ['2026-06-30T23:30:00Z', '2026-07-01', '00:30', 3, 60],
  ];
  for (const [iso, date, time, weekday, offset] of cases) {
    t.same(londonParts(new Date(iso)), { date, time, isoWeekday: weekday, offsetMinutes: offset }, iso);
  }
});

void t.test('londonWallTimeToInstant maps local times to UTC, including the gap and the overlap', async (t) => {
  const cases: [string, string, string][] = [
    ['2026-01-15', '09:00', '2026-01-15T09:00:00.000Z'],
    ['2026-07-15', '09:00', '2026-07-15T08:00:00.000Z'],
    ['2026-03-28', '23:00', '2026-03-28T23:00:00.000Z'],
    ['2026-03-29', '00:30', '2026-03-29T00:30:00.000Z'],
    ['2026-03-29', '01:30', '2026-03-29T01:30:00.000Z'], // does not exist: read as 02:30 BST
    ['2026-03-29', '02:00', '2026-03-29T01:00:00.000Z'],
    ['2026-03-29', '08:00', '2026-03-29T07:00:00.000Z'],
    ['2026-10-25', '00:30', '2026-10-24T23:30:00.000Z'],
    ['2026-10-25', '01:30', '2026-10-25T00:30:00.000Z'], // happens twice: the first (BST)
    ['2026-10-25', '02:00', '2026-10-25T02:00:00.000Z'],
    ['2026-10-25', '08:00', '2026-10-25T08:00:00.000Z'],
  ];
  for (const [date, time, iso] of cases)
    t.equal(londonWallTimeToInstant(date, time).toISOString(), iso, `${date} ${time}`);
  t.throws(() => londonWallTimeToInstant('2026-13', 'x'), RangeError);
});
