import * as z from 'zod/mini';
import { HttpError } from './http';
import { Id } from './schemas';

/** The part of an HTTP API event a JWT authorizer fills in. */
export const JwtContext = z.optional(
  z.object({
    authorizer: z.optional(
      z.object({ jwt: z.optional(z.object({ claims: z.record(z.string(), z.unknown()) })) }),
    ),
  }),
);

/**
 * Who the caller is. With USER_AUTH=jwt (the stack sets it when it has a JWT authorizer) the
 * user is the token's `sub`, and a userId in the body or path that differs is refused. Without
 * it the userId comes from the request as it is, and whoever calls may act for any user.
 */
export function resolveUserId(
  requestContext: z.output<typeof JwtContext>,
  requested: string | undefined,
): string {
  if (process.env.USER_AUTH !== 'jwt') {
    if (requested === undefined)
      throw new HttpError(400, 'INVALID_REQUEST', 'Invalid request: userId: is required.');
    return requested;
  }
  const sub = requestContext?.authorizer?.jwt?.claims.sub;
  if (typeof sub !== 'string') {
    throw new HttpError(401, 'UNAUTHORIZED', 'A bearer token with a "sub" claim is required.');
  }
  if (!Id.safeParse(sub).success) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      'The token\'s "sub" is not a valid userId (1 to 64 of A-Z a-z 0-9 _ -).',
    );
  }
  if (requested !== undefined && requested !== sub) {
    throw new HttpError(403, 'FORBIDDEN', 'userId must be your own: the "sub" of your token.');
  }
  return sub;
}
