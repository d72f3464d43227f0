// The crowd of a rehearsal: who asks, in which order, and when.

/** How the requests arrive: all at once, at a rate that grows from zero, or at a steady rate. */
export type Arrival =
  | { shape: 'burst' }
  | { shape: 'ramp'; seconds: number }
  | { shape: 'steady'; rate: number };

/** Repeats that a share of all requests are, for `users` distinct users. */
export function repeatCount(users: number, repeatShare: number): number {
  return Math.round((users * repeatShare) / (1 - repeatShare));
}

/**
 * The order of the requests, as the index of the user who sends each: every user's first request
 * in user order, and each repeat somewhere after the first request of its user (a user who presses
 * again, at once or later).
 */
export function crowdOrder(users: number, repeats: number, random: () => number = Math.random): Int32Array {
  const total = users + repeats;
  const who = new Int32Array(total);
  const slot = new Float64Array(total);
  for (let i = 0; i < users; i++) {
    who[i] = i;
    slot[i] = i;
  }
  for (let r = users; r < total; r++) {
    const user = Math.floor(random() * users);
    who[r] = user;
    // Strictly after the user's own first request.
    slot[r] = user + 0.25 + random() * (users - user);
  }
  const order = Array.from({ length: total }, (_, i) => i).sort(
    (a, b) => (slot[a] as number) - (slot[b] as number),
  );
  return Int32Array.from(order, (i) => who[i] as number);
}

/** When request `i` of `total` is due, in ms from the start. */
export function dueAtMs(arrival: Arrival, i: number, total: number): number {
  switch (arrival.shape) {
    case 'burst':
      return 0;
    case 'steady':
      return (i / arrival.rate) * 1000;
    case 'ramp':
      // The rate grows linearly from zero: arrivals up to t are total * (t / seconds)^2.
      return arrival.seconds * 1000 * Math.sqrt(i / total);
  }
}

/**
 * Calls `send(i)` for i = 0..total-1, each once it is due and while fewer than `concurrency` are
 * in flight (a request that is due waits for a free slot, as a browser's would). `send` must not
 * reject. Resolves once every call has settled.
 */
export function sendAll(
  total: number,
  arrival: Arrival,
  concurrency: number,
  send: (i: number) => Promise<void>,
  clock: () => number = () => performance.now(),
): Promise<void> {
  if (total === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const start = clock();
    let next = 0;
    let inFlight = 0;
    let settled = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      inFlight -= 1;
      settled += 1;
      if (settled === total) resolve();
      else pump();
    };
    const pump = () => {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      while (inFlight < concurrency && next < total) {
        const wait = dueAtMs(arrival, next, total) - (clock() - start);
        if (wait > 0) {
          timer = setTimeout(pump, wait);
          return;
        }
        inFlight += 1;
        void send(next++).then(done, done);
      }
    };
    pump();
  });
}
