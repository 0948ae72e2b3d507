import t from 'tap';
import {
  findDuplicateOffices,
  normalisePostcode,
  officeId,
  outwardCode,
  placeholderHandle,
  slugify,
  validateOfficeRow,
  type District,
} from '../src/index.js';

void t.test('normalisePostcode accepts every GB postcode form and canonicalises it', async (t) => {
  const cases: [string, string | null][] = [
    ['CA3 8DG', 'CA3 8DG'],
    ['ca38dg', 'CA3 8DG'],
    ['  m1   1ae ', 'M1 1AE'],
    ['B33 8TH', 'B33 8TH'],
    ['CR2 6XH', 'CR2 6XH'],
    ['DN55 1PT', 'DN55 1PT'],
    ['W1A 1HQ', 'W1A 1HQ'],
    ['EC1A 1BB', 'EC1A 1BB'],
    ['SW1A1AA', 'SW1A 1AA'],
    ['', null],
    ['CA3', null],
    ['12345', null],
    ['CA3 8D', null],
    ['CA3 8DGX', null],
    ['3CA 8DG', null],
    ['CAA3 8DG', null],
    ['CA3-8DG', null],
  ];
  for (const [raw, expected] of cases) t.equal(normalisePostcode(raw), expected, JSON.stringify(raw));
  t.equal(outwardCode('CA3 8DG'), 'CA3');
});

void t.test('slugify and officeId give stable URL-safe ids', async (t) => {
  t.equal(slugify('Newport Gwent'), 'newport-gwent');
  t.equal(slugify('King\u2019s Lynn'), 'kings-lynn');
  t.equal(slugify('Bishop Auckland & Spennymoor'), 'bishop-auckland-and-spennymoor');
  t.equal(slugify('Cwmbrân'), 'cwmbran');
  t.equal(slugify('  --Ystrad  (Mynach)-- '), 'ystrad-mynach');
  t.equal(officeId('1683', 'Alton'), 'alton-1683');
  t.not(officeId('1683', 'Alton'), officeId('1683', 'Bordon'), 'a shared office code still gives two ids');
  t.match(officeId('9618', 'Porthmadog'), /^[a-z0-9-]+$/);
});

void t.test('placeholderHandle fits X handle rules and avoids taken handles', async (t) => {
  const h = placeholderHandle('Durham and Tees Valley', '130', new Set());
  t.equal(h, 'JCPinDurhamTees');
  t.ok(h.length <= 15);
  const clash = placeholderHandle('Durham and Tees Valley', '130', new Set([h.toLowerCase()]));
  t.equal(clash, 'JCPinDurhamT130');
  t.match(placeholderHandle('Kent', '117', new Set()), /^[A-Za-z0-9_]{1,15}$/);
});

const districts = new Map<string, District>([
  ['101', { code: '101', name: 'South West Wales', groupCode: '11', endDate: null }],
  ['122', { code: '122', name: 'Devon, Cornwall and Somerset', groupCode: '13', endDate: '2018-03-31' }],
]);
const good = {
  office_code: '9820',
  name: 'Aberdare',
  address: 'Crown Buildings, Greenbach, Aberdare',
  postcode: 'cf44 7hu',
  district_code: '101',
  closed_on: '',
};

void t.test('validateOfficeRow accepts a good row and normalises it', async (t) => {
  const result = validateOfficeRow(good, 2, districts);
  t.same(result, {
    ok: true,
    office: {
      id: 'aberdare-9820',
      officeCode: '9820',
      name: 'Aberdare',
      address: 'Crown Buildings, Greenbach, Aberdare',
      postcode: 'CF44 7HU',
      districtCode: '101',
      closedOn: null,
      line: 2,
    },
  });
  const closed = validateOfficeRow({ ...good, closed_on: '2018-08-13' }, 3, districts);
  t.equal(closed.ok && closed.office.closedOn, '2018-08-13');
});

void t.test('validateOfficeRow rejects each kind of bad row with its line and field', async (t) => {
  const bad: [Record<string, string>, string, RegExp][] = [
    [{ ...good, name: '' }, 'name', /missing/],
    [{ ...good, name: 'x'.repeat(121) }, 'name', /longer/],
    [{ ...good, office_code: '' }, 'office_code', /missing/],
    [{ ...good, office_code: 'AB12' }, 'office_code', /not a numeric/],
    [{ ...good, address: ' ' }, 'address', /missing/],
    [{ ...good, postcode: '' }, 'postcode', /missing/],
    [{ ...good, postcode: 'NOT A PC' }, 'postcode', /not a UK postcode/],
    [{ ...good, district_code: '999' }, 'district_code', /unknown district "999"/],
    [{ ...good, district_code: '' }, 'district_code', /missing/],
    [{ ...good, district_code: '122' }, 'district_code', /ended on 2018-03-31/],
    [{ ...good, closed_on: '2018-02-30' }, 'closed_on', /not a date/],
    [{ ...good, closed_on: 'soon' }, 'closed_on', /not a date/],
  ];
  for (const [row, field, reason] of bad) {
    const result = validateOfficeRow(row, 7, districts);
    t.equal(result.ok, false, `${field} rejected`);
    if (!result.ok) {
      t.equal(result.errors[0]?.line, 7);
      t.equal(result.errors[0]?.field, field);
      t.match(result.errors[0]?.reason, reason);
    }
  }
  const many = validateOfficeRow(
    { office_code: '1', name: '', address: '', postcode: 'x', district_code: '0' },
    9,
    districts,
  );
  t.equal(many.ok ? 0 : many.errors.length, 4, 'every problem of a row is reported, not just the first');
});

void t.test('findDuplicateOffices keeps the first of two rows naming one office', async (t) => {
  const a = validateOfficeRow(good, 2, districts);
  const b = validateOfficeRow({ ...good, address: 'Elsewhere' }, 5, districts);
  if (!a.ok || !b.ok) throw new Error('fixture rows must be valid');
  const { kept, errors } = findDuplicateOffices([a.office, b.office]);
  t.equal(kept.length, 1);
  t.equal(kept[0]?.line, 2);
  t.same(errors, [{ line: 5, field: 'name', reason: 'duplicate of line 2 (9820 Aberdare)' }]);
});
