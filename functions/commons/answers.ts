import type { DomainErrorCode } from '#domain/errors';
import type { AdmissionStatus } from '#domain/model';
import { METRIC } from './metric-names';

// What each outcome is answered with, in one typed table each: adding an admission outcome or a
// domain error makes the compiler point here.

interface AdmissionAnswer {
  statusCode: number;
  metric: string;
  /** Shown with every answer but QUEUED. */
  message?: string;
}

export const ADMISSION_ANSWERS = {
  QUEUED: { statusCode: 202, metric: METRIC.queued },
  ALREADY_ISSUED: { statusCode: 409, metric: METRIC.alreadyIssued, message: 'You already hold this coupon.' },
  SOLD_OUT: {
    statusCode: 410,
    metric: METRIC.soldOut,
    message: 'This coupon is sold out: every remaining coupon is taken or spoken for.',
  },
  NOT_OPEN: {
    statusCode: 409,
    metric: METRIC.notOpen,
    message: 'The sale has not opened yet: ask again at opensAt (now is the server time).',
  },
  CLOSED: { statusCode: 410, metric: METRIC.closed, message: 'The sale is closed.' },
} as const satisfies Record<AdmissionStatus, AdmissionAnswer>;

/** HTTP status of each domain error; 503s also carry Retry-After. */
export const ERROR_STATUS = {
  COUPON_NOT_FOUND: 404,
  COUPON_EXISTS: 409,
  COUPON_FINISHED: 409,
  ALREADY_OPEN: 409,
  STOCK_LIMIT: 409,
  INVALID_WINDOW: 400,
  INVALID_CURSOR: 400,
  COUPON_RESTORING: 503,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<DomainErrorCode, number>;
