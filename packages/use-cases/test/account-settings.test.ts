import t from 'tap';
import { accountSettingsErrors, checkAccountSettings, Problem } from '../src/index.js';

// The account settings rule, defined once: each row is some settings and the fields it refuses.
const table: { settings: Record<string, unknown>; id?: string; refused: string[] }[] = [
  { settings: {}, refused: [] },
  { settings: { name: 'Cumbria', handle: 'JCPinCumbria' }, id: 'district-105', refused: [] },
  { settings: {}, id: 'District-105', refused: ['/id'] },
  { settings: {}, id: '-105', refused: ['/id'] },
  { settings: {}, id: 'a'.repeat(64), refused: ['/id'] },
  { settings: { name: '   ' }, refused: ['/name'] },
  { settings: { name: 'x'.repeat(201) }, refused: ['/name'] },
  { settings: { handle: 'JCP in Cumbria' }, refused: ['/handle'] },
  { settings: { handle: 'a'.repeat(16) }, refused: ['/handle'] },
  { settings: { handle: 'JCP_in_Wales1' }, refused: [] },
  { settings: { xUserId: '12345678901234567890' }, refused: [] },
  { settings: { xUserId: null }, refused: [] },
  { settings: { xUserId: '123456789012345678901' }, refused: ['/xUserId'] },
  { settings: { xUserId: '12a' }, refused: ['/xUserId'] },
  { settings: { languages: ['en'] }, refused: [] },
  { settings: { languages: ['en', 'cy'] }, refused: [] },
  { settings: { languages: ['cy', 'en'] }, refused: [] },
  { settings: { languages: ['cy'] }, refused: ['/languages'] },
  { settings: { languages: ['en', 'en'] }, refused: ['/languages'] },
  { settings: { languages: [] }, refused: ['/languages'] },
  { settings: { languages: ['en', 'fr'] }, refused: ['/languages/1'] },
  { settings: { postingWindow: { start: '08:00', end: '23:00' } }, refused: [] },
  { settings: { postingWindow: { start: '23:00', end: '08:00' } }, refused: ['/postingWindow/end'] },
  { settings: { postingWindow: { start: '08:00', end: '08:00' } }, refused: ['/postingWindow/end'] },
  // '8:00' sorts after '23:00' as text: the order is refused too.
  {
    settings: { postingWindow: { start: '8:00', end: '23:00' } },
    refused: ['/postingWindow/start', '/postingWindow/end'],
  },
  { settings: { postingWindow: { start: '08:00', end: '9:00' } }, refused: ['/postingWindow/end'] },
  { settings: { postingWindow: { start: '08:00', end: '24:00' } }, refused: ['/postingWindow/end'] },
  { settings: { link: 'https://www.gov.uk/contact-jobcentre-plus' }, refused: [] },
  { settings: { link: null }, refused: [] },
  { settings: { link: 'http://www.gov.uk/' }, refused: ['/link'] },
  { settings: { link: `https://www.gov.uk/${'a'.repeat(200)}` }, refused: ['/link'] },
  { settings: { coalesceSeconds: 0 }, refused: [] },
  { settings: { coalesceSeconds: 3600 }, refused: [] },
  { settings: { coalesceSeconds: null }, refused: [] },
  { settings: { coalesceSeconds: 3601 }, refused: ['/coalesceSeconds'] },
  { settings: { coalesceSeconds: -1 }, refused: ['/coalesceSeconds'] },
  { settings: { coalesceSeconds: 1.5 }, refused: ['/coalesceSeconds'] },
  { settings: { includeLinks: 'yes' }, refused: ['/includeLinks'] },
  { settings: { colour: 'red' }, refused: ['/'] },
];

void t.test('the account settings rule', async (t) => {
  for (const row of table) {
    const refused = accountSettingsErrors(row.settings, row.id).map((e) => e.path);
    t.same([...new Set(refused)], row.refused, `${JSON.stringify(row.settings)}${row.id ? ` id ${row.id}` : ''}`);
  }
});

void t.test(
  'a refused write is ACCOUNT_REJECTED naming every field; an accepted one has its name trimmed',
  async (t) => {
    const problem = t.throws(() => checkAccountSettings({ handle: 'no spaces', coalesceSeconds: 4000 })) as unknown;
    t.ok(problem instanceof Problem);
    t.equal((problem as Problem).code, 'ACCOUNT_REJECTED');
    t.equal((problem as Problem).status, 400);
    t.same(
      ((problem as Problem).extensions.errors as { path: string }[]).map((e) => e.path),
      ['/handle', '/coalesceSeconds'],
    );
    t.same(checkAccountSettings({ name: '  Cumbria ' }), { name: 'Cumbria' });
  },
);
