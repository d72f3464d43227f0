import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import { logger, serviceName } from './powertools';

// X-Ray through the Powertools Tracer, where tracing is on (Lambda, unless
// POWERTOOLS_TRACE_ENABLED=false: the stack sets it on the request and status functions unless
// deployed with saleRouteTracing=sdk); never in the local runtime, the tests or the benchmarks, since
// the X-Ray SDK turns on async hooks for the whole process as soon as it loads, which costs every
// request measurably. It also takes longer to load than all the rest of a request function
// (bench/cold-start.ts), so it is not loaded during init: init starts loading it (a chunk of its
// own in the bundle) and the first invocation waits for what is left, while the Redis
// connection is being made. An environment initialized ahead of its requests (provisioned
// concurrency) loads it during init instead.

interface Loaded {
  tracer: Tracer;
  middleware: MiddlewareObj;
}

const enabled = process.env.POWERTOOLS_TRACE_ENABLED !== 'false';
/** AWS SDK clients made before the tracer was loaded: captured as soon as it is. */
const clients: object[] = [];
let loaded: Loaded | undefined;

async function load(): Promise<Loaded | undefined> {
  try {
    const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
      import('@aws-lambda-powertools/tracer'),
      import('@aws-lambda-powertools/tracer/middleware'),
    ]);
    const tracer = new Tracer({ serviceName });
    for (const client of clients.splice(0)) tracer.captureAWSv3Client(client);
    loaded = { tracer, middleware: captureLambdaHandler(tracer, { captureResponse: false }) };
    return loaded;
  } catch (error) {
    // Tracing is an aid: without it the function still answers.
    logger.error('X-Ray tracing could not be loaded; requests go on untraced', error as Error);
    return undefined;
  }
}

const provisioned = process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency';
// On demand, the load starts once init is over (setImmediate: after the handler module has been
// evaluated and the runtime has gone to fetch the request), so it never delays "ready".
const loading = !enabled
  ? undefined
  : provisioned
    ? load()
    : new Promise<void>((resolve) => setImmediate(resolve)).then(load);
if (loading && provisioned) await loading;

/** A segment per invocation, with cold start and errors; a no-op where tracing is off. */
export function traceInvocations(): MiddlewareObj {
  if (!loading) return { before: () => {} };
  return {
    before: async (request) => {
      await (loaded ?? (await loading))?.middleware.before?.(request);
    },
    after: async (request) => {
      await loaded?.middleware.after?.(request);
    },
    onError: async (request) => {
      await loaded?.middleware.onError?.(request);
    },
  };
}

/** Subsegments for each call an AWS SDK client makes, from the moment the tracer is loaded. */
export function traceClient<T extends object>(client: T): T {
  if (loaded) return loaded.tracer.captureAWSv3Client(client);
  if (loading) clients.push(client);
  return client;
}
