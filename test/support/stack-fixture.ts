// A handler whose error has a known place in its source, for test/stack-traces.test.ts: bundled
// as a function's code is, it answers the stack of the error it caught.
import { mapStackTracesLazily } from '#commons/stack-traces';

mapStackTracesLazily();

class Checkout {
  pay(): never {
    throw new Error('card declined');
  }
}

function checkOut(): void {
  new Checkout().pay();
}

export const handler = async () => {
  await Promise.resolve();
  try {
    checkOut();
  } catch (error) {
    return { statusCode: 500, body: (error as Error).stack };
  }
};
