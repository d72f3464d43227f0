import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  COUPONS_BY_CREATION_INDEX,
  COUPONS_TABLE_KEYS,
  ISSUED_BY_COUPON_INDEX,
  ISSUED_TABLE_KEYS,
  LIVE_COUPONS_INDEX,
} from '../../functions/adapters/dynamodb/schema';

export interface TablesProps {
  /** Keep the tables (deletion protection, RETAIN) when the stack goes. @default true */
  retainData?: boolean;
}

/** The issued coupons and the coupon definitions: on demand, point-in-time recovery on. */
export class Tables extends Construct {
  readonly issued: TableV2;
  readonly coupons: TableV2;

  constructor(scope: Construct, id: string, props: TablesProps = {}) {
    super(scope, id);
    const retain = props.retainData ?? true;
    const common = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };
    this.issued = new TableV2(this, 'Issued', {
      ...common,
      partitionKey: { name: ISSUED_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ISSUED_TABLE_KEYS.sortKey, type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: ISSUED_BY_COUPON_INDEX.name,
          partitionKey: { name: ISSUED_BY_COUPON_INDEX.partitionKey, type: AttributeType.STRING },
          sortKey: { name: ISSUED_BY_COUPON_INDEX.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: [...ISSUED_BY_COUPON_INDEX.projected],
        },
      ],
    });
    // Definitions with their ledgers. Both indexes hold keys only, so the drain's ledger updates
    // never write to them.
    this.coupons = new TableV2(this, 'Coupons', {
      ...common,
      partitionKey: { name: COUPONS_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: COUPONS_BY_CREATION_INDEX.name,
          partitionKey: { name: COUPONS_BY_CREATION_INDEX.partitionKey, type: AttributeType.STRING },
          sortKey: { name: COUPONS_BY_CREATION_INDEX.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
        {
          indexName: LIVE_COUPONS_INDEX.name,
          partitionKey: { name: LIVE_COUPONS_INDEX.partitionKey, type: AttributeType.STRING },
          sortKey: { name: LIVE_COUPONS_INDEX.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        },
      ],
    });
  }
}
