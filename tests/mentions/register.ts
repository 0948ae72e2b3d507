// The office register as the mention classifier sees it, read from the shipped CSV files.
import { readFile } from 'node:fs/promises';
import { defaultRegistryFiles, parseCsv } from '@jcp/db';
import { districtAccountId, officeId, type OfficeEntry } from '@jcp/domain';

/** Offices in business, with their aliases and the default (district) account. */
export async function registerOffices(): Promise<OfficeEntry[]> {
  const [officesText, aliasesText] = await Promise.all([
    readFile(defaultRegistryFiles.offices, 'utf8'),
    readFile(defaultRegistryFiles.aliases, 'utf8'),
  ]);
  const aliases = new Map<string, { alias: string; language: 'en' | 'cy' }[]>();
  for (const { fields } of parseCsv(aliasesText, ['office_code', 'office_name', 'alias', 'language'], 'aliases')) {
    const id = officeId(fields.office_code!, fields.office_name!);
    aliases.set(id, [
      ...(aliases.get(id) ?? []),
      { alias: fields.alias!, language: fields.language === 'cy' ? 'cy' : 'en' },
    ]);
  }
  return parseCsv(officesText, ['office_code', 'name', 'address', 'postcode', 'district_code'], 'offices')
    .filter(({ fields }) => !fields.closed_on)
    .map(({ fields }) => {
      const id = officeId(fields.office_code!, fields.name!);
      return {
        id,
        name: fields.name!,
        accountId: districtAccountId(fields.district_code!),
        postcode: fields.postcode!,
        address: fields.address!,
        aliases: aliases.get(id) ?? [],
      };
    });
}
