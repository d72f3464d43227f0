import { json } from '#commons/http';

/** GET /health: the API is up. Touches no dependency, so a Redis outage cannot hide the API. */
export const handler = async () => json(200, { status: 'ok' });
