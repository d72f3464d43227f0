/** Errors the domain raises; the HTTP layer maps each code to a status in one place. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type DomainErrorCode =
  | 'COUPON_NOT_FOUND'
  | 'COUPON_EXISTS'
  | 'COUPON_FINISHED'
  | 'ALREADY_OPEN'
  | 'INVALID_WINDOW'
  | 'STOCK_LIMIT'
  | 'INVALID_CURSOR'
  | 'COUPON_RESTORING'
  | 'SERVICE_UNAVAILABLE';

export class CouponNotFound extends DomainError {
  constructor(couponId: string) {
    super('COUPON_NOT_FOUND', `No coupon with id "${couponId}". Create it with POST /coupons first.`);
  }
}

export class CouponExists extends DomainError {
  constructor(couponId: string) {
    super('COUPON_EXISTS', `A coupon with id "${couponId}" exists already; pick another id.`);
  }
}

export class CouponFinished extends DomainError {
  constructor(couponId: string) {
    super(
      'COUPON_FINISHED',
      `Coupon "${couponId}" is finished (sold out or closed, every winner persisted); it can no longer change.`,
    );
  }
}

/** A window change that would make no sense: closesAt not after opensAt, or moving a start that passed. */
export class InvalidWindow extends DomainError {
  constructor(message: string, code: 'INVALID_WINDOW' | 'ALREADY_OPEN' = 'INVALID_WINDOW') {
    super(code, message);
  }
}

export class StockLimit extends DomainError {
  constructor(max: number) {
    super('STOCK_LIMIT', `A coupon's stock can be at most ${max}.`);
  }
}

/** A pagination cursor this API did not give. */
export class InvalidCursor extends DomainError {
  constructor() {
    super(
      'INVALID_CURSOR',
      'cursor is not one this API gave: pass the cursor of the previous page as it is.',
    );
  }
}

/** Redis lost the coupon's state; the drain is rebuilding it from the ledger. */
export class CouponRestoring extends DomainError {
  constructor(couponId: string) {
    super(
      'COUPON_RESTORING',
      `Coupon "${couponId}" is being restored after a cache failure; nothing was changed. Retry in a few seconds.`,
    );
  }
}

/**
 * A dependency (Redis, DynamoDB) could not be reached in time. `mayHaveApplied` tells whether
 * the request reached it before the answer was lost: then the change may have been made.
 */
export class DependencyUnavailable extends DomainError {
  constructor(
    readonly dependency: 'Redis' | 'DynamoDB',
    readonly mayHaveApplied: boolean,
    cause?: unknown,
    /** What was done before the dependency failed, when something was. */
    message?: string,
  ) {
    super(
      'SERVICE_UNAVAILABLE',
      message ??
        (mayHaveApplied
          ? `${dependency} did not answer in time; the change may or may not have been made. Check before you retry.`
          : `${dependency} is unavailable right now; nothing was changed. Retry in a few seconds.`),
      { cause },
    );
  }
}
