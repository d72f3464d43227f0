/** Errors the domain raises; the HTTP layer maps each kind to a status code in one place. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

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

/** A dependency (Redis, DynamoDB) could not be reached in time. Nothing was half-written. */
export class DependencyUnavailable extends DomainError {
  constructor(
    readonly dependency: 'Redis' | 'DynamoDB',
    cause?: unknown,
  ) {
    super(
      'SERVICE_UNAVAILABLE',
      `${dependency} is unavailable right now; nothing was changed. Retry in a few seconds.`,
      { cause },
    );
  }
}
