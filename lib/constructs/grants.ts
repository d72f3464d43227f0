import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Needs } from '../../functions/routes';

/** Grants a function exactly the DynamoDB actions its route (or the drain) says it needs. */
export function grantNeeds(
  fn: IGrantable & { addToRolePolicy(statement: PolicyStatement): void },
  needs: Needs,
  tables: { coupons: TableV2; issued: TableV2 },
): void {
  for (const name of ['coupons', 'issued'] as const) {
    const need = needs[name];
    const table = tables[name];
    if (need?.table?.length) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: need.table.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }),
      );
    }
    if (need?.indexes?.length) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: need.indexes.map((a) => `dynamodb:${a}`),
          resources: [`${table.tableArn}/index/*`],
        }),
      );
    }
  }
}
