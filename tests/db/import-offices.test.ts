import {
  importAccountMapping,
  importOfficeRegistry,
  readRegistryFiles,
  RegistryFileError,
  type RegistryInput,
} from '@jcp/db';
import { createTestDatabase } from '@jcp/testing';
import t from 'tap';

const registry = await readRegistryFiles();
const header = registry.offices.split('\n')[0] ?? '';
const lines = registry.offices.trimEnd().split(/\r?\n/).slice(1);
const withOffices = (rows: string[]): RegistryInput => ({ ...registry, offices: `${header}\n${rows.join('\n')}\n` });
const actor = 'test:importer';

async function snapshot(db: Awaited<ReturnType<typeof createTestDatabase>>['db']) {
  return {
    offices: await db.selectFrom('offices').selectAll().orderBy('id').execute(),
    accounts: await db.selectFrom('accounts').selectAll().orderBy('id').execute(),
    aliases: await db.selectFrom('office_aliases').selectAll().orderBy('office_id').orderBy('alias').execute(),
    audit: await db.selectFrom('audit_log').selectAll().orderBy('id').execute(),
  };
}

void t.test('imports the bundled register: 631 offices, district accounts, aliases', async (t) => {
  const { db } = await createTestDatabase(t);
  const report = await importOfficeRegistry(db, registry, { actor });
  t.equal(report.total, 631);
  t.equal(report.inserted, 631);
  t.same(report.rejected, []);
  t.equal(report.accountsCreated, 36);
  t.ok(report.aliasesAdded > 100);
  const offices = await db.selectFrom('offices').selectAll().execute();
  t.equal(offices.length, 631);
  t.equal(new Set(offices.map((o) => o.id)).size, 631, 'ids are unique');
  t.ok(
    offices.every((o) => /^[a-z0-9-]+$/.test(o.id)),
    'ids are URL-safe',
  );
  t.ok(
    offices.some((o) => o.id === 'alton-1683') && offices.some((o) => o.id === 'bordon-1683'),
    'a shared code gives two offices',
  );
  t.equal(offices.find((o) => o.name === 'Bishop Auckland')?.closed_permanently_on, '2018-08-13');
  const cardiff = await db
    .selectFrom('offices')
    .innerJoin('accounts', 'accounts.id', 'offices.account_id')
    .select(['accounts.languages', 'accounts.is_placeholder', 'accounts.handle'])
    .where('offices.name', '=', 'Cardiff Charles Street')
    .executeTakeFirstOrThrow();
  t.same(cardiff.languages, ['en', 'cy'], 'Welsh district accounts speak Welsh too');
  t.equal(cardiff.is_placeholder, true);
  t.match(cardiff.handle, /^JCPin[A-Za-z0-9]{1,10}$/);
  const carlisle = await db
    .selectFrom('offices')
    .innerJoin('accounts', 'accounts.id', 'offices.account_id')
    .select('accounts.languages')
    .where('offices.name', '=', 'Carlisle')
    .executeTakeFirstOrThrow();
  t.same(carlisle.languages, ['en']);
  const wrexham = await db
    .selectFrom('office_aliases')
    .select('alias')
    .where('office_id', '=', 'wrexham-9673')
    .execute()
    .catch(() => []);
  const wrecsam = await db
    .selectFrom('office_aliases')
    .innerJoin('offices', 'offices.id', 'office_aliases.office_id')
    .select('offices.name')
    .where('office_aliases.alias', '=', 'Wrecsam')
    .executeTakeFirst();
  t.equal(wrecsam?.name, 'Wrexham', `Welsh alias present (${wrexham.length})`);
  const created = await db.selectFrom('audit_log').select('action').where('action', '=', 'office.created').execute();
  t.equal(created.length, 631, 'each new office is audited');
});

void t.test('importing the same file twice changes nothing the second time', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, registry, { actor });
  const before = await snapshot(db);
  const again = await importOfficeRegistry(db, registry, { actor });
  t.same(
    {
      inserted: again.inserted,
      updated: again.updated,
      unchanged: again.unchanged,
      closed: again.closed,
      accountsCreated: again.accountsCreated,
      aliasesAdded: again.aliasesAdded,
      rejected: again.rejected,
    },
    { inserted: 0, updated: 0, unchanged: 631, closed: 0, accountsCreated: 0, aliasesAdded: 0, rejected: [] },
  );
  t.same(await snapshot(db), before, 'every row, timestamp and audit entry is as it was');
});

void t.test('a changed row is updated and audited; a renamed office keeps its id', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, registry, { actor });
  const changed = lines.map((l) =>
    l.startsWith('9820,Aberdare,')
      ? l.replace('Crown Buildings, Greenbach', 'Unit 2, Greenbach')
      : l.startsWith('8504,')
        ? l.replace(/^8504,[^,]+,/, '8504,Carlisle Civic Centre,')
        : l,
  );
  t.ok(
    lines.some((l) => l.startsWith('8504,')),
    'fixture: office 8504 exists',
  );
  const report = await importOfficeRegistry(db, withOffices(changed), { actor: 'test:second' });
  t.equal(report.updated, 2);
  t.equal(report.inserted, 0);
  t.equal(report.closed, 0);
  const aberdare = await db
    .selectFrom('offices')
    .selectAll()
    .where('id', '=', 'aberdare-9820')
    .executeTakeFirstOrThrow();
  t.match(aberdare.address, /^"?Unit 2, Greenbach/);
  const renamed = await db.selectFrom('offices').selectAll().where('office_code', '=', '8504').execute();
  t.equal(renamed.length, 1);
  t.equal(renamed[0]?.name, 'Carlisle Civic Centre');
  t.not(renamed[0]?.id, 'carlisle-civic-centre-8504', 'the id from the first import stays');
  const audit = await db.selectFrom('audit_log').selectAll().where('actor', '=', 'test:second').orderBy('id').execute();
  t.equal(audit.length, 2);
  const entry = audit.find((a) => a.entity_id === 'aberdare-9820');
  t.equal(entry?.action, 'office.updated');
  t.match(entry?.before, { address: 'Crown Buildings, Greenbach, Aberdare' });
  t.match(entry?.after, { address: 'Unit 2, Greenbach, Aberdare' });
});

void t.test(
  'an office missing from a newer file is closed permanently, never deleted, and can come back',
  async (t) => {
    const { db } = await createTestDatabase(t);
    await importOfficeRegistry(db, registry, { actor });
    const withoutAberdare = lines.filter((l) => !l.startsWith('9820,'));
    const report = await importOfficeRegistry(db, withOffices(withoutAberdare), { actor, today: '2026-11-25' });
    t.equal(report.closed, 1);
    const office = await db
      .selectFrom('offices')
      .selectAll()
      .where('id', '=', 'aberdare-9820')
      .executeTakeFirstOrThrow();
    t.equal(office.closed_permanently_on, '2026-11-25');
    t.equal((await db.selectFrom('offices').select('id').execute()).length, 631, 'nothing deleted');
    const closedAudit = await db
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', 'aberdare-9820')
      .where('action', '=', 'office.closed_permanently')
      .execute();
    t.equal(closedAudit.length, 1);
    const again = await importOfficeRegistry(db, withOffices(withoutAberdare), { actor, today: '2026-11-26' });
    t.equal(again.closed, 0, 'an office already closed is not closed again');
    const back = await importOfficeRegistry(db, registry, { actor });
    t.equal(back.updated, 1);
    const reopened = await db
      .selectFrom('offices')
      .select('closed_permanently_on')
      .where('id', '=', 'aberdare-9820')
      .executeTakeFirstOrThrow();
    t.equal(reopened.closed_permanently_on, null);
  },
);

void t.test('bad rows are reported with their line numbers while valid rows load', async (t) => {
  const { db } = await createTestDatabase(t);
  const bad = [
    lines[0] ?? '',
    '9999,,"1 High Street, Nowhere",CA3 8DG,101,South West Wales,11,Wales,', // line 3: missing name
    '9998,Testtown,"1 High Street, Testtown",NOT A POSTCODE,101,South West Wales,11,Wales,', // line 4
    '9997,Elsewhere,"2 High Street, Elsewhere",CA3 8DG,999,Atlantis,11,Wales,', // line 5: unknown district
    'X1,Badcode,"3 High Street",CA3 8DG,101,South West Wales,11,Wales,', // line 6
    '9996,Retired,"4 High Street",CA3 8DG,122,"Devon, Cornwall and Somerset",13,Southern England,', // line 7: ended district
    lines[0] ?? '', // line 8: duplicate of line 2
    ...lines.slice(1, 10),
  ];
  const report = await importOfficeRegistry(db, withOffices(bad), { actor });
  t.same(
    report.rejected.map((r) => [r.line, r.field]),
    [
      [3, 'name'],
      [4, 'postcode'],
      [5, 'district_code'],
      [6, 'office_code'],
      [7, 'district_code'],
      [8, 'name'],
    ],
  );
  t.match(report.rejected.find((r) => r.line === 5)?.reason, /unknown district "999"/);
  t.match(report.rejected.find((r) => r.line === 4)?.reason, /"NOT A POSTCODE" is not a UK postcode/);
  t.equal(report.inserted, 10, 'the ten valid rows loaded');
  t.equal((await db.selectFrom('offices').select('id').execute()).length, 10);
});

void t.test('a rejected row does not close the office it describes', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, withOffices(lines.slice(0, 5)), { actor });
  const broken = lines
    .slice(0, 5)
    .map((l, i) => (i === 2 ? l.replace(/,[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2},/, ',BROKEN,') : l));
  const report = await importOfficeRegistry(db, withOffices(broken), { actor });
  t.equal(report.rejected.length, 1);
  t.equal(report.closed, 0);
});

void t.test('a file without the required columns is refused whole', async (t) => {
  const { db } = await createTestDatabase(t);
  await t.rejects(
    importOfficeRegistry(db, { ...registry, offices: 'code,title\n1,x\n' }, { actor }),
    RegistryFileError,
  );
  await t.rejects(importOfficeRegistry(db, { ...registry, offices: '' }, { actor }), /empty/);
  t.equal((await db.selectFrom('offices').select('id').execute()).length, 0);
  t.equal((await db.selectFrom('districts').select('code').execute()).length, 0, 'the transaction rolled back whole');
});

void t.test('the office-to-account mapping moves offices to real accounts, idempotently', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, registry, { actor });
  const mapping = [
    'office_id,handle,account_name,languages',
    'aberdare-9820,@JCPinSWales,South Wales valleys,en;cy',
    'abergavenny-9570,JCPinSWales,South Wales valleys,en;cy',
    'no-such-office,JCPinX,Nowhere,en', // line 4
    'abertillery-9871,not a handle!,Somewhere,en', // line 5
    'abertillery-9871,JCPinGwent,Gwent,fr', // line 6
  ].join('\n');
  const report = await importAccountMapping(db, mapping, 'test:mapping');
  t.same(
    report.rejected.map((r) => [r.line, r.field]),
    [
      [4, 'office_id'],
      [5, 'handle'],
      [6, 'languages'],
    ],
  );
  t.equal(report.accountsCreated, 1);
  t.equal(report.officesMoved, 2);
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', 'jcpinswales').executeTakeFirstOrThrow();
  t.same([account.handle, account.is_placeholder, account.languages], ['JCPinSWales', false, ['en', 'cy']]);
  const moved = await db
    .selectFrom('offices')
    .select('account_id')
    .where('id', 'in', ['aberdare-9820', 'abergavenny-9570'])
    .execute();
  t.same(
    moved.map((o) => o.account_id),
    ['jcpinswales', 'jcpinswales'],
  );
  const auditCount = (await db.selectFrom('audit_log').select('id').execute()).length;
  const again = await importAccountMapping(db, mapping, 'test:mapping');
  t.same([again.accountsCreated, again.accountsUpdated, again.officesMoved], [0, 0, 0]);
  t.equal(
    (await db.selectFrom('audit_log').select('id').execute()).length,
    auditCount,
    'nothing audited the second time',
  );
  const registryAgain = await importOfficeRegistry(db, registry, { actor });
  t.equal(registryAgain.updated, 0, 're-importing the register does not undo the mapping');
  const still = await db
    .selectFrom('offices')
    .select('account_id')
    .where('id', '=', 'aberdare-9820')
    .executeTakeFirstOrThrow();
  t.equal(still.account_id, 'jcpinswales');
});

void t.test(
  'a header-only or all-invalid file closes nothing; a file that would close many offices is refused',
  async (t) => {
    const { db } = await createTestDatabase(t);
    await importOfficeRegistry(db, registry, { actor });
    const headerOnly = await importOfficeRegistry(db, withOffices([]), { actor });
    t.equal(headerOnly.closed, 0);
    t.match(headerOnly.closuresSkipped, /no valid office row/);
    await t.rejects(
      importOfficeRegistry(db, { ...registry, offices: 'foo,bar\n' }, { actor }),
      /missing column\(s\) office_code/,
    );
    await t.rejects(
      importOfficeRegistry(db, withOffices(lines.slice(0, 300)), { actor }),
      /would close 331 of 630 open offices/,
    );
    const open = await db.selectFrom('offices').select('id').where('closed_permanently_on', 'is', null).execute();
    t.equal(open.length, 630, 'nothing closed by the refused import');
    const allowed = await importOfficeRegistry(db, withOffices(lines.slice(0, 300)), { actor, allowMassClosure: true });
    t.equal(allowed.closed, 331, "with the operator's consent");
  },
);

void t.test('a rejected row without a usable office code blocks closures', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, withOffices(lines.slice(0, 20)), { actor });
  const blanked = lines.slice(0, 20).map((l) => (l.startsWith('9820,') ? l.replace(/^9820,/, ',') : l));
  const report = await importOfficeRegistry(db, withOffices(blanked), { actor });
  t.equal(report.rejected.length, 1);
  t.equal(report.closed, 0);
  t.match(report.closuresSkipped, /no usable office code/);
});

void t.test('renaming one of two offices that share a code keeps its id', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, registry, { actor });
  const renamed = lines.map((l) =>
    l.startsWith('1683,Alton,') ? l.replace('1683,Alton,', '1683,Alton Town Centre,') : l,
  );
  const report = await importOfficeRegistry(db, withOffices(renamed), { actor });
  t.same([report.inserted, report.updated, report.closed], [0, 1, 0]);
  const alton = await db
    .selectFrom('offices')
    .select(['name', 'closed_permanently_on'])
    .where('id', '=', 'alton-1683')
    .executeTakeFirstOrThrow();
  t.same(alton, { name: 'Alton Town Centre', closed_permanently_on: null });
});

void t.test('bad reference data and unusable names are refused clearly, not with a database error', async (t) => {
  const { db } = await createTestDatabase(t);
  const starry = await importOfficeRegistry(
    db,
    withOffices([...lines.slice(0, 3), '7777,***,"1 Road, Town",CA3 8DG,105,x,25,x,']),
    { actor },
  );
  t.same(
    starry.rejected.map((r) => [r.line, r.field]),
    [[5, 'name']],
  );
  const orphan = `${registry.districts.trimEnd()}\n99,99,2026-01-01T00:00:00Z,999,999,Atlantis,77,,\n`;
  await t.rejects(
    importOfficeRegistry(db, { ...registry, districts: orphan }, { actor }),
    /district\(s\) 999 \(group 77\) name a group that is not in the groups file/,
  );
  const repeated = `${registry.districts.trimEnd()}\n100,100,2026-01-01T00:00:00Z,105,105,"Cumbria and Lancashire (renamed)",25,,\n`;
  await importOfficeRegistry(db, { ...registry, districts: repeated }, { actor });
  const district = await db.selectFrom('districts').select('name').where('code', '=', '105').executeTakeFirstOrThrow();
  t.equal(district.name, 'Cumbria and Lancashire (renamed)', 'a repeated key keeps its latest entry');
});

void t.test('a real handle equal to a placeholder takes that account over', async (t) => {
  const { db } = await createTestDatabase(t);
  await importOfficeRegistry(db, registry, { actor });
  const kent = await db
    .selectFrom('accounts')
    .select(['id', 'handle'])
    .where('name', '=', 'Kent')
    .executeTakeFirstOrThrow();
  const office = await db
    .selectFrom('offices')
    .select('id')
    .where('district_code', '=', '117')
    .executeTakeFirstOrThrow();
  const report = await importAccountMapping(
    db,
    `office_id,handle,account_name,languages\n${office.id},${kent.handle},Kent,en\n_,_,x,en\n`,
    'test:mapping',
  );
  t.same(
    report.rejected.map((r) => r.field),
    ['office_id', 'handle'],
  );
  t.same([report.accountsCreated, report.accountsUpdated], [0, 1]);
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'is_placeholder'])
    .where('id', '=', kent.id)
    .executeTakeFirstOrThrow();
  t.equal(account.is_placeholder, false);
});
