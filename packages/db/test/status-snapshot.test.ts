import t from 'tap';
import { REGULAR_ANNOUNCEMENT } from '@jcp/domain';
import { toAnnouncement, toOfficeChange, type AnnouncedColumns } from '../src/repositories/status-snapshot.js';

// The one mapping from an office's stored state (a change, or its current status) to what a
// post or a reply tells about it.

const reopen = new Date('2026-11-27T09:00:00Z');
const ends = new Date('2026-11-27T17:00:00Z');
const none: AnnouncedColumns = {
  status: null,
  stale: null,
  cause: null,
  expected_reopen_at: null,
  reopen_certainty: null,
  until: null,
};

const cases: { name: string; row: AnnouncedColumns; expected: ReturnType<typeof toAnnouncement> }[] = [
  { name: 'no stored state: regular hours', row: none, expected: REGULAR_ANNOUNCEMENT },
  {
    name: 'closed with an expected reopening',
    row: {
      status: 'closed',
      stale: false,
      cause: 'weather',
      expected_reopen_at: reopen,
      reopen_certainty: 'expected',
      until: null,
    },
    expected: {
      status: 'closed',
      cause: 'weather',
      stale: false,
      expectedReopenAt: reopen,
      reopenCertainty: 'expected',
      until: null,
    },
  },
  {
    name: 'closed until a time, stale',
    row: {
      status: 'closed',
      stale: true,
      cause: 'flooding',
      expected_reopen_at: null,
      reopen_certainty: 'unknown',
      until: ends,
    },
    expected: {
      status: 'closed',
      cause: 'flooding',
      stale: true,
      expectedReopenAt: null,
      reopenCertainty: 'unknown',
      until: ends,
    },
  },
  {
    name: 'delayed, confirmed opening',
    row: {
      status: 'delayed',
      stale: false,
      cause: 'staffing',
      expected_reopen_at: reopen,
      reopen_certainty: 'confirmed',
      until: null,
    },
    expected: {
      status: 'delayed',
      cause: 'staffing',
      stale: false,
      expectedReopenAt: reopen,
      reopenCertainty: 'confirmed',
      until: null,
    },
  },
  {
    name: 'open again',
    row: {
      status: 'open',
      stale: false,
      cause: null,
      expected_reopen_at: null,
      reopen_certainty: 'unknown',
      until: null,
    },
    expected: REGULAR_ANNOUNCEMENT,
  },
];

void t.test('a stored state as an announcement', async (t) => {
  for (const c of cases) t.same(toAnnouncement(c.row), c.expected, c.name);
});

void t.test('a stored state as the change of a named office', async (t) => {
  for (const c of cases) {
    t.same(
      toOfficeChange({ name: 'Swansea', welshName: 'Abertawe' }, c.row),
      { officeName: 'Swansea', welshName: 'Abertawe', ...c.expected },
      c.name,
    );
  }
  t.same(toOfficeChange({ name: 'Carlisle', welshName: null }, none).welshName, null, 'no Welsh name');
});
