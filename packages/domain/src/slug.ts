/** Lower-case ASCII words joined by hyphens: safe in a URL path without escaping. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['\u2019]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * An office's id: its name's slug and its DWP office code. The code alone is not
 * unique (1683 is Alton and Bordon), the name alone may repeat across towns.
 * Assigned once at first import and never recomputed, so a renamed office keeps it.
 */
export function officeId(officeCode: string, name: string): string {
  return `${slugify(name)}-${officeCode}`;
}

/** Account id of the default district account. */
export function districtAccountId(districtCode: string): string {
  return `district-${districtCode}`;
}

const HANDLE_MAX = 15;

/**
 * A placeholder X handle for a district account ("JCPin" + the district's words),
 * at most 15 characters as X requires. Flagged as a placeholder in the database
 * until an operator imports the real account mapping.
 */
export function placeholderHandle(districtName: string, districtCode: string, taken: ReadonlySet<string>): string {
  const words = slugify(districtName)
    .split('-')
    .filter((w) => w !== 'and' && w !== 'of' && w !== 'the')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  const handle = `JCPin${words}`.slice(0, HANDLE_MAX);
  if (!taken.has(handle.toLowerCase())) return handle;
  return `${handle.slice(0, HANDLE_MAX - districtCode.length)}${districtCode}`;
}
