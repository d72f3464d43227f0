import { parseArgs } from 'node:util';
import { Id } from '#commons/schemas';
import type { Arrival } from './crowd';
import type { SaleSettings } from './sale';

export const HELP = `npm run sale -- [options]: rehearse a flash sale against any deployment of the API.

Opens a coupon (or uses an existing one), sends a crowd of users at it, waits until every winner is
persisted, then checks every answer against the final state: everyone told QUEUED or ALREADY_ISSUED
is ISSUED and lists the coupon once, everyone told SOLD_OUT holds nothing, the winners are the stock
(or the crowd, if smaller), first come first served in the order measured here, no 5xx. Prints a
live line while it runs, then a summary and a verdict; writes the figures as JSON; exits 1 when a
check fails, 2 when the sale could not be run.

Where:
  --url URL            the API: npm start's URL, or a deployed stack's ApiUrl   [http://127.0.0.1:3000]
  --region REGION      sign admin calls (SigV4) for this region, with the standard AWS credential
                       chain (environment, profile, SSO, role). An execute-api URL is signed without
                       it, with the region in its host name; other URLs are not signed.

The coupon:
  --coupon ID          sell this coupon if it exists, else create it                [a new sale-...]
  --stock N            the stock of a coupon created here                                   [1000]
  --name TEXT          the name of a coupon created here                  [Rehearsal <date time>]

The crowd:
  --users N            distinct users                                                      [10000]
  --repeats SHARE      share of all requests that are repeats (a user pressing again), 0 to 0.9 [0.1]
  --arrival SHAPE      burst: all at once; ramp: a rate that grows from 0 over --seconds;
                       steady: --rate requests a second                                    [burst]
  --seconds S          ramp duration                                                          [10]
  --rate R             steady rate, requests a second                                       [1000]
  --concurrency N      requests in flight at most (keep-alive connections)                   [128]
  --user-prefix P      user ids are P0, P1, ...                                [u<time>-]
  --tokens FILE        a JWT stack: one token per line, one user each (the user is its "sub")
  --token-command CMD  a JWT stack: a shell command that prints tokens, one per line; it is run
                       once, with SALE_USERS set to --users

Limits and output:
  --timeout MS         bound on each request                                               [10000]
  --settle S           seconds allowed, after the last answer, to persist every winner        [120]
  --out FILE           the figures as JSON                          [.local/sales/<coupon>.json]
  --help               this text

Examples:
  # Local: npm start in one terminal (and http://127.0.0.1:3000/ in a browser), then:
  npm run sale -- --users 100000 --stock 10000
  npm run sale -- --users 20000 --stock 500 --arrival ramp --seconds 20 --repeats 0.3
  npm run sale -- --url http://127.0.0.1:3000 --coupon welcome --users 1000 --arrival steady --rate 200

  # AWS: the stack's ApiUrl; admin calls are signed with your AWS credentials
  API=$(aws cloudformation describe-stacks --stack-name FcfsCoupons \\
    --query "Stacks[0].Outputs[?OutputKey=='ApiUrl'].OutputValue" --output text)
  AWS_PROFILE=rehearsal npm run sale -- --url "$API" --users 50000 --stock 5000 --concurrency 256
  # a stack with a JWT authorizer: one token per shopper
  npm run sale -- --url "$API" --tokens tokens.txt --stock 100
  npm run sale -- --url "$API" --token-command "node mint-test-tokens.js" --users 2000 --stock 100
`;

/** A command line that cannot be run; the message says why. */
export class UsageError extends Error {}

export type SaleCommand =
  | { help: true }
  | {
      help: false;
      settings: Omit<SaleSettings, 'tokens'>;
      tokens?: { file?: string; command?: string };
      /** Whether --users was given (with tokens, it defaults to their number). */
      usersGiven: boolean;
      out?: string;
    };

function whole(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return value;
}

function decimal(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${raw}".`);
  return value;
}

export function parseSaleArgs(args: string[], now = new Date()): SaleCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        url: { type: 'string' },
        region: { type: 'string' },
        coupon: { type: 'string' },
        stock: { type: 'string' },
        name: { type: 'string' },
        users: { type: 'string' },
        repeats: { type: 'string' },
        arrival: { type: 'string' },
        seconds: { type: 'string' },
        rate: { type: 'string' },
        concurrency: { type: 'string' },
        'user-prefix': { type: 'string' },
        tokens: { type: 'string' },
        'token-command': { type: 'string' },
        timeout: { type: 'string' },
        settle: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  const text = (name: string) => values[name] as string | undefined;

  const url = text('url') ?? 'http://127.0.0.1:3000';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be a URL such as http://127.0.0.1:3000, got "${url}".`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`--url must be http:// or https://, got "${url}".`);

  const couponId = text('coupon');
  if (couponId !== undefined && !Id.safeParse(couponId).success)
    throw new UsageError(`--coupon must be 1 to 64 letters, digits, "_" or "-", got "${couponId}".`);
  const userPrefix = text('user-prefix') ?? `u${now.getTime().toString(36)}-`;
  if (!/^[A-Za-z0-9_-]{1,50}$/.test(userPrefix))
    throw new UsageError(`--user-prefix must be 1 to 50 letters, digits, "_" or "-", got "${userPrefix}".`);

  const shape = text('arrival') ?? 'burst';
  let arrival: Arrival;
  if (shape === 'burst') arrival = { shape };
  else if (shape === 'ramp') arrival = { shape, seconds: decimal('seconds', text('seconds'), 10, 0.1, 3600) };
  else if (shape === 'steady') arrival = { shape, rate: decimal('rate', text('rate'), 1000, 0.1, 1_000_000) };
  else throw new UsageError(`--arrival must be burst, ramp or steady, got "${shape}".`);

  if (text('tokens') !== undefined && text('token-command') !== undefined)
    throw new UsageError('Give --tokens or --token-command, not both.');
  const tokens =
    text('tokens') !== undefined || text('token-command') !== undefined
      ? { file: text('tokens'), command: text('token-command') }
      : undefined;

  return {
    help: false,
    settings: {
      url,
      region: text('region'),
      couponId,
      name: text('name') ?? `Rehearsal ${now.toISOString().slice(0, 16).replace('T', ' ')}`,
      stock: whole('stock', text('stock'), 1000, 1, 10_000_000),
      users: whole('users', text('users'), 10_000, 1, 10_000_000),
      repeatShare: decimal('repeats', text('repeats'), 0.1, 0, 0.9),
      arrival,
      concurrency: whole('concurrency', text('concurrency'), 128, 1, 10_000),
      userPrefix,
      timeoutMs: whole('timeout', text('timeout'), 10_000, 1, 600_000),
      settleSeconds: decimal('settle', text('settle'), 120, 0, 86_400),
    },
    ...(tokens ? { tokens } : {}),
    usersGiven: text('users') !== undefined,
    out: text('out'),
  };
}
