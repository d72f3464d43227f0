import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Needs } from '../../functions/routes';

/** What a function's needs are granted on. */
export interface NeededResources {
  tables: { coupons: TableV2; issued: TableV2 };
  /** The cache the Redis functions authenticate to. */
  cache: { grantConnect(grantee: IGrantable): void };
}

/**
 * Grants a function exactly what its route (or the drain) says it needs: its DynamoDB actions,
 * and the cache's connect where it uses Redis.
 */
export function grantNeeds(
  fn: IGrantable & { addToRolePolicy(statement: PolicyStatement): void },
  needs: Needs,
  { tables, cache }: NeededResources,
): void {
  for (const name of ['coupons', 'issued'] as const) {
    const need = needs[name];
    const table = tables[name];
    if (need?.table?.length) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: need.table.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }),
      );
    }
    if (need?.queries?.length) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: need.queries.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
  }
  if (needs.redis) cache.grantConnect(fn);
}
