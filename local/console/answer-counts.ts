/** Past this many coupons, answers about new ones are not counted: a bound on memory, not a limit a sale meets. */
const MAX_COUPONS = 10_000;

// The answer's kind is its domain status (QUEUED, SOLD_OUT, ...), else its error code, read from
// the body the handler wrote; a regular expression costs less than parsing it on every answer.
const STATUS = /"status":"([A-Z_]+)"/;
const ERROR = /"error":"([A-Z_]+)"/;

/** What an answer said: `QUEUED`, `SOLD_OUT`, `COUPON_NOT_FOUND`..., or `HTTP_<code>` when the body names nothing. */
export function answerKind(statusCode: number, body: string): string {
  return (STATUS.exec(body) ?? ERROR.exec(body))?.[1] ?? `HTTP_${statusCode}`;
}

/** Answers by route and kind for one coupon, e.g. `{ RequestCoupon: { QUEUED: 3, SOLD_OUT: 9 } }`. */
export type CouponAnswers = Record<string, Record<string, number>>;

/**
 * The answers the local runtime served, per coupon, route and kind: the console's "answers by
 * kind". Counted in the process that served them, since the start of that process.
 */
export class AnswerCounts {
  private readonly byCoupon = new Map<string, Map<string, Map<string, number>>>();

  record(couponId: string, route: string, kind: string): void {
    let routes = this.byCoupon.get(couponId);
    if (!routes) {
      if (this.byCoupon.size >= MAX_COUPONS) return;
      routes = new Map();
      this.byCoupon.set(couponId, routes);
    }
    let kinds = routes.get(route);
    if (!kinds) {
      kinds = new Map();
      routes.set(route, kinds);
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }

  forCoupon(couponId: string): CouponAnswers {
    const answers: CouponAnswers = {};
    for (const [route, kinds] of this.byCoupon.get(couponId) ?? [])
      answers[route] = Object.fromEntries(kinds);
    return answers;
  }
}
