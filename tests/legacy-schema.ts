// Rows for tests of old migrations, written as the schema was before migration 0011 named the
// X accounts `accounts` (the table was `clusters`, its key `cluster_id`): today's importers and
// repositories speak the new names, so they cannot fill a database migrated only part way.
import type { DB } from '@jcp/db';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/** Two districts (105 Cumbria, 101 Wales), each with its account and one office: Carlisle and Aberdare. */
export async function legacyRegistry(db: Kysely<DB>): Promise<void> {
  await sql`insert into office_groups (code, name) values ('G', 'Group')`.execute(db);
  await sql`insert into districts (code, name, group_code) values ('105', 'Cumbria', 'G'), ('101', 'Wales', 'G')`.execute(
    db,
  );
  await sql`insert into clusters (id, name, handle)
    values ('district-105', 'Cumbria', 'JCPinCumbria'), ('district-101', 'Wales', 'JCPinWales')`.execute(db);
  await sql`insert into offices (id, office_code, name, address, postcode, district_code, cluster_id)
    values ('carlisle-8504', '8504', 'Carlisle', 'Lowther Street', 'CA3 8DA', '105', 'district-105'),
           ('aberdare-9820', '9820', 'Aberdare', 'Green Street', 'CF44 7HU', '101', 'district-101')`.execute(db);
}

/** A token row as 0003 made it (districts and `cluster_ids`); the secret is not usable. */
export async function legacyToken(
  db: Kysely<DB>,
  record: { id: string; name: string; role: string },
  districts: string[],
  accounts: string[],
): Promise<{ record: { id: string; name: string } }> {
  await sql`insert into api_tokens (id, name, role, token_hash, district_codes, cluster_ids, created_by)
    values (${record.id}, ${record.name}, ${record.role}, ${`hash-${record.id}`}, ${districts}, ${accounts}, 'test')`.execute(
    db,
  );
  return { record };
}
