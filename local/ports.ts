import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A port that cannot be listened on: taken by another process, or not allowed. */
export class PortUnavailable extends Error {
  constructor(
    readonly port: number,
    readonly reason: 'in use' | 'not allowed',
  ) {
    super(`Port ${port} is ${reason === 'in use' ? 'in use by another process' : 'not allowed'}.`);
  }
}

/**
 * Resolves if `port` can be listened on at `host` right now, and frees it again. Rejects with
 * PortUnavailable if it cannot: in use (even by a listener that never answers), or privileged.
 */
export function checkPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PortUnavailable(port, 'in use'));
      else if (error.code === 'EACCES') reject(new PortUnavailable(port, 'not allowed'));
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** A port number from the environment: undefined when unset; an error naming the variable if malformed. */
export function portFromEnv(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number from 0 to 65535, got "${raw}".`);
  }
  return port;
}

/**
 * Whether process `pid` holds a listening TCP socket on `port` (Linux's /proc); undefined where
 * that cannot be told. Proves that what answers on a port is the server this process started.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  let inodes: Set<string>;
  try {
    inodes = new Set();
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the 10th field.
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
      }
    }
  } catch {
    return undefined;
  }
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) return true;
    }
    return false;
  } catch {
    return undefined;
  }
}
