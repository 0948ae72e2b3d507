import t from 'tap';
import { isLastAdminToken, tokenScopeErrors } from '../src/index.js';

const none = { districtCodes: [], clusterIds: [] };

// What a token may cover: each row is a token asked for, the scopes that do not exist, and the errors' paths.
const table: {
  role: 'reader' | 'manager' | 'admin';
  districtCodes?: string[];
  clusterIds?: string[];
  unknown?: { districtCodes: string[]; clusterIds: string[] };
  paths: string[];
}[] = [
  { role: 'reader', paths: [] },
  { role: 'admin', paths: [] },
  { role: 'reader', districtCodes: ['105'], paths: ['/districtCodes'] },
  { role: 'admin', clusterIds: ['district-105'], paths: ['/clusterIds'] },
  { role: 'admin', districtCodes: ['105'], clusterIds: ['district-105'], paths: ['/districtCodes', '/clusterIds'] },
  { role: 'manager', paths: ['/districtCodes'] },
  { role: 'manager', districtCodes: [], clusterIds: [], paths: ['/districtCodes'] },
  { role: 'manager', districtCodes: ['105'], paths: [] },
  { role: 'manager', clusterIds: ['district-105'], paths: [] },
  {
    role: 'manager',
    districtCodes: ['105', '999'],
    unknown: { districtCodes: ['999'], clusterIds: [] },
    paths: ['/districtCodes/1'],
  },
  {
    role: 'manager',
    clusterIds: ['nowhere', 'district-105'],
    unknown: { districtCodes: [], clusterIds: ['nowhere'] },
    paths: ['/clusterIds/0'],
  },
];

void t.test('the scope rule of a token', async (t) => {
  for (const row of table) {
    const errors = tokenScopeErrors(row, row.unknown ?? none);
    t.same(
      errors.map((e) => e.path),
      row.paths,
      `${row.role} ${JSON.stringify(row.districtCodes ?? [])} ${JSON.stringify(row.clusterIds ?? [])}`,
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
