import t from 'tap';
import {
  effectiveStatus,
  nextTransition,
  REGULAR_OPEN,
  sameStatus,
  replacementRefusal,
  validateNoticeDraft,
  type Notice,
  type NoticeDraft,
} from '../src/index.js';

const at = (iso: string) => new Date(iso);
let seq = 0;
function notice(partial: Partial<Notice> & { id: string }): Notice {
  seq++;
  return {
    kind: 'notice',
    replacesId: null,
    status: 'closed',
    cause: 'weather',
    message: null,
    activeFrom: at('2026-03-01T06:30:00Z'),
    activeUntil: null,
    expectedReopenAt: null,
    reopenCertainty: 'unknown',
    author: 'manager@example',
    eventId: null,
    createdAt: at('2026-03-01T06:30:00Z'),
    seq,
    ...partial,
  };
}

void t.test('no notice: open on regular hours', async (t) => {
  t.same(effectiveStatus([], at('2026-03-01T10:00:00Z')), REGULAR_OPEN);
});

void t.test('a closure takes effect at its start, not before, and runs until further notice', async (t) => {
  const n = notice({ id: 'a' });
  t.equal(effectiveStatus([n], at('2026-03-01T06:29:59Z')).status, 'open');
  const s = effectiveStatus([n], at('2026-03-01T06:30:00Z'));
  t.match(s, { status: 'closed', noticeId: 'a', cause: 'weather', stale: false });
  t.equal(s.since?.toISOString(), '2026-03-01T06:30:00.000Z');
  t.equal(effectiveStatus([n], at('2027-01-01T00:00:00Z')).status, 'closed', 'until further notice');
});

void t.test('a notice with until ends on its own (until is exclusive)', async (t) => {
  const n = notice({ id: 'a', activeUntil: at('2026-03-01T12:00:00Z') });
  t.equal(effectiveStatus([n], at('2026-03-01T11:59:59Z')).status, 'closed');
  t.same(effectiveStatus([n], at('2026-03-01T12:00:00Z')), REGULAR_OPEN);
});

void t.test('a scheduled notice takes effect on its own', async (t) => {
  const n = notice({ id: 'a', createdAt: at('2026-02-28T15:00:00Z'), activeFrom: at('2026-03-01T00:00:00Z') });
  t.equal(effectiveStatus([n], at('2026-02-28T23:59:59Z')).status, 'open');
  t.equal(effectiveStatus([n], at('2026-03-01T00:00:00Z')).status, 'closed');
});

void t.test('a later notice supersedes an earlier one for good', async (t) => {
  const closed = notice({ id: 'closed', activeFrom: at('2026-03-01T06:30:00Z') });
  const delayed = notice({
    id: 'delayed',
    status: 'delayed',
    createdAt: at('2026-03-02T06:00:00Z'),
    activeFrom: at('2026-03-02T06:00:00Z'),
    activeUntil: at('2026-03-02T10:30:00Z'),
    expectedReopenAt: at('2026-03-02T10:30:00Z'),
    reopenCertainty: 'confirmed',
  });
  t.equal(effectiveStatus([closed, delayed], at('2026-03-02T07:00:00Z')).status, 'delayed');
  t.same(
    effectiveStatus([closed, delayed], at('2026-03-02T10:30:00Z')),
    REGULAR_OPEN,
    'the closure does not come back when the delay ends',
  );
  const reopen = notice({
    id: 'reopen',
    status: 'open',
    cause: null,
    createdAt: at('2026-03-01T12:00:00Z'),
    activeFrom: at('2026-03-01T12:00:00Z'),
  });
  const s = effectiveStatus([closed, reopen], at('2026-03-01T13:00:00Z'));
  t.match(s, { status: 'open', noticeId: 'reopen', stale: false });
});

void t.test('a backdated notice does not rewrite the past and still supersedes from when it was made', async (t) => {
  const first = notice({ id: 'first', createdAt: at('2026-03-01T08:00:00Z'), activeFrom: at('2026-03-01T08:00:00Z') });
  const backdated = notice({
    id: 'late',
    status: 'delayed',
    createdAt: at('2026-03-01T09:00:00Z'),
    activeFrom: at('2026-03-01T07:00:00Z'),
    expectedReopenAt: at('2026-03-01T11:00:00Z'),
    reopenCertainty: 'expected',
  });
  t.equal(effectiveStatus([first, backdated], at('2026-03-01T08:30:00Z')).noticeId, 'first');
  const now = effectiveStatus([first, backdated], at('2026-03-01T09:00:00Z'));
  t.equal(now.noticeId, 'late');
  t.equal(now.since?.toISOString(), '2026-03-01T09:00:00.000Z');
});

void t.test('a scheduled notice made earlier takes over from a current one made later when it starts', async (t) => {
  const scheduled = notice({
    id: 'tomorrow',
    createdAt: at('2026-03-01T08:00:00Z'),
    activeFrom: at('2026-03-02T00:00:00Z'),
  });
  const today = notice({
    id: 'today',
    status: 'delayed',
    createdAt: at('2026-03-01T08:05:00Z'),
    activeFrom: at('2026-03-01T08:05:00Z'),
    activeUntil: at('2026-03-01T10:00:00Z'),
    expectedReopenAt: at('2026-03-01T10:00:00Z'),
    reopenCertainty: 'confirmed',
  });
  t.equal(effectiveStatus([scheduled, today], at('2026-03-01T09:00:00Z')).noticeId, 'today');
  t.same(effectiveStatus([scheduled, today], at('2026-03-01T12:00:00Z')), REGULAR_OPEN);
  t.equal(effectiveStatus([scheduled, today], at('2026-03-02T00:00:00Z')).noticeId, 'tomorrow');
});

void t.test('equal starts: the later-made notice wins', async (t) => {
  const a = notice({ id: 'a', seq: 10 });
  const b = notice({ id: 'b', status: 'open', cause: null, seq: 11 });
  t.equal(effectiveStatus([b, a], at('2026-03-01T07:00:00Z')).noticeId, 'b');
});

void t.test("a correction stands in the original's place with its own content", async (t) => {
  const original = notice({ id: 'o', cause: 'weather', message: 'Snow' });
  const later = notice({
    id: 'later',
    status: 'open',
    cause: null,
    createdAt: at('2026-03-01T12:00:00Z'),
    activeFrom: at('2026-03-01T12:00:00Z'),
  });
  const correction = notice({
    id: 'c',
    kind: 'correction',
    replacesId: 'o',
    cause: 'heating_failure',
    message: 'Boiler failed',
    createdAt: at('2026-03-01T13:00:00Z'),
  });
  const s = effectiveStatus([original, correction], at('2026-03-01T09:00:00Z'));
  t.match(s, { noticeId: 'c', cause: 'heating_failure', message: 'Boiler failed' });
  t.equal(s.since?.toISOString(), '2026-03-01T06:30:00.000Z', 'keeps the original start');
  t.equal(
    effectiveStatus([original, later, correction], at('2026-03-01T14:00:00Z')).noticeId,
    'later',
    'a correction does not jump over notices made after its original',
  );
  const second = notice({
    id: 'c2',
    kind: 'correction',
    replacesId: 'c',
    status: 'delayed',
    expectedReopenAt: at('2026-03-01T10:00:00Z'),
    reopenCertainty: 'expected',
    createdAt: at('2026-03-01T13:30:00Z'),
  });
  t.match(
    effectiveStatus([original, correction, second], at('2026-03-01T09:00:00Z')),
    { noticeId: 'c2', status: 'delayed' },
    'a correction of a correction',
  );
});

void t.test('a cancellation voids its notice; what stood before it applies', async (t) => {
  const closed = notice({ id: 'closed' });
  const wrong = notice({
    id: 'wrong',
    status: 'open',
    cause: null,
    createdAt: at('2026-03-01T08:00:00Z'),
    activeFrom: at('2026-03-01T08:00:00Z'),
  });
  const cancel = notice({ id: 'x', kind: 'cancellation', replacesId: 'wrong', createdAt: at('2026-03-01T08:10:00Z') });
  t.equal(effectiveStatus([closed, wrong], at('2026-03-01T09:00:00Z')).status, 'open');
  t.equal(effectiveStatus([closed, wrong, cancel], at('2026-03-01T09:00:00Z')).noticeId, 'closed');
  const onlyCancelled = notice({
    id: 'y',
    kind: 'cancellation',
    replacesId: 'closed',
    createdAt: at('2026-03-01T08:20:00Z'),
  });
  t.same(effectiveStatus([closed, onlyCancelled], at('2026-03-01T09:00:00Z')), REGULAR_OPEN);
});

void t.test('a closure past its expected reopening stays closed and turns stale', async (t) => {
  const n = notice({ id: 'a', expectedReopenAt: at('2026-03-01T12:00:00Z'), reopenCertainty: 'expected' });
  t.match(effectiveStatus([n], at('2026-03-01T11:59:00Z')), { status: 'closed', stale: false });
  t.match(effectiveStatus([n], at('2026-03-01T12:00:00Z')), { status: 'closed', stale: true });
  const delayed = notice({
    id: 'd',
    status: 'delayed',
    expectedReopenAt: at('2026-03-01T10:30:00Z'),
    reopenCertainty: 'confirmed',
  });
  t.match(
    effectiveStatus([delayed], at('2026-03-01T11:00:00Z')),
    { status: 'delayed', stale: true },
    'a delay not confirmed open is stale too',
  );
  const reopen = notice({
    id: 'r',
    status: 'open',
    cause: null,
    createdAt: at('2026-03-01T12:30:00Z'),
    activeFrom: at('2026-03-01T12:30:00Z'),
  });
  t.match(effectiveStatus([n, reopen], at('2026-03-01T13:00:00Z')), { status: 'open', stale: false });
});

void t.test(
  'notices across the BST changes are instants: an overnight closure spans the lost and the gained hour',
  async (t) => {
    // Closed 22:00 Sat 28 March (GMT) until 09:00 Sun 29 March (BST = 08:00Z): 10 hours, not 11.
    const spring = notice({ id: 's', activeFrom: at('2026-03-28T22:00:00Z'), activeUntil: at('2026-03-29T08:00:00Z') });
    t.equal(effectiveStatus([spring], at('2026-03-29T07:59:00Z')).status, 'closed', '08:59 BST');
    t.equal(effectiveStatus([spring], at('2026-03-29T08:00:00Z')).status, 'open', '09:00 BST');
    // Closed 22:00 Sat 24 October (BST = 21:00Z) until 09:00 Sun 25 October (GMT = 09:00Z): 12 hours.
    const autumn = notice({ id: 'a', activeFrom: at('2026-10-24T21:00:00Z'), activeUntil: at('2026-10-25T09:00:00Z') });
    t.equal(effectiveStatus([autumn], at('2026-10-25T08:30:00Z')).status, 'closed', '08:30 GMT');
    t.equal(effectiveStatus([autumn], at('2026-10-25T09:00:00Z')).status, 'open', '09:00 GMT');
    t.equal(effectiveStatus([autumn], at('2026-10-24T20:59:00Z')).status, 'open', '21:59 BST the evening before');
  },
);

void t.test('nextTransition finds the next start, end or stale point', async (t) => {
  const scheduled = notice({
    id: 'a',
    createdAt: at('2026-03-01T08:00:00Z'),
    activeFrom: at('2026-03-02T00:00:00Z'),
    activeUntil: at('2026-03-02T12:00:00Z'),
    expectedReopenAt: at('2026-03-02T10:00:00Z'),
    reopenCertainty: 'expected',
  });
  t.equal(
    nextTransition([scheduled], at('2026-03-01T09:00:00Z'))?.toISOString(),
    '2026-03-02T00:00:00.000Z',
    'the start',
  );
  t.equal(
    nextTransition([scheduled], at('2026-03-02T00:00:00Z'))?.toISOString(),
    '2026-03-02T10:00:00.000Z',
    'then stale',
  );
  t.equal(
    nextTransition([scheduled], at('2026-03-02T10:00:00Z'))?.toISOString(),
    '2026-03-02T12:00:00.000Z',
    'then the end',
  );
  t.equal(nextTransition([scheduled], at('2026-03-02T12:00:00Z')), null, 'then nothing');
  t.equal(nextTransition([], at('2026-03-02T12:00:00Z')), null);
  const open = notice({ id: 'o', status: 'open', cause: null, activeUntil: at('2026-03-01T09:00:00Z') });
  t.equal(nextTransition([open], at('2026-03-01T07:00:00Z'))?.toISOString(), '2026-03-01T09:00:00.000Z');
});

void t.test('sameStatus tells a real change from none', async (t) => {
  const n = notice({ id: 'a', expectedReopenAt: at('2026-03-01T12:00:00Z'), reopenCertainty: 'expected' });
  const before = effectiveStatus([n], at('2026-03-01T11:00:00Z'));
  t.ok(sameStatus(before, effectiveStatus([n], at('2026-03-01T11:30:00Z'))));
  t.notOk(sameStatus(before, effectiveStatus([n], at('2026-03-01T12:00:00Z'))), 'turning stale is a change');
  t.notOk(sameStatus(before, REGULAR_OPEN));
  t.ok(sameStatus(REGULAR_OPEN, effectiveStatus([], at('2026-03-01T00:00:00Z'))));
});

void t.test('validateNoticeDraft enforces the shape of each status', async (t) => {
  const base: NoticeDraft = {
    status: 'closed',
    cause: 'weather',
    message: 'Snow',
    activeFrom: at('2026-03-01T07:00:00Z'),
    activeUntil: null,
    expectedReopenAt: null,
    reopenCertainty: 'unknown',
  };
  t.same(validateNoticeDraft(base), []);
  t.same(validateNoticeDraft({ ...base, status: 'open', cause: null }), []);
  t.same(
    validateNoticeDraft({
      ...base,
      status: 'delayed',
      expectedReopenAt: at('2026-03-01T10:30:00Z'),
      reopenCertainty: 'confirmed',
    }),
    [],
  );
  const fields = (d: Partial<NoticeDraft>) => validateNoticeDraft({ ...base, ...d }).map((p) => p.field);
  t.same(fields({ cause: null }), ['cause']);
  t.same(fields({ status: 'delayed' }), ['expectedReopenAt']);
  t.same(fields({ activeUntil: at('2026-03-01T07:00:00Z') }), ['activeUntil']);
  t.same(fields({ expectedReopenAt: at('2026-03-01T06:00:00Z'), reopenCertainty: 'expected' }), ['expectedReopenAt']);
  t.same(
    fields({ status: 'open', cause: null, expectedReopenAt: at('2026-03-01T10:00:00Z'), reopenCertainty: 'expected' }),
    ['expectedReopenAt'],
  );
  t.same(fields({ reopenCertainty: 'confirmed' }), ['reopenCertainty']);
  t.same(fields({ expectedReopenAt: at('2026-03-01T10:00:00Z') }), ['reopenCertainty']);
  t.same(fields({ message: 'x'.repeat(1001) }), ['message']);
});

void t.test('replacementRefusal: a cancellation is final, and a notice is replaced once', async (t) => {
  const table = [
    { kind: 'notice', replacedBy: undefined, refusal: null },
    { kind: 'notice', replacedBy: null, refusal: null },
    { kind: 'correction', replacedBy: undefined, refusal: null },
    { kind: 'notice', replacedBy: 'n2', refusal: 'already-replaced' },
    { kind: 'correction', replacedBy: 'n3', refusal: 'already-replaced' },
    { kind: 'cancellation', replacedBy: undefined, refusal: 'is-cancellation' },
    { kind: 'cancellation', replacedBy: 'n4', refusal: 'is-cancellation' },
  ] as const;
  for (const row of table)
    t.equal(
      replacementRefusal({ kind: row.kind }, row.replacedBy),
      row.refusal,
      `${row.kind}, replaced by ${row.replacedBy}`,
    );
});
