import { createServer, type Server } from 'node:http';
import { NonRetriableError } from '@mlops/messaging';
import { HttpValidationGate, ValidationPendingError, validationBaseUrl } from './validation-gate.js';

const PASSED = '11111111-1111-4111-8111-111111111111';
const LATE = '22222222-2222-4222-8222-222222222222';
const NEVER = '33333333-3333-4333-8333-333333333333';
let server: Server;
let base = '';
let lateCalls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const id = /^\/validations\/([^/]+)\/status$/.exec(req.url ?? '')?.[1];
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (id === PASSED) json({ state: 'passed', trainable: true });
    else if (id === LATE) json({ state: ++lateCalls < 3 ? 'pending' : 'failed', trainable: false });
    else if (id === NEVER) json({ state: 'pending', trainable: false });
    else res.writeHead(400).end('datasetId must be a UUID');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});

afterAll(() => new Promise((r) => server.close(r)));

describe('HttpValidationGate', () => {
  it('returns the verdict, polling while the validation service says pending', async () => {
    const sut = new HttpValidationGate(base, 5_000, 10);
    expect(await sut.verdict(PASSED)).toBe('passed');
    expect(await sut.verdict(LATE)).toBe('failed');
    expect(lateCalls).toBe(3);
  });

  it('gives up with a retriable ValidationPendingError after maxWaitMs', async () => {
    const sut = new HttpValidationGate(base, 100, 10);
    const e = await sut.verdict(NEVER).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationPendingError);
    expect(e).not.toBeInstanceOf(NonRetriableError);
  });

  it('a 4xx answer is not retriable', async () => {
    const sut = new HttpValidationGate(base, 100, 10);
    await expect(sut.verdict('not-a-uuid')).rejects.toBeInstanceOf(NonRetriableError);
  });

  it('takes VALIDATION_URL, else the configured port on 127.0.0.1', () => {
    expect(validationBaseUrl({ VALIDATION_URL: 'http://validation:3002' }, 3002)).toBe(
      'http://validation:3002',
    );
    expect(validationBaseUrl({}, 3102)).toBe('http://127.0.0.1:3102');
  });
});
