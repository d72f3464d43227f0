// A Lambda execution environment, as far as a cold start goes: this process loads a function's
// bundle (argv[2], a file URL) the way the Node.js runtime does, says when its handler is ready,
// then calls it with each event of argv[3] (a JSON file) one after the other, the first right
// away, as an on-demand environment gets the request that started it. Plain JavaScript, so that
// it runs on the node@24 binary as it is. It reports on fd 3, one JSON line per step; the
// function's own stdout (logs, metrics) goes wherever the parent sends it.
import { readFileSync, writeSync } from 'node:fs';

const report = (line) => writeSync(3, `${JSON.stringify(line)}\n`);

const started = performance.now();
const module = await import(process.argv[2]);
const ready = performance.now();
if (typeof module.handler !== 'function') throw new Error(`${process.argv[2]} exports no handler`);
// Since the process started (performance's time origin), and the import alone.
report({ step: 'ready', readyMs: ready, importMs: ready - started });

const events = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
for (const [i, event] of events.entries()) {
  const deadline = Date.now() + 60_000;
  const requestId = `bench-${process.pid}-${i}`;
  // The X-Ray trace header the runtime sets per invocation.
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${'0'.repeat(16)}${String(i).padStart(8, '0')};Parent=${'1'.repeat(16)};Sampled=1`;
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  const t = performance.now();
  const response = await module.handler(event, context);
  const ms = performance.now() - t;
  report({
    step: 'invoked',
    i,
    ms,
    sinceStartMs: performance.now(),
    statusCode: response?.statusCode,
    body: response?.body?.slice(0, 2000),
  });
}
process.exit(0);
