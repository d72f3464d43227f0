import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUED_TABLE_KEYS } from '#adapters/dynamodb/schema';
import { ApiClient } from '../tools/api-client';
import { executeApiRegion, executeApiSigner, signerFor } from '../tools/aws-signing';
import { startConsoleProxy } from '../tools/console/proxy';
import { crowdOrder, dueAtMs, repeatCount } from '../tools/sale/crowd';
import { parseSaleArgs, UsageError } from '../tools/sale/options';
import { runSale, type SaleSettings } from '../tools/sale/sale';
import { loadTokens, parseTokens } from '../tools/sale/tokens';
import { fifoViolations } from '../tools/sale/verify';
import { issuedRows, testDynamoDb, uniqueId } from './support/helpers';
import type { RuntimeProcess } from './support/processes';
import { useRuntimes } from './support/runtimes';

// `npm run sale` against the local runtime as `npm start` runs it, the checks of its verdict
// failing on real faults, and the SigV4 signing of admin calls for a deployed stack.

const runtimes = useRuntimes();
const db = testDynamoDb();
let runtime: RuntimeProcess;
const exec = promisify(execFile);

beforeAll(async () => {
  runtime = await runtimes.start({ DRAIN_INTERVAL_MS: '100' });
});

const settings = (overrides: Partial<SaleSettings>): SaleSettings => ({
  url: runtime.url,
  name: 'Rehearsal',
  stock: 150,
  users: 400,
  repeatShare: 0.25,
  arrival: { shape: 'burst' },
  concurrency: 32,
  userPrefix: `${uniqueId('u')}-`,
  timeoutMs: 10_000,
  settleSeconds: 30,
  ...overrides,
});

describe('a rehearsal on the local runtime', () => {
  it('sends the crowd with its repeats, sells the stock exactly, and passes every check', async () => {
    const couponId = uniqueId('sale');
    const progress: string[] = [];
    const result = await runSale(settings({ couponId, arrival: { shape: 'steady', rate: 5000 } }), {
      onProgress: (p) => progress.push(p.phase),
      progressMs: 50,
    });

    expect(result.checks.filter((c) => !c.passed)).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result).toMatchObject({ couponId, created: true, users: 400, requests: 533, repeats: 133 });
    // A winner's repeat is QUEUED again (same place) or ALREADY_ISSUED; every request got one of the three.
    const { QUEUED = 0, SOLD_OUT = 0, ALREADY_ISSUED = 0, ...others } = result.answers;
    expect(others).toEqual({});
    expect(QUEUED + SOLD_OUT + ALREADY_ISSUED).toBe(533);
    expect(QUEUED).toBeGreaterThanOrEqual(150);
    expect(result.winners).toBe(150);
    expect(result.atEnd).toMatchObject({ issued: 150, queued: 0, pending: 0 });
    expect(result.seconds.persisted).toBeGreaterThan(0);
    expect(result.seconds.soldOut).toBeGreaterThan(0);
    expect(result.seconds.soldOut).toBeLessThanOrEqual(result.seconds.sending);
    expect(progress).toContain('sending');
    // What DynamoDB holds, read without the API: exactly the 150 winners.
    expect(new Set(await issuedRows(db, couponId)).size).toBe(150);
  });

  it('fails the check of a winner whose row is gone from DynamoDB, and names them', async () => {
    const couponId = uniqueId('sale');
    let removed = '';
    const result = await runSale(settings({ couponId, users: 60, stock: 20, repeatShare: 0 }), {
      onPhase: async (phase) => {
        if (phase !== 'verifying') return;
        removed = (await issuedRows(db, couponId))[0] as string;
        await db.send(
          new DeleteCommand({
            TableName: process.env.ISSUED_TABLE,
            Key: { [ISSUED_TABLE_KEYS.partitionKey]: removed, [ISSUED_TABLE_KEYS.sortKey]: couponId },
          }),
        );
      },
    });
    expect(result.passed).toBe(false);
    const failed = result.checks.filter((c) => !c.passed);
    expect(failed.map((c) => c.name)).toEqual([
      'every winner lists the coupon exactly once (persisted, no user holds two)',
    ]);
    expect(failed[0]?.examples).toEqual([`${removed} lists the coupon 0 times`]);
  });

  it('sells an existing coupon without creating it, and counts only the winners of this crowd', async () => {
    const couponId = uniqueId('sale');
    const first = await runSale(settings({ couponId, users: 30, stock: 50, repeatShare: 0 }));
    expect(first).toMatchObject({ created: true, passed: true });
    const second = await runSale(settings({ couponId, users: 40, repeatShare: 0 }));
    expect(second).toMatchObject({ created: false, passed: true, atStart: { available: 20, issued: 30 } });
    expect(second.answers).toEqual({ QUEUED: 20, SOLD_OUT: 20 });
  });
});

describe('the command line', () => {
  const sale = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'tools/sale/main.ts', ...args], { encoding: 'utf8' });

  it('explains every option with an example for local and for AWS', async () => {
    const { stdout } = await sale('--help');
    for (const option of [
      '--url',
      '--users',
      '--stock',
      '--repeats',
      '--arrival',
      '--concurrency',
      '--tokens',
    ])
      expect(stdout).toContain(option);
    expect(stdout).toContain('npm run sale -- --users 100000 --stock 10000');
    expect(stdout).toMatch(/npm run sale -- --url "\$API"/);
  });

  it('exits 0 and writes the figures when every check passes; exits 1 when the drain never persists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sale-'));
    try {
      const out = join(dir, 'passed.json');
      const passed = await sale(
        '--url',
        runtime.url,
        '--users',
        '50',
        '--stock',
        '10',
        '--repeats',
        '0',
        '--settle',
        '30',
        '--out',
        out,
      );
      expect(passed.stdout).toContain('Verdict: PASS');
      expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({
        passed: true,
        winners: 10,
        answers: { QUEUED: 10, SOLD_OUT: 40 },
      });

      // A runtime whose drain ticked once at start and then waits a minute, on keys of its own
      // (the other runtime's drain would drain its coupon): winners stay queued.
      const idle = await runtimes.start({
        DRAIN_INTERVAL_MS: '60000',
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}idle:`,
      });
      const failed = await sale(
        '--url',
        idle.url,
        '--users',
        '20',
        '--stock',
        '5',
        '--settle',
        '0.5',
        '--out',
        out,
      )
        .then(() => ({ code: 0, stdout: '' }))
        .catch((error: { code: number; stdout: string }) => error);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/FAIL {2}every winner persisted: not within the time allowed: queued 5/);
      expect(failed.stdout).toContain('Verdict: FAIL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options with exit 2 and a message', async () => {
    const failed = await sale('--users', 'many').catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--users must be a whole number'),
    });
    expect(() => parseSaleArgs(['--arrival', 'wave'])).toThrow(UsageError);
    expect(() => parseSaleArgs(['--repeats', '1'])).toThrow('--repeats must be a number from 0 to 0.9');
  });
});

describe('the crowd', () => {
  it('puts each repeat after its user first asked, and spreads arrivals by shape', () => {
    const order = crowdOrder(1000, repeatCount(1000, 0.5));
    expect(order).toHaveLength(2000);
    const firstSeen = new Map<number, number>();
    order.forEach((user, i) => {
      if (!firstSeen.has(user)) firstSeen.set(user, i);
    });
    expect(firstSeen.size).toBe(1000);
    // First requests come in user order; repeats only after them.
    expect([...firstSeen.keys()]).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(dueAtMs({ shape: 'steady', rate: 200 }, 100, 1000)).toBe(500);
    expect(dueAtMs({ shape: 'ramp', seconds: 10 }, 250, 1000)).toBe(5000);
    expect(dueAtMs({ shape: 'burst' }, 999, 1000)).toBe(0);
  });

  it("reads JWT users from a file and from a command, by the token's sub", async () => {
    const jwt = (sub: string) =>
      ['{"alg":"none"}', JSON.stringify({ sub })].map((p) => Buffer.from(p).toString('base64url')).join('.') +
      '.sig';
    expect(parseTokens(`# shoppers\n${jwt('ann')}\n\n${jwt('bob')}\n`, 'f')).toEqual([
      { token: jwt('ann'), userId: 'ann' },
      { token: jwt('bob'), userId: 'bob' },
    ]);
    expect(() => parseTokens(`${jwt('ann')}\n${jwt('ann')}`, 'f')).toThrow(
      'f, line 2: a second token for user ann',
    );
    expect(() => parseTokens('nope', 'f')).toThrow('f, line 1: not a JWT');
    const dir = mkdtempSync(join(tmpdir(), 'tokens-'));
    try {
      const script = join(dir, 'mint.sh');
      writeFileSync(script, `for i in $(seq 1 $SALE_USERS); do echo "${jwt('u')}" | sed "s/$/$i/"; done\n`);
      // The command sees SALE_USERS; its tokens differ only in their signature here, so they share a sub.
      expect(() => loadTokens({ command: `sh ${script}`, users: 2 })).toThrow('a second token for user u');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds out of order issues and admissions after a SOLD_OUT', () => {
    const a = { userId: 'a', sentAt: 0, receivedAt: 5, issuedAt: 1000 };
    const b = { userId: 'b', sentAt: 10, receivedAt: 12, issuedAt: 1000 };
    expect(fifoViolations([a, b])).toEqual([]);
    expect(fifoViolations([a, { ...b, issuedAt: 999 }])).toEqual([
      'a was admitted before b asked, but issued after',
    ]);
    // Overlapping requests may be issued in either order.
    expect(fifoViolations([a, { ...b, sentAt: 4, issuedAt: 999 }])).toEqual([]);
    expect(fifoViolations([a, b], { userId: 'z', receivedAt: 8 })).toEqual([
      'b was admitted after z had been told SOLD_OUT',
    ]);
  });
});

describe('admin calls to a deployed stack', () => {
  const captured: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const api = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      captured.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  let apiUrl = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/prod`;
  });
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

  /** Signs the request as it arrived, at the time it says; equal only if what was sent is what was signed. */
  async function resign(
    request: (typeof captured)[number],
    credentials: { accessKeyId: string; secretAccessKey: string },
  ) {
    const signer = new SignatureV4({
      service: 'execute-api',
      region: 'eu-west-1',
      credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
    const signedHeaders =
      /SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))?.[1]?.split(';') ?? [];
    const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name])]));
    const url = new URL(request.url, 'http://x');
    const amzDate = String(request.headers['x-amz-date']);
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: request.body || undefined,
      },
      { signingDate },
    );
    return signed.headers.authorization;
  }

  it('signs admin calls with SigV4 (execute-api, the region, the credential chain) and no user call', async () => {
    expect(executeApiRegion(new URL('https://a1b2c3.execute-api.eu-west-1.amazonaws.com/prod'))).toBe(
      'eu-west-1',
    );
    expect(signerFor(new URL('http://127.0.0.1:3000'))).toBeUndefined();
    captured.length = 0;
    // The default chain reads the environment's credentials (the tests' are "local").
    const client = new ApiClient(apiUrl, { connections: 2, signer: signerFor(new URL(apiUrl), 'eu-west-1') });
    await client.call('POST', '/coupons', { admin: true, body: { couponId: 'c', name: 'n', stock: 1 } });
    await client.call('GET', '/coupons?limit=5', { admin: true });
    await client.call('POST', '/coupons/c/requests', { body: { userId: 'u' } });
    await client.close();

    const [create, list, request] = captured;
    expect(create).toMatchObject({
      method: 'POST',
      url: '/prod/coupons',
      body: '{"couponId":"c","name":"n","stock":1}',
    });
    expect(create?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    expect(await resign(create as (typeof captured)[number], credentials)).toBe(
      create?.headers.authorization,
    );
    expect(list?.url).toBe('/prod/coupons?limit=5');
    expect(await resign(list as (typeof captured)[number], credentials)).toBe(list?.headers.authorization);
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('the console proxy signs admin routes, forwards user routes as they are, and serves only its own page', async () => {
    captured.length = 0;
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' };
    const proxy = await startConsoleProxy({
      api: apiUrl,
      signer: executeApiSigner('eu-west-1', credentials),
    });
    try {
      expect((await fetch(`${proxy.url}/`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await (await fetch(`${proxy.url}/console/info`)).json()).toEqual({
        target: apiUrl,
        answerCounts: false,
      });
      await fetch(`${proxy.url}/coupons/c`);
      await fetch(`${proxy.url}/coupons/c/requests/u`, { headers: { authorization: 'Bearer jwt' } });
      const foreign = await fetch(`${proxy.url}/coupons`, {
        method: 'POST',
        headers: { origin: 'http://shop.example', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(foreign.status).toBe(403);

      const [admin, user] = captured;
      expect(captured).toHaveLength(2);
      expect(admin?.url).toBe('/prod/coupons/c');
      expect(admin?.headers['x-amz-security-token']).toBe('session');
      expect(await resign(admin as (typeof captured)[number], credentials)).toBe(
        admin?.headers.authorization,
      );
      expect(user).toMatchObject({
        url: '/prod/coupons/c/requests/u',
        headers: { authorization: 'Bearer jwt' },
      });
    } finally {
      await proxy.close();
    }
  });
});
