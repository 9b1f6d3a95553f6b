/**
 * MLflow compatibility without Python: replays the HTTP transcript that the official MLflow client
 * produced against this service (compat/mlflow/client_compat.py --record, fixture
 * compat/mlflow/fixtures/client-transcript.json) and checks every answer against the recorded one:
 * same status, same error_code, same JSON shape (keys and value types, recursively, list lengths
 * included), same bytes for artifact downloads. Ids that the service allocates (experiment and run
 * ids) are mapped from the recorded answers to the new ones and substituted in later requests;
 * the run's unique token replaces the recorded placeholder so names do not collide.
 * The live check with the real client is `npm run compat:mlflow` (needs .venv with mlflow).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { ROOT, startRegistry, type RegistryProcess } from './support/registry-process.js';

jest.setTimeout(120_000);

type Encoded = { kind: 'empty' } | { kind: 'json'; value: unknown } | { kind: 'base64'; value: string };
interface Exchange {
  request: { method: string; path: string; contentType: string; body: Encoded };
  response: { status: number; contentType: string; body: Encoded };
}
interface Transcript {
  recordedWith: string;
  tokenPlaceholder: string;
  exchanges: Exchange[];
}

const transcript = JSON.parse(
  readFileSync(join(ROOT, 'compat', 'mlflow', 'fixtures', 'client-transcript.json'), 'utf8'),
) as Transcript;

/** Keys and value types, recursively; lists keep their length. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  }
  return value === null ? 'null' : typeof value;
}

/** Recorded id -> replayed id, learned from answers at the same JSON path. */
function learnIds(recorded: unknown, actual: unknown, ids: Map<string, string>): void {
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    recorded.forEach((r, i) => learnIds(r, actual[i], ids));
  } else if (recorded !== null && typeof recorded === 'object' && actual !== null && typeof actual === 'object') {
    for (const [key, value] of Object.entries(recorded)) {
      const other = (actual as Record<string, unknown>)[key];
      if ((key === 'experiment_id' || key === 'run_id' || key === 'run_uuid') && typeof value === 'string' && typeof other === 'string') {
        ids.set(value, other);
      } else learnIds(value, other, ids);
    }
  }
}

describe('MLflow client transcript replay', () => {
  let registry: RegistryProcess;
  beforeAll(async () => {
    registry = await startRegistry(43216);
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it(`answers every request of the official client as recorded (${transcript.recordedWith})`, async () => {
    expect(transcript.exchanges.length).toBeGreaterThan(40);
    const token = randomUUID().replace(/-/g, '').slice(0, 12);
    const ids = new Map<string, string>();
    const runIds = (): [string, string][] => [...ids].filter(([k]) => /^[0-9a-f]{32}$/.test(k));
    const experimentIds = (): [string, string][] => [...ids].filter(([k]) => /^\d+$/.test(k));
    const rewriteText = (text: string): string => {
      let out = text.split(transcript.tokenPlaceholder).join(token);
      // Experiment ids only where they name an experiment: before a run id in artifact paths, or as a query value.
      for (const [oldRun, newRun] of runIds()) {
        for (const [oldExp, newExp] of experimentIds()) {
          out = out.split(`${oldExp}/${oldRun}`).join(`${newExp}/${newRun}`).split(`${oldExp}%2F${oldRun}`).join(`${newExp}%2F${newRun}`);
        }
        out = out.split(oldRun).join(newRun);
      }
      for (const [oldExp, newExp] of experimentIds()) out = out.replace(new RegExp(`([?&]experiment_id=)${oldExp}(?=&|$)`), `$1${newExp}`);
      return out;
    };
    const rewriteJson = (value: unknown, key = ''): unknown => {
      if (typeof value === 'string') {
        if ((key === 'experiment_id' || key === 'experiment_ids') && ids.has(value)) return ids.get(value);
        return rewriteText(value);
      }
      if (Array.isArray(value)) return value.map((v) => rewriteJson(v, key));
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteJson(v, k)]));
      }
      return value;
    };

    const mismatches: string[] = [];
    for (const [i, exchange] of transcript.exchanges.entries()) {
      const { request, response } = exchange;
      const path = rewriteText(request.path);
      let body: string | Buffer | undefined;
      if (request.body.kind === 'json') body = JSON.stringify(rewriteJson(request.body.value));
      else if (request.body.kind === 'base64') body = Buffer.from(request.body.value, 'base64');
      const res = await fetch(`${registry.url}${path}`, {
        method: request.method,
        headers: request.contentType ? { 'content-type': request.contentType } : {},
        ...(body !== undefined ? { body } : {}),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      const where = `#${i} ${request.method} ${request.path}`;
      if (res.status !== response.status) {
        mismatches.push(`${where}: status ${res.status}, recorded ${response.status}: ${bytes.toString('utf8').slice(0, 200)}`);
        continue;
      }
      if (response.body.kind === 'json') {
        const actual = bytes.length === 0 ? {} : (JSON.parse(bytes.toString('utf8')) as unknown);
        const recorded = response.body.value as Record<string, unknown>;
        if (JSON.stringify(shape(actual)) !== JSON.stringify(shape(recorded))) {
          mismatches.push(`${where}: shape ${JSON.stringify(shape(actual))} != recorded ${JSON.stringify(shape(recorded))}`);
        }
        if (recorded['error_code'] !== undefined && (actual as Record<string, unknown>)['error_code'] !== recorded['error_code']) {
          mismatches.push(`${where}: error_code ${String((actual as Record<string, unknown>)['error_code'])} != ${String(recorded['error_code'])}`);
        }
        learnIds(recorded, actual, ids);
      } else if (response.body.kind === 'base64') {
        if (!bytes.equals(Buffer.from(response.body.value, 'base64'))) mismatches.push(`${where}: downloaded bytes differ`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(ids.size).toBeGreaterThanOrEqual(2);
  });
});
