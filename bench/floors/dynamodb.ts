// A floor for the cold-start benchmark: the AWS SDK's DynamoDB document client alone, made during
// init, a handler that reads one item. What any function using DynamoDB pays before its own code.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const dynamodb = DynamoDBDocumentClient.from(
  new DynamoDBClient(process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : {}),
);

export const handler = async () => {
  await dynamodb.send(new GetCommand({ TableName: process.env.COUPONS_TABLE, Key: { couponId: 'floor' } }));
  return { statusCode: 200 };
};
