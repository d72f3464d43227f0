// `npm start`: the whole system on one machine. An HTTP server that turns requests into API
// Gateway events for the real handler modules, the drain on a timer, Redis and DynamoDB Local
// (given, or started here), tables created where missing. SIGINT, SIGTERM and SIGHUP stop all
// of it; the servers it started stop with it even when it is killed (watchdog.ts).

import { isIPv6 } from 'node:net';
import { drainConfig } from '#commons/config';
import { parseAllowedOrigins } from '#commons/cors';
import type { TickReport } from '#domain/drain';
import { startLocalApi } from './api';
import { FailureBursts } from './bursts';
import { localConsole } from './console/console';
import { type DataDir, dataDirFromArgs } from './data-dir';
import { ensureTables, localAwsEnvironment, startDynamoDbLocal } from './dynamodb';
import { drainReporter, withRequestLog } from './log';
import { openApiDocument } from './openapi';
import { checkPortFree, PortUnavailable, portFromEnv } from './ports';
import { startRedis, waitForRedis } from './redis-server';
import { LOCAL_ROUTES } from './routes';

const env = process.env;
// The AWS SDK's notice that it will need Node.js 22 in 2027 says nothing about this process.
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
localAwsEnvironment(env);

/** What this process started, stopped in reverse order on the way out. */
const started: (() => Promise<void>)[] = [];
let stopping = false;

async function stopStarted(): Promise<void> {
  for (let stop = started.pop(); stop; stop = started.pop()) await stop().catch(() => {});
}

async function exitWith(message: string): Promise<never> {
  console.error(message);
  stopping = true;
  await stopStarted();
  process.exit(1);
}

async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    // A second signal: leave now; the watchdog stops the servers.
    process.exit(130);
  }
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  setTimeout(() => {
    console.error('Not stopped within 10 s: exiting; the servers it started are stopped by its watchdog.');
    process.exit(1);
  }, 10_000).unref();
  await stopStarted();
  console.log('stopped.');
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => void shutdown(signal));

/** One line naming the variable and what to do. */
function portMessage(variable: string, error: PortUnavailable): string {
  const { port } = error;
  if (error.reason === 'not allowed') {
    return `${variable}=${port} is not allowed here (ports below 1024 need privileges): choose one from 1024 to 65535.`;
  }
  const instead = {
    PORT: `or start on another one (PORT=${port + 1} npm start; PORT=0 picks a free one).`,
    REDIS_PORT:
      'or choose another one, or leave REDIS_PORT unset for a free one; to use a Redis you run, set REDIS_URL instead.',
    DYNAMODB_PORT:
      'or choose another one, or leave DYNAMODB_PORT unset for a free one; to use a DynamoDB you run, set DYNAMODB_ENDPOINT instead.',
  }[variable];
  return `${variable}=${port} is in use by another process: stop it, ${instead}`;
}

/** Runs `step`; a taken port becomes the one-line message for `variable`. */
async function onPort<T>(variable: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof PortUnavailable) return exitWith(portMessage(variable, error));
    throw error;
  }
}

async function main() {
  let ports: { PORT: number; REDIS_PORT?: number; DYNAMODB_PORT?: number };
  let corsOrigins: string[];
  let data: DataDir | undefined;
  try {
    data = dataDirFromArgs(process.argv.slice(2));
    ports = {
      PORT: portFromEnv('PORT', env.PORT) ?? 3000,
      REDIS_PORT: portFromEnv('REDIS_PORT', env.REDIS_PORT) || undefined,
      DYNAMODB_PORT: portFromEnv('DYNAMODB_PORT', env.DYNAMODB_PORT) || undefined,
    };
    corsOrigins = parseAllowedOrigins(env.CORS_ALLOWED_ORIGINS);
  } catch (error) {
    return exitWith((error as Error).message);
  }
  const host = env.HOST || '127.0.0.1';
  if (env.REDIS_URL && ports.REDIS_PORT) {
    console.log('REDIS_PORT is ignored: REDIS_URL is set, so no redis-server is started here.');
    ports.REDIS_PORT = undefined;
  }
  if (env.DYNAMODB_ENDPOINT && ports.DYNAMODB_PORT) {
    console.log('DYNAMODB_PORT is ignored: DYNAMODB_ENDPOINT is set, so no DynamoDB Local is started here.');
    ports.DYNAMODB_PORT = undefined;
  }
  const given = Object.entries(ports).filter(([, port]) => port);
  if (new Set(given.map(([, port]) => port)).size < given.length) {
    return exitWith(
      `${given.map(([name, port]) => `${name}=${port}`).join(', ')}: each must be a different port.`,
    );
  }
  // Every port first, before anything starts: a taken one costs nothing to report.
  if (ports.PORT) {
    await onPort('PORT', () => checkPortFree(ports.PORT, host)).catch((error: Error) =>
      exitWith(`HOST=${host}, PORT=${ports.PORT}: cannot listen there (${error.message}).`),
    );
  }
  if (ports.REDIS_PORT) await onPort('REDIS_PORT', () => checkPortFree(ports.REDIS_PORT as number));
  if (ports.DYNAMODB_PORT) {
    await onPort('DYNAMODB_PORT', () => checkPortFree(ports.DYNAMODB_PORT as number, '0.0.0.0'));
  }

  let redisStarted: number | undefined;
  if (env.REDIS_URL) {
    const first = env.REDIS_URL.split(',')[0]?.trim() as string;
    await waitForRedis(first, 3000).catch(() =>
      exitWith(
        `REDIS_URL=${env.REDIS_URL} does not answer: start the process or server that serves it first, or unset REDIS_URL to start a redis-server here.`,
      ),
    );
  } else {
    const redis = await onPort('REDIS_PORT', () =>
      startRedis({ port: ports.REDIS_PORT, ...data?.redis }),
    ).catch((error) => exitWith((error as Error).message));
    started.push(() => redis.stop());
    if (stopping) return;
    env.REDIS_URL = redis.url;
    redisStarted = redis.port;
  }

  let dynamoStarted: number | undefined;
  if (!env.DYNAMODB_ENDPOINT) {
    const dynamo = await onPort('DYNAMODB_PORT', () =>
      startDynamoDbLocal({ port: ports.DYNAMODB_PORT, ...data?.dynamodb }),
    ).catch((error) => exitWith((error as Error).message));
    started.push(() => dynamo.stop());
    if (stopping) return;
    env.DYNAMODB_ENDPOINT = dynamo.endpoint;
    dynamoStarted = dynamo.port;
  }
  env.COUPONS_TABLE ??= 'coupons';
  env.ISSUED_TABLE ??= 'issued-coupons';
  env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  // Failures are reported here, one line per burst (bursts.ts); ERROR still shows unexpected errors.
  env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  await ensureTables(env.DYNAMODB_ENDPOINT, {
    couponsTable: env.COUPONS_TABLE,
    issuedTable: env.ISSUED_TABLE,
  }).catch((error: Error) =>
    exitWith(
      dynamoStarted
        ? `Could not create the tables in DynamoDB Local: ${error.message}`
        : `DYNAMODB_ENDPOINT=${env.DYNAMODB_ENDPOINT} does not answer (${error.message}): start the process or server that serves it first, or unset DYNAMODB_ENDPOINT to start DynamoDB Local here.`,
    ),
  );
  if (stopping) return;

  // Handler modules read the environment when they load, so they load only now.
  const { closeClients } = await import('#commons/dependencies');
  started.push(closeClients);
  const requests = new FailureBursts('requests');
  // The console's page and answer counts, the debug request log, and one line per failure burst.
  const console_ = localConsole();
  const hooks = await withRequestLog({
    handle: console_.handle,
    answered: (answer) => {
      console_.answered(answer);
      const { route, statusCode, body } = answer;
      if (route.access === 'public') return; // /health touches no store: it tells nothing
      if (statusCode < 500) requests.succeeded();
      else requests.failed(() => `${statusCode} ${route.method} ${route.path}: ${messageOf(body)}`);
    },
  });
  const api = await onPort('PORT', () =>
    startLocalApi(LOCAL_ROUTES, ports.PORT, host, {
      ...hooks,
      corsOrigins,
      unverifiedJwt: env.USER_AUTH === 'jwt',
      document: openApiDocument,
    }),
  ).catch((error: Error) =>
    exitWith(`HOST=${host}, PORT=${ports.PORT}: cannot listen there (${error.message}).`),
  );
  if (stopping) {
    await api.close();
    return;
  }

  const { drain } = await import('#functions/handlers/drain');
  const { runDrainLoop } = await import('#domain/drain');
  const config = drainConfig();
  const stop = new AbortController();
  const ticks = new FailureBursts('drain');
  const lines = drainReporter();
  const report = (tick: TickReport) => {
    ticks.succeeded();
    lines(tick);
  };
  const loop = (async () => {
    while (!stop.signal.aborted) {
      await runDrainLoop(drain, {
        intervalMs: config.intervalMs,
        windowMs: 3_600_000,
        remainingMs: () => Number.MAX_SAFE_INTEGER,
        reserveMs: 0,
        signal: stop.signal,
        onTick: report,
        onTickError: (error) => ticks.failed(() => `tick failed: ${(error as Error).message}`),
      }).catch(() => {});
    }
  })();
  // Stopped in reverse: the API stops taking requests, the drain finishes its tick, then the
  // clients close and the servers stop.
  started.push(async () => {
    stop.abort();
    await loop;
  });
  started.push(() => api.close());

  const u = api.url;
  const kept = (what: string, dir: string | undefined) =>
    dir ? `kept in ${dir}` : `in memory: ${what} is gone at stop (--data-dir DIR keeps it)`;
  const curl = isIPv6(host) || host === '::' ? 'curl -g' : 'curl';
  const shareEnv = `REDIS_URL=${env.REDIS_URL} DYNAMODB_ENDPOINT=${env.DYNAMODB_ENDPOINT}`;
  console.log(`FCFS coupons running at ${u}
  Console:  ${u}/
  Redis:    ${env.REDIS_URL}${redisStarted ? ` (redis-server started here, ${kept('its data', data?.redis.dir)})` : ' (given: REDIS_URL)'}
  DynamoDB: ${env.DYNAMODB_ENDPOINT}${dynamoStarted ? ` (DynamoDB Local started here, ${kept('every table', data?.dynamodb.dataDir)})` : ' (given: DYNAMODB_ENDPOINT)'}
  Drain:    every ${config.intervalMs} ms
  API:      ${u}/openapi.json (OpenAPI 3.1)${corsOrigins.length ? `\n  CORS:     ${corsOrigins.join(', ')}` : ''}${
    env.USER_AUTH === 'jwt'
      ? `\n  USER_AUTH=jwt: user routes take the user from a bearer token's "sub" claim, NOT verified here (local only; on AWS the JWT authorizer verifies it)`
      : ''
  }

Try:
  ${curl} -s -X POST ${u}/coupons -H 'content-type: application/json' -d '{"couponId":"welcome","name":"Welcome 10%","stock":3}'
  ${curl} -s -X POST ${u}/coupons/welcome/requests -H 'content-type: application/json' -d '{"userId":"alice"}'
  ${curl} -s ${u}/coupons/welcome/requests/alice
  ${curl} -s ${u}/coupons/welcome
  ${curl} -s ${u}/users/alice/coupons
${
  redisStarted || dynamoStarted
    ? `
Another process on the same state (it answers 503 while this one is stopped):
  ${shareEnv} PORT=${ports.PORT === 0 ? 0 : ports.PORT + 1} npm start
Restart this one on the same ports (${data ? `the state is kept in ${data.dir}` : 'the state starts empty'}):
  ${[redisStarted && `REDIS_PORT=${redisStarted}`, dynamoStarted && `DYNAMODB_PORT=${dynamoStarted}`].filter(Boolean).join(' ')} npm start
`
    : ''
}
Ctrl-C stops.`);
}

function messageOf(body: unknown): string {
  try {
    const parsed = JSON.parse(String(body)) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : String(body);
  } catch {
    return String(body);
  }
}

main().catch((error) => exitWith(`Could not start: ${(error as Error).stack ?? error}`));
