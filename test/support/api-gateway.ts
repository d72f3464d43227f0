import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * An HTTP API (payload 2.0) event as API Gateway hands it to a handler: a JSON request on
 * `routeKey` ("METHOD /path"), its raw path the route's own unless `over` says otherwise.
 * `over.headers` are added to the JSON content type; the rest of `over` replaces what is here.
 */
export function apiGatewayEvent(
  routeKey: string,
  over: Partial<APIGatewayProxyEventV2> = {},
): APIGatewayProxyEventV2 {
  const { headers, ...rest } = over;
  return {
    version: '2.0',
    routeKey,
    rawPath: routeKey.split(' ')[1] as string,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
    ...rest,
  };
}
