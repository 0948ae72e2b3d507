import { fileURLToPath } from 'node:url';

// This file sits at packages/db/{src,dist}/paths.*, three levels below the repo root.
const root = new URL('../../../', import.meta.url);

export const repoRoot = fileURLToPath(root);
export const migrationsDir = fileURLToPath(new URL('migrations/', root));
export const registryDir = fileURLToPath(new URL('data/jobcentres/', root));

export const defaultRegistryFiles = {
  offices: `${registryDir}offices.csv`,
  districts: `${registryDir}register-districts.csv`,
  groups: `${registryDir}register-groups.csv`,
  aliases: `${registryDir}aliases.csv`,
} as const;
