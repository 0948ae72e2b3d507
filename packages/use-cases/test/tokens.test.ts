import t from 'tap';
import { isLastAdminToken, tokenScopeErrors } from '../src/index.js';

const none = { districtCodes: [], accountIds: [] };

// What a token may cover: each row is a token asked for, the scopes that do not exist, and the errors' paths.
const table: {
  role: 'reader' | 'manager' | 'admin';
  districtCodes?: string[];
  accountIds?: string[];
  unknown?: { districtCodes: string[]; accountIds: string[] };
  paths: string[];
}[] = [
  { role: 'reader', paths: [] },
  { role: 'admin', paths: [] },
  { role: 'reader', districtCodes: ['105'], paths: ['/districtCodes'] },
  { role: 'admin', accountIds: ['district-105'], paths: ['/accountIds'] },
  { role: 'admin', districtCodes: ['105'], accountIds: ['district-105'], paths: ['/districtCodes', '/accountIds'] },
  { role: 'manager', paths: ['/districtCodes'] },
  { role: 'manager', districtCodes: [], accountIds: [], paths: ['/districtCodes'] },
  { role: 'manager', districtCodes: ['105'], paths: [] },
  { role: 'manager', accountIds: ['district-105'], paths: [] },
  {
    role: 'manager',
    districtCodes: ['105', '999'],
    unknown: { districtCodes: ['999'], accountIds: [] },
    paths: ['/districtCodes/1'],
  },
  {
    role: 'manager',
    accountIds: ['nowhere', 'district-105'],
    unknown: { districtCodes: [], accountIds: ['nowhere'] },
    paths: ['/accountIds/0'],
  },
];

void t.test('the scope rule of a token', async (t) => {
  for (const row of table) {
    const errors = tokenScopeErrors(row, row.unknown ?? none);
    t.same(
      errors.map((e) => e.path),
      row.paths,
      `${row.role} ${JSON.stringify(row.districtCodes ?? [])} ${JSON.stringify(row.accountIds ?? [])}`,
    );
    for (const e of errors) t.ok(e.message.length > 0);
  }
});

void t.test('the last live admin token', async (t) => {
  const rows: [{ id: string; role: string }, string[], boolean][] = [
    [{ id: 'a', role: 'admin' }, ['a'], true],
    [{ id: 'a', role: 'admin' }, ['a', 'b'], false],
    [{ id: 'a', role: 'admin' }, [], true],
    [{ id: 'r', role: 'reader' }, [], false],
    [{ id: 'm', role: 'manager' }, ['a'], false],
  ];
  for (const [token, live, last] of rows)
    t.equal(isLastAdminToken(token, live), last, `${token.role} ${token.id} with live admins ${live.join(',')}`);
});
