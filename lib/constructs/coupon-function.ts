import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface CouponFunctionProps extends Omit<NodejsFunctionProps, 'entry' | 'handler' | 'runtime'> {
  /** A module in functions/handlers/, without extension. */
  handlerModule: string;
  /** @default one month */
  logRetention?: RetentionDays;
}

/**
 * A Lambda function of this app, with its defaults in one place: Node.js 24 on ARM64, X-Ray
 * tracing, a log group with retention, ESM bundling by the local esbuild (no Docker), Lua
 * scripts loaded as text, source maps on. The caller's environment is merged over the defaults.
 */
export class CouponFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: CouponFunctionProps) {
    const { handlerModule, logRetention = RetentionDays.ONE_MONTH, environment, bundling, ...rest } = props;
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, 'functions', 'handlers', `${handlerModule}.ts`),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(scope, `${id}Logs`, {
        retention: logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The AWS SDK is bundled too, so the deployed code runs the versions it was tested with.
        externalModules: [],
        loader: { '.lua': 'text' },
        // CommonJS dependencies call require(); an ESM bundle needs one made for it.
        banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
        forceDockerBundling: false,
        ...bundling,
      },
      ...rest,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
    });
    // cdk-nag findings this design accepts, scoped to this function's role.
    const role = this.role;
    if (!role) return;
    const accept = (id: string, reason: string) => Validations.of(role).acknowledge({ id, reason });
    accept(
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The AWS managed basic-execution policy grants CloudWatch Logs only.',
    );
    if (props.vpc) {
      accept(
        'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        "The AWS managed VPC-access policy grants the function's network interfaces only.",
      );
    }
    accept(
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and PutTelemetryRecords have no resource-level permissions.',
    );
  }
}
