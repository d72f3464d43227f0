import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** A request about to be sent, and the headers to add to it. */
export interface RequestToSign {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}
export type Signer = (request: RequestToSign) => Promise<Record<string, string>>;
type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** The region of an API Gateway endpoint (`https://{api}.execute-api.{region}.amazonaws.com`), if it is one. */
export function executeApiRegion(url: URL): string | undefined {
  return /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

/**
 * Signs requests to API Gateway with Signature Version 4 (service `execute-api`), as IAM-protected
 * routes require, with the standard credential chain: environment, SSO, shared config and
 * credentials files, web identity, container and instance roles.
 */
export function executeApiSigner(region: string, credentials: Credentials = fromNodeProviderChain()): Signer {
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  return async ({ method, url, headers, body }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers;
  };
}

/**
 * The signer for a deployment: `--region` given, or an execute-api URL, signs; a local URL does not.
 * The credentials are looked up at the first signed call.
 */
export function signerFor(url: URL, region?: string): Signer | undefined {
  const chosen = region ?? executeApiRegion(url);
  return chosen ? executeApiSigner(chosen) : undefined;
}
