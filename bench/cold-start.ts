// Benchmark 6: cold starts. Synthesizes the stack as `cdk synth` does (the real bundles), then
// starts each function's bundle in a fresh process on Node.js 24 (the node@24 package, Lambda's
// major) with the environment the stack gives it, next to a hello-world handler measured the same
// way in the same run, rounds interleaved so that a busy moment of the machine hits every
// function alike. Per function: bundle size, import time, process start to handler ready (the
// goal: request at most 1.6x hello-world, every other function at most 2x), then the first
// invocation (right after ready, as an on-demand environment gets the request that started it)
// next to warm ones, against a real redis-server and DynamoDB Local. Floors (bench/floors/: the
// clients alone, bundled the same way) say how much of each function's init is its libraries':
// "x its floor" compares a function with the floor of the clients it makes during init.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { ROUTES } from '#functions/routes';
import { allFiles, bundleEntry, ENTRY_FILE, HANDLER, staticFiles } from '../lib/constructs/bundling';
import { summarizeInitProfile } from './init-profile';
import { lambdaEnvironment, node24, runBundle } from './lambda-environment';
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

/** The floors' rows and their modules in bench/floors/. */
const FLOORS = {
  'floor: ioredis alone': 'ioredis',
  'floor: DynamoDB client alone': 'dynamodb',
  'floor: both clients': 'both',
} as const;
type Floor = keyof typeof FLOORS;

/** The clients each function makes during init, as a floor (none: hello-world is its floor). */
function floorOf(name: string): Floor | undefined {
  if (name.startsWith('RequestCoupon') || name === 'GetRequest') return 'floor: ioredis alone';
  if (name === 'UserCoupons') return 'floor: DynamoDB client alone';
  if (name === 'Health' || name === 'OtherMethods' || name in FLOORS || name === 'HelloWorld')
    return undefined;
  return 'floor: both clients'; // the admin functions and the drain
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

async function coldStart(binary: string, subject: Subject, run: number): Promise<ColdStart> {
  const { processToReadyMs, importMs, invocations } = await runBundle(binary, subject, subject.events(run));
  const [first, ...warm] = invocations;
  return {
    processToReadyMs,
    importMs,
    firstMs: first?.ms ?? Number.NaN,
    warmMs: warm.map((w) => w.ms),
    statuses: invocations.map((i) => i.statusCode),
  };
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

/** Profiled imports per function: their parts averaged, as the noise of one run is large. */
const PROFILED_RUNS = 3;

/**
 * Each subject's import once more, `PROFILED_RUNS` times, under `node --cpu-prof` (an extra run:
 * profiling slows a process, so none of these times is in the table above). The profiles stay in
 * .local/cold-start-profiles/<function>/ for Chrome DevTools.
 */
async function profileInits(binary: string, subjects: Subject[]): Promise<void> {
  const root = join(process.cwd(), '.local', 'cold-start-profiles');
  rmSync(root, { recursive: true, force: true });
  const rows: Record<string, string | number>[] = [];
  for (const subject of subjects) {
    const dir = join(root, subject.name.replace(/[^\w-]+/g, '-'));
    mkdirSync(dir, { recursive: true });
    const env = { ...subject.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-interval=100 --cpu-prof-dir=${dir}` };
    // No event: the runner exits once the handler is ready, so a profile is the init alone.
    for (let run = 0; run < PROFILED_RUNS; run++) await runBundle(binary, { ...subject, env }, []);
    const profiles = readdirSync(dir).map((file) => summarizeInitProfile(join(dir, file)));
    const ms = new Map<string, number>();
    for (const { parts } of profiles) {
      for (const { part, ms: partMs } of parts) ms.set(part, (ms.get(part) ?? 0) + partMs / profiles.length);
    }
    const top = [...ms].sort((a, b) => b[1] - a[1]).slice(0, 7);
    rows.push({
      function: subject.name,
      'profiled ms': round(profiles.reduce((sum, p) => sum + p.totalMs, 0) / profiles.length),
      'largest parts, ms of self time': top.map(([part, partMs]) => `${part} ${round(partMs)}`).join(', '),
    });
  }
  printTable(
    `Where init goes: CPU profiles of each import (node --cpu-prof, mean of ${PROFILED_RUNS}; ${root})`,
    rows,
  );
}

export async function benchColdStart(runs = 7, warm = 20, options: { profile?: boolean } = {}) {
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
      if (resource.Type !== 'AWS::Lambda::Function' || p.Handler !== HANDLER) continue;
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
    // The request function once more as deployed with -c saleRouteTracing=sdk (the Powertools
    // Tracer on; the stack's default leaves the sale routes' tracing to Lambda), to show what the
    // X-Ray SDK costs its first and later invocations.
    const { POWERTOOLS_TRACE_ENABLED: _, ...withTracer } = request.env;
    subjects.splice(subjects.indexOf(request) + 1, 0, {
      ...request,
      name: 'RequestCoupon, X-Ray SDK',
      env: withTracer,
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
    // Floors: the chosen libraries alone, bundled as the functions are, in the same environment.
    // No goal: they say how much of a function's init its libraries take before its own code.
    const floors: Subject[] = Object.entries(FLOORS).map(([name, file]) => {
      const dir = join(assembly, `floor-${file}`);
      bundleEntry(join(process.cwd(), 'bench', 'floors', `${file}.ts`), dir);
      return {
        name,
        dir,
        entry: pathToFileURL(join(dir, ENTRY_FILE)).href,
        env: { ...request.env, AWS_LAMBDA_FUNCTION_NAME: file, LAMBDA_TASK_ROOT: dir },
        events: () => Array.from({ length: warm + 1 }, () => ({})),
      };
    });
    const all = [hello, ...floors, ...subjects];
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
    const summaries = new Map(all.map((subject) => [subject.name, summary(subject)]));
    const helloMs = summaries.get(hello.name)?.processToReadyMs ?? Number.NaN;
    const results = [...summaries.values()].map((s) => {
      const ratio = s.processToReadyMs / helloMs;
      const floor = floorOf(s.name);
      const floorMs = floor ? summaries.get(floor)?.processToReadyMs : undefined;
      // At most `goal` times hello-world's process-to-ready: met when the ratio is not above it.
      const verdict =
        s.goal === undefined
          ? undefined
          : checkTarget(
              `${s.name}: process to ready vs hello-world`,
              ratio,
              { atMost: s.goal },
              (x) => `${round(x, 2)}x`,
            );
      return {
        ...s,
        ratio,
        floor,
        ratioToFloor: floorMs ? s.processToReadyMs / floorMs : undefined,
        meetsGoal: verdict?.met,
        verdict,
      };
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
        'x its floor': r.ratioToFloor === undefined ? '' : round(r.ratioToFloor, 2),
        goal: r.goal === undefined ? '' : `<= ${r.goal}x`,
        verdict: r.meetsGoal === undefined ? '' : r.meetsGoal ? 'meets' : 'MISSES',
        'first invocation ms': round(r.firstMs),
        'warm p50 ms': round(r.warmP50Ms, 2),
        answers: r.statuses.join(' '),
      })),
    );
    const verdicts = reportVerdicts(
      '6. cold start',
      results.flatMap((r) => (r.verdict ? [r.verdict] : [])),
    );
    const file = writeResult('cold-start', {
      verdicts,
      node: nodeVersion,
      runs,
      warmInvocations: warm,
      goals: { request: GOAL_REQUEST, others: GOAL_OTHERS },
      results: results.map(({ verdict: _, ...r }) => r),
    });
    console.log(`written: ${file}`);
    if (options.profile) await profileInits(binary, all);
  } finally {
    await servers.stop();
    rmSync(assembly, { recursive: true, force: true });
  }
}
