import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { localAwsEnvironment } from '#local/dynamodb';

// Runs before each test file loads its modules, so handler modules see this environment.
Object.assign(process.env, inject('env'), {
  REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
localAwsEnvironment(process.env);
