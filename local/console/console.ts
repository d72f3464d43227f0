import type { IncomingMessage, ServerResponse } from 'node:http';
import { Id } from '#commons/schemas';
import type { LocalApiHooks } from '../api';
import { AnswerCounts, answerKind } from './answer-counts';
import { sendJson, servePage } from './static';

/** What the page is told about the API it watches. */
export interface ConsoleInfo {
  /** What the page watches: this local runtime, or the deployed API a proxy forwards to. */
  target: string;
  /** Whether /console/answers counts the answers every client got (true only in the local runtime). */
  answerCounts: boolean;
}

/**
 * The console as the local runtime serves it: the page at `/`, and the answers this process gave,
 * per coupon, route and kind, at `/console/answers?couponId=...`. Plugged into the HTTP server as
 * hooks, so that the API's routes stay exactly those of API Gateway.
 */
export function localConsole(): Required<Pick<LocalApiHooks, 'handle' | 'answered'>> {
  const counts = new AnswerCounts();
  const info: ConsoleInfo = { target: 'this local runtime', answerCounts: true };
  return {
    handle: (req: IncomingMessage, res: ServerResponse, path: string, query: string) => {
      if (path === '/console/info') {
        sendJson(res, 200, info);
        return true;
      }
      if (path === '/console/answers') {
        const couponId = new URLSearchParams(query).get('couponId') ?? '';
        if (!Id.safeParse(couponId).success) {
          sendJson(res, 400, {
            error: 'INVALID_REQUEST',
            message: 'Invalid request: couponId: is required.',
          });
        } else {
          sendJson(res, 200, { couponId, answers: counts.forCoupon(couponId) });
        }
        return true;
      }
      return servePage(req, res, path);
    },
    answered: ({ route, pathParameters, statusCode, body }) => {
      const { couponId } = pathParameters;
      if (couponId) counts.record(couponId, route.name, answerKind(statusCode, body));
    },
  };
}
