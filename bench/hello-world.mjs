// The reference for the cold-start benchmark: a handler that imports nothing.
export const handler = async () => ({ statusCode: 200, body: 'hello' });
