// `npm start`: the whole system on one machine. An HTTP server that turns requests into API
// Gateway events for the real handler modules, the drain on a timer, Redis and a
// DynamoDB-compatible store (given, or started here), tables created where missing.

import { drainConfig } from '#commons/config';
import { startLocalApi } from './api';
import { localConsole } from './console/console';
import { type DataDir, dataDirFromArgs } from './data-dir';
import { ensureTables, type LocalDynamoDb, localAwsEnvironment, startDynamoDbLocal } from './dynamodb';
import { drainReporter, withRequestLog } from './log';
import { type LocalRedis, startRedis } from './redis-server';
import { LOCAL_ROUTES } from './routes';

const env = process.env;

function fail(message: string): never {
  console.error(`\n${message}\n`);
  process.exit(1);
}

async function main() {
  let data: DataDir | undefined;
  try {
    data = dataDirFromArgs(process.argv.slice(2));
  } catch (error) {
    fail((error as Error).message);
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`PORT must be a port number, got "${env.PORT}".`);

  let redis: LocalRedis | undefined;
  if (!env.REDIS_URL) {
    redis = await startRedis({
      port: env.REDIS_PORT ? Number(env.REDIS_PORT) : undefined,
      ...data?.redis,
    }).catch((error: Error) => fail(error.message));
    env.REDIS_URL = redis.url;
  }

  // Before DynamoDB Local starts: the client that waits for it signs its requests with these.
  localAwsEnvironment(env);
  let dynamo: LocalDynamoDb | undefined;
  if (!env.DYNAMODB_ENDPOINT) {
    dynamo = await startDynamoDbLocal({ port: Number(env.DYNAMODB_PORT ?? 0), ...data?.dynamodb }).catch(
      async (error: Error) => {
        await redis?.stop();
        return fail(error.message);
      },
    );
    env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  }
  env.COUPONS_TABLE ??= 'coupons';
  env.ISSUED_TABLE ??= 'issued-coupons';
  env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  await ensureTables(env.DYNAMODB_ENDPOINT, {
    couponsTable: env.COUPONS_TABLE,
    issuedTable: env.ISSUED_TABLE,
  });

  // Handler modules read the environment when they load, so they load only now.
  const hooks = await withRequestLog(localConsole());
  const api = await startLocalApi(LOCAL_ROUTES, port, env.HOST ?? '127.0.0.1', hooks).catch(
    async (error: NodeJS.ErrnoException) => {
      await dynamo?.stop();
      await redis?.stop();
      return fail(
        error.code === 'EADDRINUSE'
          ? `Port ${port} is in use. Stop what uses it, or start on another port: PORT=${port + 1} npm start`
          : `Could not start the HTTP server: ${error.message}`,
      );
    },
  );
  const { drain } = await import('#functions/handlers/drain');
  const { runDrainLoop } = await import('#domain/drain');
  const { closeClients } = await import('#commons/dependencies');

  const config = drainConfig();
  const stop = new AbortController();
  const report = drainReporter();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      await runDrainLoop(drain, {
        intervalMs: config.intervalMs,
        windowMs: 3_600_000,
        remainingMs: () => Number.MAX_SAFE_INTEGER,
        reserveMs: 0,
        signal: stop.signal,
        onTick: report,
        onTickError: (error) => console.error(`drain: tick failed: ${(error as Error).message}`),
      }).catch(() => {});
    }
  })();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping (the drain finishes its tick first)...`);
    stop.abort();
    await api.close();
    await loop;
    await closeClients();
    await dynamo?.stop();
    await redis?.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const u = api.url;
  const kept = (what: string, dir: string | undefined) =>
    dir ? `, kept in ${dir}` : `, in memory: ${what} is gone at stop (--data-dir DIR keeps it)`;
  console.log(`FCFS coupons running at ${u}
  Console:  ${u}/
  Redis:    ${env.REDIS_URL}${redis ? ` (started here${kept('its data', data?.redis.dir)})` : ''}
  DynamoDB: ${env.DYNAMODB_ENDPOINT}${dynamo ? ` (DynamoDB Local, started here${kept('every table', data?.dynamodb.dataDir)})` : ''}
  Drain:    every ${config.intervalMs} ms

Try:
  curl -s -X POST ${u}/coupons -H 'content-type: application/json' -d '{"couponId":"welcome","name":"Welcome 10%","stock":3}'
  curl -s -X POST ${u}/coupons/welcome/requests -H 'content-type: application/json' -d '{"userId":"alice"}'
  curl -s ${u}/coupons/welcome/requests/alice
  curl -s ${u}/coupons/welcome
  curl -s ${u}/users/alice/coupons
  npm run sale -- --url ${u} --users 10000 --stock 1000

Another process on the same state:
  REDIS_URL=${env.REDIS_URL} DYNAMODB_ENDPOINT=${env.DYNAMODB_ENDPOINT} PORT=${port === 0 ? 0 : port + 1} npm start

Ctrl-C stops.`);
}

main().catch((error) => fail(`Could not start: ${(error as Error).stack ?? error}`));
