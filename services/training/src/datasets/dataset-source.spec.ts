import { createServer, type Server } from 'node:http';
import { loadConfig } from '@mlops/config';
import { NonRetriableError } from '@mlops/messaging';
import { DatasetNotFoundError, HttpDatasetSource, ingestionBaseUrl } from './dataset-source.js';

const config = loadConfig({ env: {} });
const settings = { data: config.data, training: config.training };
const CSV = [
  'customer_id,gender,senior_citizen,partner,dependents,tenure,phone_service,multiple_lines,internet_service,online_security,online_backup,device_protection,tech_support,streaming_tv,streaming_movies,contract,paperless_billing,payment_method,monthly_charges,total_charges,churn',
  'A-1,Female,0,Yes,No,1,No,No phone service,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,Electronic check,29.85,29.85,No',
  'B-2,Male,0,No,No,34,Yes,No,DSL,Yes,No,Yes,No,No,No,One year,No,Mailed check,56.95,1889.5,Yes',
].join('\n');

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/datasets/11111111-1111-4111-8111-111111111111/rows?format=csv')
      res.writeHead(200, { 'content-type': 'text/csv' }).end(CSV);
    else if (req.url?.startsWith('/datasets/22222222')) res.writeHead(503).end('busy');
    else if (req.url?.startsWith('/datasets/33333333')) res.writeHead(400).end('bad');
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('HttpDatasetSource', () => {
  it('reads the rows CSV of a dataset with the config schema', async () => {
    const d = await new HttpDatasetSource(base, settings).read('11111111-1111-4111-8111-111111111111');
    expect(d.rowCount).toBe(2);
    expect(d.record(1)['tenure']).toBe(34);
    expect(d.record(0)['contract']).toBe('Month-to-month');
  });

  it('404 and other 4xx are not retriable, 5xx is', async () => {
    const source = new HttpDatasetSource(base, settings);
    await expect(source.read('99999999-9999-4999-8999-999999999999')).rejects.toBeInstanceOf(
      DatasetNotFoundError,
    );
    await expect(source.read('33333333-3333-4333-8333-333333333333')).rejects.toBeInstanceOf(
      NonRetriableError,
    );
    const busy = await source.read('22222222-2222-4222-8222-222222222222').catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(Error);
    expect(busy).not.toBeInstanceOf(NonRetriableError);
    expect(String(busy)).toMatch(/503/);
  });

  it('takes INGESTION_URL, else the configured ingestion port', () => {
    expect(ingestionBaseUrl({ INGESTION_URL: 'http://ingest:9' }, 3001)).toBe('http://ingest:9');
    expect(ingestionBaseUrl({}, 3001)).toBe('http://127.0.0.1:3001');
  });
});
