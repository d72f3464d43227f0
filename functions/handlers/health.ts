// GET (and HEAD) /health: the API is up. Touches no dependency, so a Redis outage cannot hide the
// API; and imports nothing (no middy, Powertools or zod), so its cold start is a bare process's.
export const handler = async (
  event?: { requestContext?: { http?: { method?: string } } },
  _context?: unknown,
) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: event?.requestContext?.http?.method === 'HEAD' ? '' : JSON.stringify({ status: 'ok' }),
});
