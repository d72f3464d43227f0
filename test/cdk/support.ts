import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CouponsStack, type CouponsStackProps } from '../../lib/coupons-stack';

/**
 * The stack with `props`, without bundling (an empty asset); user routes open unless a JWT issuer
 * is given (one or the other is required).
 */
export function synth(props: Partial<CouponsStackProps> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CouponsStack(app, 'Test', { ...(props.jwt ? {} : { openUserRoutes: true }), ...props });
  const template = Template.fromStack(stack);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
  return { stack, template, logicalId };
}

/** Runs `build` with CDK_DEFAULT_REGION set to `region` (unset when undefined), then puts it back. */
export function inRegion<T>(region: string | undefined, build: () => T): T {
  const previous = process.env.CDK_DEFAULT_REGION;
  if (region) process.env.CDK_DEFAULT_REGION = region;
  else delete process.env.CDK_DEFAULT_REGION;
  try {
    return build();
  } finally {
    if (previous === undefined) delete process.env.CDK_DEFAULT_REGION;
    else process.env.CDK_DEFAULT_REGION = previous;
  }
}
