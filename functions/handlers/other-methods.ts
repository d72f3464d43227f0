import * as z from 'zod/mini';
import { HttpError, httpHandler, json } from '#commons/http';
import { methodsAt } from '#functions/routes';

/**
 * `ANY {path}` for every path of the route table (API Gateway picks a route of the exact method
 * first): OPTIONS answers 204 with the methods of the path in `Allow`, any other method 405 with
 * the same `Allow` (RFC 9110). CORS preflights never get here: API Gateway answers them itself.
 */
export const handler = httpHandler(
  z.object({
    routeKey: z.string(),
    rawPath: z.string(),
    requestContext: z.object({ http: z.object({ method: z.string() }) }),
  }),
  async ({ routeKey, rawPath, requestContext }) => {
    const methods = methodsAt(routeKey.replace(/^ANY /, ''));
    if (methods.length === 0) throw new HttpError(404, 'NOT_FOUND', `Nothing is served at ${rawPath}.`);
    const allow = [...methods, 'OPTIONS'].sort().join(', ');
    const { method } = requestContext.http;
    if (method === 'OPTIONS') return { statusCode: 204, headers: { allow } };
    const message = `${method} is not allowed on ${rawPath}: use ${allow.replace(/, (?=[^,]*$)/, ' or ')}.`;
    return json(405, { error: 'METHOD_NOT_ALLOWED', message }, { allow });
  },
);
