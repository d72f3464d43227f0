// `npm run console -- --api <ApiUrl>`: the live console for a deployed stack (see --help).

import { parseArgs } from 'node:util';
import { portFromEnv } from '#local/ports';
import { signerFor } from '../aws-signing';
import { startConsoleProxy } from './proxy';

const HELP = `npm run console -- --api URL [--port N] [--region REGION]

Serves the live console (the page npm start serves at /) for a deployed stack, on this machine: the
page's calls go to this small server, which forwards them to the API and signs the admin calls
(SigV4) with your AWS credentials (the standard chain: environment, AWS_PROFILE, SSO, role). The
browser never holds credentials, and the server answers only its own page, on 127.0.0.1.

  --api URL        the stack's ApiUrl (required)
  --port N         the console's port                                           [3001]
  --region REGION  sign for this region (default: from the execute-api host name)
  --no-sign        forward admin calls unsigned (an API without IAM auth, or a local runtime)

Examples:
  API=$(aws cloudformation describe-stacks --stack-name FcfsCoupons \\
    --query "Stacks[0].Outputs[?OutputKey=='ApiUrl'].OutputValue" --output text)
  npm run console -- --api "$API"                 # then open http://127.0.0.1:3001/
  AWS_PROFILE=ops npm run console -- --api "$API" --port 8080
  npm run console -- --api http://127.0.0.1:3000  # a local runtime (it also serves the page itself)
`;

function main() {
  let values: { api?: string; port?: string; region?: string; 'no-sign'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        api: { type: 'string' },
        port: { type: 'string' },
        region: { type: 'string' },
        'no-sign': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\nSee: npm run console -- --help`);
    return process.exit(2);
  }
  if (values.help) return console.log(HELP);
  if (!values.api) {
    console.error("--api URL is required: the stack's ApiUrl.\nSee: npm run console -- --help");
    return process.exit(2);
  }
  let api: URL;
  try {
    api = new URL(values.api);
  } catch {
    console.error(`--api must be a URL, got "${values.api}".`);
    return process.exit(2);
  }
  let port: number;
  try {
    port = portFromEnv('--port', values.port) ?? 3001;
  } catch (error) {
    console.error((error as Error).message);
    return process.exit(2);
  }
  const signer = values['no-sign'] ? undefined : signerFor(api, values.region);
  startConsoleProxy({ api: api.href, signer, port }).then(
    (proxy) => {
      console.log(
        `Console for ${api.href} at ${proxy.url}/` +
          (signer ? ' (admin calls signed with your AWS credentials)' : ' (admin calls not signed)') +
          '\nCtrl-C stops.',
      );
      const stop = () => void proxy.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error: NodeJS.ErrnoException) => {
      console.error(
        error.code === 'EADDRINUSE'
          ? `Port ${port} is in use: npm run console -- --api ${api.href} --port ${port + 1}`
          : `Could not start: ${error.message}`,
      );
      process.exit(1);
    },
  );
}

main();
