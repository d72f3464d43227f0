import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  Architecture,
  Code,
  type FunctionProps,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { bundleHandler, HANDLER, PROJECT_ROOT } from './bundling';

export interface CouponFunctionProps extends Omit<FunctionProps, 'code' | 'handler' | 'runtime'> {
  /** A module in functions/handlers/, without extension. */
  handlerModule: string;
  /** @default one month */
  logRetention?: RetentionDays;
}

/**
 * A Lambda function of this app, with its defaults in one place: Node.js 24 on ARM64, X-Ray
 * tracing, a log group with retention, code bundled by the local esbuild (no Docker) as
 * bundling.ts says: minified ESM with code splitting, Lua scripts as text, source maps beside the
 * code. No --enable-source-maps: it parses every map during init; the functions map a stack when
 * one is printed (functions/commons/stack-traces.ts).
 */
export class CouponFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: CouponFunctionProps) {
    const { handlerModule, logRetention = RetentionDays.ONE_MONTH, ...rest } = props;
    super(scope, id, {
      // NodejsFunction writes one file only; code splitting needs esbuild's outdir, so the asset
      // is bundled here. The Docker image is never used: local bundling always succeeds or throws.
      code: Code.fromAsset(PROJECT_ROOT, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('unused-local-bundling'),
          // CDK caches staged assets by their bundling options: naming the handler here keeps
          // each function's bundle its own.
          command: ['bundle', handlerModule],
          local: {
            tryBundle: (outputDir) => {
              bundleHandler(handlerModule, outputDir);
              return true;
            },
          },
        },
      }),
      handler: HANDLER,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(scope, `${id}Logs`, {
        retention: logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      ...rest,
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
