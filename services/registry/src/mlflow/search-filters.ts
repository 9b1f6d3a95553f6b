import { RegistryError } from '@mlops/registry';

export interface NameFilter {
  readonly pattern: string;
  readonly caseInsensitive: boolean;
}

/**
 * The name filter MLflow's experiment and registered-model searches use:
 * `name = 'x'`, `name LIKE '%x%'`, `name ILIKE '%x%'` (also `attribute.name`). Empty: no filter.
 */
export function parseNameFilter(filter: string | undefined): NameFilter | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  const m = /^\s*(?:attributes?\.)?name\s*(=|LIKE|ILIKE)\s*(['"])(.*)\2\s*$/i.exec(filter);
  if (m === null) {
    throw RegistryError.invalid(`Invalid filter '${filter}': supported are name = '...', name LIKE '...', name ILIKE '...'`);
  }
  const op = (m[1] as string).toUpperCase();
  const value = m[3] as string;
  const pattern = op === '=' ? value.replace(/[\\%_]/g, (c) => `\\${c}`) : value;
  return { pattern, caseInsensitive: op === 'ILIKE' };
}

/** `name='x' AND run_id='y'` of model-versions/search (the two keys MLflow's registry filters on). */
export function parseVersionFilter(filter: string | undefined): { name?: string; runId?: string } {
  const out: { name?: string; runId?: string } = {};
  if (filter === undefined || filter.trim() === '') return out;
  for (const clause of filter.split(/\s+AND\s+/i)) {
    const m = /^\s*(name|run_id)\s*=\s*(['"])(.*)\2\s*$/i.exec(clause);
    if (m === null) {
      throw RegistryError.invalid(`Invalid filter '${filter}': supported are name = '...' and run_id = '...' joined by AND`);
    }
    if ((m[1] as string).toLowerCase() === 'name') out.name = m[3] as string;
    else out.runId = m[3] as string;
  }
  return out;
}
