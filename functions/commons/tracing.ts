import type { MiddlewareObj } from '@middy/core';
import { serviceName } from './powertools';

// X-Ray through the Powertools Tracer, where tracing is on (Lambda, unless
// POWERTOOLS_TRACE_ENABLED=false). The X-Ray SDK behind the Tracer turns on async hooks for the
// whole process as soon as it loads, which costs every request measurably, so it is loaded only
// where it is used: never in the local runtime, the tests or the benchmarks.
const powertools =
  process.env.POWERTOOLS_TRACE_ENABLED === 'false'
    ? undefined
    : await Promise.all([
        import('@aws-lambda-powertools/tracer'),
        import('@aws-lambda-powertools/tracer/middleware'),
      ]).then(([{ Tracer }, { captureLambdaHandler }]) => ({
        tracer: new Tracer({ serviceName }),
        captureLambdaHandler,
      }));

/** A segment per invocation, with cold start and errors; a no-op where tracing is off. */
export function traceInvocations(): MiddlewareObj {
  return powertools
    ? powertools.captureLambdaHandler(powertools.tracer, { captureResponse: false })
    : { before: () => {} };
}

/** Subsegments for each call an AWS SDK client makes. */
export function traceClient<T>(client: T): T {
  return powertools ? powertools.tracer.captureAWSv3Client(client) : client;
}
