import { createServer, type Server } from 'node:http';
import { loadConfig } from '@mlops/config';
import { ingestionDatasetSource } from './dataset-source.js';

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
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('ingestionDatasetSource', () => {
  it('reads the rows CSV of a dataset with the training schema, not inferred types', async () => {
    const d = await ingestionDatasetSource(base, settings).read('11111111-1111-4111-8111-111111111111');
    expect(d.rowCount).toBe(2);
    expect(d.record(1)['tenure']).toBe(34);
    expect(d.record(0)['contract']).toBe('Month-to-month');
    // senior_citizen is 0/1 in the file; the config declares it numeric, churn is the target.
    expect(d.record(0)['senior_citizen']).toBe(0);
    expect(d.column('churn').role).toBe('target');
    expect(d.column('customer_id').role).toBe('id');
  });
});
