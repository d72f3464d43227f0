// `npm run sale`: a flash-sale rehearsal against any deployment of the API (see --help).

import { HELP, parseSaleArgs, UsageError } from './options';
import { liveLine, summary, writeJson } from './report';
import { runSale, SaleError } from './sale';
import { loadTokens } from './tokens';

async function main(): Promise<number> {
  let command: ReturnType<typeof parseSaleArgs>;
  try {
    command = parseSaleArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nSee: npm run sale -- --help`);
    return 2;
  }
  if (command.help) {
    console.log(HELP);
    return 0;
  }
  const { settings } = command;
  let tokens: ReturnType<typeof loadTokens> | undefined;
  if (command.tokens) {
    try {
      tokens = loadTokens({ ...command.tokens, users: settings.users });
    } catch (error) {
      console.error(`Could not read the tokens: ${(error as Error).message}`);
      return 2;
    }
    if (command.usersGiven && tokens.length < settings.users) {
      console.error(`--users ${settings.users} needs as many tokens; got ${tokens.length}.`);
      return 2;
    }
    if (!command.usersGiven) settings.users = tokens.length;
    if (tokens.length === 0) {
      console.error('No token was given: each user of a JWT stack needs one.');
      return 2;
    }
  }

  const live = liveLine();
  let result: Awaited<ReturnType<typeof runSale>>;
  try {
    result = await runSale(
      { ...settings, ...(tokens ? { tokens } : {}) },
      {
        onProgress: live.show,
        progressMs: live.tty ? 250 : 1000,
      },
    );
  } catch (error) {
    live.end();
    if (!(error instanceof SaleError)) throw error;
    console.error(error.message);
    return 2;
  }
  live.end();
  const out = command.out ?? `.local/sales/${result.couponId}.json`;
  writeJson(out, result);
  console.log(summary(result, out));
  return result.passed ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 2;
  },
);
