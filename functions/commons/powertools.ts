import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from './metric-names';
import { mapStackTracesLazily } from './stack-traces';

// Every function that logs comes through here: its logged stacks name the TypeScript sources.
mapStackTracesLazily();

// One of each per container (the tracer: tracing.ts). Service name and namespace come from POWERTOOLS_SERVICE_NAME and
// POWERTOOLS_METRICS_NAMESPACE where set (the stack sets them), else these defaults.
export const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE_NAME;

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
});

/**
 * Metrics are off in the local runtime, the tests and the benchmarks. Powertools still buffers
 * what is added while they are off, so callers on the request path skip adding instead.
 */
export const metricsEnabled = process.env.POWERTOOLS_METRICS_DISABLED !== 'true';
