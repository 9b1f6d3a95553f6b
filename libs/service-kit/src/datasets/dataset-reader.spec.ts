import { createServer, type Server } from 'node:http';
import { NonRetriableError } from '@mlops/messaging';
import { DatasetNotFoundError, HttpDatasetReader, ingestionBaseUrl } from './dataset-reader.js';

const ID = '11111111-1111-4111-8111-111111111111';
let server: Server;
let base = '';
const requests: { url: string; accept: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', accept: req.headers.accept });
    if (req.url === `/datasets/${ID}/rows?format=csv`) {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('"id","x"\n"a",1.5\n');
      res.end('"b",\n');
    } else if (req.url?.startsWith('/datasets/22222222')) {
      res.writeHead(503).end('busy');
    } else if (req.url?.startsWith('/datasets/33333333')) {
      res.writeHead(400).end('bad id');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
});

afterAll(() => new Promise((r) => server.close(r)));

describe('HttpDatasetReader', () => {
  it('streams GET /datasets/:id/rows?format=csv into typed columns', async () => {
    const sut = new HttpDatasetReader(base);
    const d = await sut.read(ID);
    expect(requests.at(-1)).toEqual({ url: `/datasets/${ID}/rows?format=csv`, accept: 'text/csv' });
    expect(d.rowCount).toBe(2);
    expect(Array.from(d.numeric('x'))).toEqual([1.5, Number.NaN]);
    expect(d.value('id', 1)).toBe('b');
  });

  it('404 is a non-retriable DatasetNotFoundError, other 4xx non-retriable, 5xx retriable', async () => {
    const sut = new HttpDatasetReader(base);
    const missing = await sut.read('44444444-4444-4444-8444-444444444444').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DatasetNotFoundError);
    expect(missing).toBeInstanceOf(NonRetriableError);
    const bad = await sut.read('33333333-3333-4333-8333-333333333333').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(NonRetriableError);
    expect((bad as Error).message).toContain('answered 400: bad id');
    const busy = await sut.read('22222222-2222-4222-8222-222222222222').catch((e: unknown) => e);
    expect(busy).not.toBeInstanceOf(NonRetriableError);
    expect((busy as Error).message).toContain('answered 503: busy');
  });
});

describe('ingestionBaseUrl', () => {
  it('takes INGESTION_URL, else the configured port on 127.0.0.1', () => {
    expect(ingestionBaseUrl({ INGESTION_URL: 'http://ingestion:3001' }, 3001)).toBe('http://ingestion:3001');
    expect(ingestionBaseUrl({}, 3101)).toBe('http://127.0.0.1:3101');
  });
});
