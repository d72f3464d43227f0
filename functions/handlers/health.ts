import { httpHandler, json } from '#commons/http';
import { requestSchema } from '#commons/schemas';
import { route } from '#functions/routes';

/** GET /health: the API is up. Touches no dependency, so a Redis outage cannot hide the API. */
export const handler = httpHandler(requestSchema(route('Health').request), async () =>
  json(200, { status: 'ok' }),
);
