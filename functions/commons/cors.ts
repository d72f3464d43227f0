// Cross-origin access for browsers (a shop page calling the user routes with a JWT), in one place:
// the stack configures API Gateway's CORS from it and the local runtime answers the same way.

import { methodsAt } from '../routes';

/** Headers a browser client may send: its JWT and a JSON body. */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type'] as const;
/** Response headers a browser client may read besides the CORS-safelisted ones. */
export const CORS_EXPOSE_HEADERS = ['location', 'retry-after'] as const;
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * Allowed origins from a comma-separated list (`-c allowedOrigins=...` on the stack,
 * `CORS_ALLOWED_ORIGINS` locally): each an exact origin such as https://shop.example.com.
 * Credentials are allowed, so a wildcard is refused: an explicit list only.
 */
export function parseAllowedOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {}
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== origin) {
      throw new Error(
        `Allowed origins must be exact origins such as https://shop.example.com (scheme, host and port, no path or "*"), got "${origin}".`,
      );
    }
  }
  return origins;
}

/** Methods a browser client may use: those of the route table, HEAD and OPTIONS. */
export const CORS_ALLOW_METHODS: readonly string[] = [...methodsAt(), 'OPTIONS'].sort();
