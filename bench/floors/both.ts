// A floor for the cold-start benchmark: ioredis and the DynamoDB document client, both made during
// init, as the admin functions and the drain have them.
import { handler as dynamodb } from './dynamodb';
import { handler as redis } from './ioredis';

export const handler = async () => {
  const answers = await Promise.all([redis(), dynamodb()]);
  return { statusCode: Math.max(...answers.map((a) => a.statusCode)) };
};
