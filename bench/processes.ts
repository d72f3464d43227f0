// The reference server of the HTTP benchmark, in a process of its own so the load generator
// never shares one (the local runtime is started by test/support/processes.ts).

import { type ServerProcess, startServer } from '../test/support/processes';

/** The reference: a bare node:http server answering a fixed small JSON body. */
export function startBareServer(): Promise<ServerProcess> {
  const source = `
    const http = require('node:http');
    const body = JSON.stringify({ status: 'QUEUED', position: 1 });
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    server.keepAliveTimeout = 65000;
    server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
    process.on('SIGINT', () => server.close(() => process.exit(0)));
  `;
  return startServer(['-e', source], /listening on (http:\/\/\S+)\n/);
}
