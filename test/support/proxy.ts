import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy for fault injection between a client and a real server. `hold()` stops moving
 * bytes on every connection open now (they stay open, as a silently dead network path does);
 * later connections pass. `release()` moves the held bytes on; `blackholeNew` makes new
 * connections hang too.
 */
export interface FaultProxy {
  url(protocol: string): string;
  port: number;
  /** Freezes the connections open now: nothing they send arrives, nothing comes back. */
  hold(): void;
  /** Lets held connections go on, delivering what they sent meanwhile. */
  release(): void;
  /** Drops the connections open now at once, delivering nothing they hold. */
  cut(): void;
  /** New connections hang (accepted, never forwarded) until release(). */
  blackholeNew(on: boolean): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  held: boolean;
}

export async function startProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  let accepted = 0;
  let blackhole = false;
  const pipe = (pair: Pair) => {
    pair.client.on('data', (chunk) => {
      if (!pair.server.write(chunk)) pair.client.pause();
    });
    pair.server.on('data', (chunk) => {
      if (!pair.client.write(chunk)) pair.server.pause();
    });
    pair.server.on('drain', () => !pair.held && pair.client.resume());
    pair.client.on('drain', () => !pair.held && pair.server.resume());
  };
  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, server: upstream, held: blackhole };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    pipe(pair);
    if (pair.held) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (protocol) => `${protocol}://127.0.0.1:${port}`,
    hold() {
      for (const pair of pairs) {
        pair.held = true;
        pair.client.pause();
        pair.server.pause();
      }
    },
    release() {
      blackhole = false;
      for (const pair of pairs) {
        pair.held = false;
        pair.client.resume();
        pair.server.resume();
      }
    },
    cut() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
    },
    blackholeNew(on) {
      blackhole = on;
    },
    connections: () => accepted,
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
