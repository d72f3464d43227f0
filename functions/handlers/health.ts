// GET /health: the API is up. Touches no dependency, so a Redis outage cannot hide the API; and
// imports nothing (no middy, Powertools or zod), so its cold start is a bare Node.js process's.
export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ status: 'ok' }),
});
