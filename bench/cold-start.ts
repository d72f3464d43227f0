// Benchmark 6: cold starts. Synthesizes the stack as `cdk synth` does (the real bundles), then
// starts each function's bundle in a fresh process on Node.js 24 (the node@24 package, Lambda's
// major) with the environment the stack gives it, next to a hello-world handler measured the same
// way in the same run, rounds interleaved so that a busy moment of the machine hits every
// function alike. Per function: bundle size, import time, process start to handler ready (the
// goal: request at most 1.6x hello-world, every other function at most 2x), then the first
// invocation (right after ready, as an on-demand environment gets the request that started it)
// next to warm ones, against a real redis-server and DynamoDB Local.

import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { ROUTES } from '#functions/routes';
import { allFiles, ENTRY_FILE, staticFiles } from '../lib/constructs/bundling';
import { apiEvent, checkTarget, printTable, reportVerdicts, round, startServers, writeResult } from './lib';

/** Goals of issue 13: process start to handler ready, as a multiple of hello-world's. */
const GOAL_REQUEST = 1.6;
const GOAL_OTHERS = 2;

interface LambdaResource {
  Type: string;
  Properties: {
    Description?: string;
    Handler?: string;
    Runtime?: string;
    Code?: { S3Key?: string };
    Environment?: { Variables?: Record<string, unknown> };
  };
}

interface Subject {
  /** The route's name (RequestCoupon, ...), Drain, or HelloWorld. */
  name: string;
  /** Directory of the bundle; the entry is ENTRY_FILE in it. */
  dir: string;
  entry: string;
  env: Record<string, string>;
  events: (run: number) => unknown[];
  goal?: number;
}

interface ColdStart {
  processToReadyMs: number;
  importMs: number;
  firstMs: number;
  warmMs: number[];
  statuses: (number | undefined)[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const kib = (bytes: number) => Math.round(bytes / 1024);

/** The node@24 binary from the registry package (devDependency `node24`). */
function node24(): string {
  const binary = join(process.cwd(), 'node_modules', 'node24', 'bin', 'node');
  try {
    statSync(binary);
  } catch {
    throw new Error(`No Node.js 24 at ${binary}: run npm ci (devDependency node24 = npm:node@24).`);
  }
  return binary;
}

/** `cdk synth` as a user runs it, offline; returns the cloud assembly's directory. */
function synthesize(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'cold-start-synth-'));
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  // Open user routes: the same bundles as with a JWT issuer, and events without a token.
  const args = ['synth', '--quiet', '--output', outdir, '-c', 'openUserRoutes=true'];
  execFileSync(process.execPath, ['node_modules/aws-cdk/bin/cdk', ...args], {
    env: { ...env, CDK_DEFAULT_REGION: 'eu-west-1' },
    stdio: 'pipe',
  });
  return outdir;
}

const OPEN = 'cold-open';
const IAM_USER = 'bench-iam-user';
const LATER = 'cold-later';

/** Events for one cold start of a function: the first, then `warm` more. Each changes something real. */
function eventsFor(name: string, warm: number): ((run: number) => unknown[]) | undefined {
  const n = warm + 1;
  const many = (make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));
  const route = ROUTES.find((r) => r.name === name);
  const call = (path: string, options: Omit<Parameters<typeof apiEvent>[2], 'route'> = {}) =>
    apiEvent(route?.method ?? 'GET', path, { ...options, route: route?.path ?? path });
  switch (name) {
    case 'CreateCoupon':
      return (run) =>
        many((i) =>
          call('/coupons', {
            body: { couponId: `cold-${run}-${i}-${randomUUID().slice(0, 8)}`, name: 'Cold', stock: 10 },
          }),
        );
    case 'ListCoupons':
      return () => many(() => call('/coupons', { query: { limit: '20' } }));
    case 'GetCoupon':
      return () => many(() => call(`/coupons/${OPEN}`, { pathParameters: { couponId: OPEN } }));
    case 'ChangeWindow':
      return (run) =>
        many((i) =>
          call(`/coupons/${LATER}`, {
            pathParameters: { couponId: LATER },
            body: { closesAt: new Date(Date.now() + (40 + run) * 86_400_000 + i * 60_000).toISOString() },
          }),
        );
    case 'AddStock':
      return () =>
        many(() => call(`/coupons/${OPEN}/stock`, { pathParameters: { couponId: OPEN }, body: { add: 1 } }));
    case 'RequestCoupon':
      return (run) =>
        many((i) =>
          call(`/coupons/${OPEN}/requests`, {
            pathParameters: { couponId: OPEN },
            body: { userId: `u-${run}-${i}` },
          }),
        );
    case 'GetRequest':
      return () =>
        many(() =>
          call(`/coupons/${OPEN}/requests/u-0-0`, { pathParameters: { couponId: OPEN, userId: 'u-0-0' } }),
        );
    case 'UserCoupons':
      return () => many(() => call('/users/u-0-0/coupons', { pathParameters: { userId: 'u-0-0' } }));
    case 'Health':
      return () => many(() => call('/health'));
    case 'OtherMethods':
      // API Gateway's `ANY /coupons` route, for a DELETE: 405 with Allow.
      return () =>
        many(() => ({ ...apiEvent('DELETE', '/coupons', { route: '/coupons' }), routeKey: 'ANY /coupons' }));
    case 'Drain':
      // Each drain invocation checks every slot's sentinel and ticks until idle: fewer of them.
      return () =>
        Array.from({ length: Math.min(n, 4) }, () => ({
          source: 'aws.events',
          'detail-type': 'Scheduled Event',
          detail: {},
        }));
    default:
      return undefined;
  }
}

/** The environment Lambda and the stack give a function, with the stack's references made local. */
function lambdaEnvironment(
  name: string,
  dir: string,
  variables: Record<string, unknown>,
  local: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (typeof value === 'string') env[key] = value;
    else if (key in local) env[key] = local[key] as string;
    else throw new Error(`${name}: no local value for ${key} (${JSON.stringify(value)})`);
  }
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    LAMBDA_TASK_ROOT: dir,
    _HANDLER: 'index.handler',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    ...env,
    // Local servers: one redis-server (not a cluster), and DynamoDB Local.
    ...(env.REDIS_URL ? { REDIS_URL: local.REDIS_URL as string, REDIS_CLUSTER: 'false' } : {}),
    DYNAMODB_ENDPOINT: local.DYNAMODB_ENDPOINT as string,
    // The drain's invocations tick back to back until idle, instead of every 5 s.
    ...(name === 'Drain' ? { DRAIN_INTERVAL_MS: '10' } : {}),
  };
}

function coldStart(binary: string, subject: Subject, run: number): Promise<ColdStart> {
  const eventsFile = join(tmpdir(), `cold-start-events-${process.pid}-${subject.name}-${run}.json`);
  writeFileSync(eventsFile, JSON.stringify(subject.events(run)));
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      binary,
      [join(process.cwd(), 'bench', 'lambda-runner.mjs'), subject.entry, eventsFile],
      {
        env: subject.env,
        cwd: subject.dir,
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      },
    );
    const result: ColdStart = { processToReadyMs: 0, importMs: 0, firstMs: 0, warmMs: [], statuses: [] };
    let stderr = '';
    let buffered = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdio[3]?.on('data', (chunk) => {
      buffered += chunk;
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (line.step === 'ready') {
          result.processToReadyMs = performance.now() - started;
          result.importMs = line.importMs;
        } else if (line.i === 0) {
          result.firstMs = line.ms;
          result.statuses.push(line.statusCode);
        } else {
          result.warmMs.push(line.ms);
          result.statuses.push(line.statusCode);
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rmSync(eventsFile, { force: true });
      if (code === 0) resolve(result);
      else reject(new Error(`${subject.name} exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

/** Creates the coupons the events use, through the same domain code the functions run. */
async function seedCoupons(): Promise<void> {
  const { couponQueue, couponCatalog, closeClients } = await import('#commons/dependencies');
  const { createCoupon } = await import('#domain/coupons');
  const ports = { catalog: couponCatalog(), queue: couponQueue() };
  await createCoupon(ports, { couponId: OPEN, name: 'Cold start', stock: 1_000_000 }, randomUUID());
  const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
  await createCoupon(ports, { couponId: LATER, name: 'Later', stock: 10, opensAt: later }, randomUUID());
  await closeClients();
}

export async function benchColdStart(runs = 7, warm = 20) {
  const binary = node24();
  const nodeVersion = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`synthesizing the stack (cdk synth, offline) ...`);
  const assembly = synthesize();
  const servers = await startServers('bench-cold');
  try {
    await seedCoupons();
    // The functions authenticate to the cache with an IAM token as the stack configures them
    // (REDIS_IAM_*): signed during init as on AWS. redis-server cannot check it, so the user
    // takes any password.
    const redis = new Redis(servers.redisUrl);
    await redis.call('ACL', 'SETUSER', IAM_USER, 'on', 'nopass', '~*', '&*', '+@all');
    redis.disconnect();
    const template = JSON.parse(readFileSync(join(assembly, 'FcfsCoupons.template.json'), 'utf8'));
    const local = {
      REDIS_URL: servers.redisUrl,
      COUPONS_TABLE: servers.tables.couponsTable,
      ISSUED_TABLE: servers.tables.issuedTable,
      DYNAMODB_ENDPOINT: servers.dynamoEndpoint,
      REDIS_IAM_CACHE: 'bench-cache',
      REDIS_IAM_USER: IAM_USER,
    };
    const subjects: Subject[] = [];
    for (const resource of Object.values(template.Resources as Record<string, LambdaResource>)) {
      const { Properties: p } = resource;
      if (resource.Type !== 'AWS::Lambda::Function' || p.Handler !== 'index.handler') continue;
      const description = p.Description ?? '';
      const name =
        ROUTES.find((route) => description === `${route.method} ${route.path}`)?.name ??
        (description.startsWith('Drains')
          ? 'Drain'
          : description.startsWith('Any other method')
            ? 'OtherMethods'
            : undefined);
      const events = name && eventsFor(name, warm);
      if (!name || !events) throw new Error(`Unknown function in the template: ${description}`);
      const dir = join(assembly, `asset.${String(p.Code?.S3Key).replace(/\.zip$/, '')}`);
      subjects.push({
        name,
        dir,
        entry: pathToFileURL(join(dir, ENTRY_FILE)).href,
        env: lambdaEnvironment(name, dir, p.Environment?.Variables ?? {}, local),
        events,
        goal: name === 'RequestCoupon' ? GOAL_REQUEST : GOAL_OTHERS,
      });
    }
    const request = subjects.find((s) => s.name === 'RequestCoupon');
    if (!request) throw new Error('No request function in the template');
    // The request function once more without X-Ray (POWERTOOLS_TRACE_ENABLED=false), to show
    // what tracing costs its first invocation.
    subjects.splice(subjects.indexOf(request) + 1, 0, {
      ...request,
      name: 'RequestCoupon, no X-Ray',
      env: { ...request.env, POWERTOOLS_TRACE_ENABLED: 'false' },
    });
    // Measured exactly as the request function: its environment, the same runner.
    const helloDir = join(process.cwd(), 'bench');
    const hello: Subject = {
      name: 'HelloWorld',
      dir: helloDir,
      entry: pathToFileURL(join(helloDir, 'hello-world.mjs')).href,
      env: { ...request.env, AWS_LAMBDA_FUNCTION_NAME: 'HelloWorld', LAMBDA_TASK_ROOT: helloDir },
      events: () => Array.from({ length: warm + 1 }, () => ({})),
    };
    const all = [hello, ...subjects];
    const samples = new Map<string, ColdStart[]>(all.map((s) => [s.name, []]));
    for (let run = 0; run < runs; run++) {
      for (const subject of all) samples.get(subject.name)?.push(await coldStart(binary, subject, run));
      process.stdout.write(`  round ${run + 1}/${runs} done\n`);
    }

    const summary = (subject: Subject) => {
      const taken = samples.get(subject.name) ?? [];
      const files = subject.name === 'HelloWorld' ? ['hello-world.mjs'] : allFiles(subject.dir);
      const loaded = subject.name === 'HelloWorld' ? files : staticFiles(subject.dir);
      const bytes = (list: string[]) => list.reduce((sum, f) => sum + statSync(join(subject.dir, f)).size, 0);
      const warmMs = taken.flatMap((t) => t.warmMs);
      return {
        name: subject.name,
        loadedBytes: bytes(loaded),
        totalBytes: bytes(files),
        importMs: median(taken.map((t) => t.importMs)),
        processToReadyMs: median(taken.map((t) => t.processToReadyMs)),
        firstMs: median(taken.map((t) => t.firstMs)),
        warmP50Ms: median(warmMs),
        statuses: [...new Set(taken.flatMap((t) => t.statuses))],
        goal: subject.goal,
      };
    };
    const helloSummary = summary(hello);
    const results = all.map((subject) => {
      const s = summary(subject);
      const ratio = s.processToReadyMs / helloSummary.processToReadyMs;
      return { ...s, ratio, meetsGoal: s.goal === undefined ? undefined : ratio <= s.goal };
    });
    printTable(
      `Cold starts on Node.js ${nodeVersion}, median of ${runs} fresh processes each (first invocation right after ready, then ${warm} warm)`,
      results.map((r) => ({
        function: r.name,
        'loaded KiB': kib(r.loadedBytes),
        'bundle KiB': kib(r.totalBytes),
        'import ms': round(r.importMs),
        'process to ready ms': round(r.processToReadyMs),
        'x hello': round(r.ratio, 2),
        goal: r.goal === undefined ? '' : `<= ${r.goal}x`,
        verdict: r.meetsGoal === undefined ? '' : r.meetsGoal ? 'meets' : 'MISSES',
        'first invocation ms': round(r.firstMs),
        'warm p50 ms': round(r.warmP50Ms, 2),
        answers: r.statuses.join(' '),
      })),
    );
    // At most `goal` times hello-world's process-to-ready: met when the ratio is not above it.
    const verdicts = reportVerdicts(
      '6. cold start',
      results.flatMap((r) =>
        r.goal === undefined
          ? []
          : [
              checkTarget(
                `${r.name}: process to ready vs hello-world`,
                r.ratio,
                { atMost: r.goal },
                (x) => `${round(x, 2)}x`,
              ),
            ],
      ),
    );
    const file = writeResult('cold-start', {
      verdicts,
      node: nodeVersion,
      runs,
      warmInvocations: warm,
      goals: { request: GOAL_REQUEST, others: GOAL_OTHERS },
      results,
    });
    console.log(`written: ${file}`);
  } finally {
    await servers.stop();
    rmSync(assembly, { recursive: true, force: true });
  }
}
