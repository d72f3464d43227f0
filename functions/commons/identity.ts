import { createHash } from 'node:crypto';
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

/** In a user route's path or body: the caller, as the JWT says. */
export const ME = 'me';

/** Starts every userId made by hashing a token subject, and no subject taken as it is. */
export const HASHED_USER_PREFIX = 'oidc_';

/**
 * The userId of a token subject, the same on every call: the `sub` itself where it is a valid
 * userId (a Cognito UUID), else `oidc_` and the base64url SHA-256 of the `sub` (48 characters:
 * Auth0's `auth0|5f7c...`, `google-oauth2|1234`, emails, anything with `{` or `}`). A `sub` that
 * itself starts with `oidc_` (or is `me`) is hashed too, so a subject can never pick an id that is
 * another subject's hash: the two kinds of ids cannot meet, short of a SHA-256 collision.
 */
export function userIdFromSubject(sub: string): string {
  if (Id.safeParse(sub).success && sub !== ME && !sub.startsWith(HASHED_USER_PREFIX)) return sub;
  return HASHED_USER_PREFIX + createHash('sha256').update(sub, 'utf8').digest('base64url');
}

/**
 * Who the caller is. With USER_AUTH=jwt (the stack sets it when it has a JWT authorizer) the
 * user is the token's subject (userIdFromSubject); a userId in the body or path may be left out,
 * be `me`, or be the caller's own, and anything else is refused with 403. Without it the userId
 * comes from the request as it is (whoever calls may act for any user), and `me` is refused:
 * there is no caller to stand for.
 */
export function resolveUserId(
  requestContext: z.output<typeof JwtContext>,
  requested: string | undefined,
): string {
  if (process.env.USER_AUTH !== 'jwt') {
    if (requested === undefined)
      throw new HttpError(400, 'INVALID_REQUEST', 'Invalid request: userId: is required.');
    if (requested === ME) {
      throw new HttpError(
        400,
        'INVALID_REQUEST',
        'Invalid request: userId: "me" means the caller, and this API has no caller identity (no JWT authorizer). Send the userId itself.',
      );
    }
    return requested;
  }
  const sub = requestContext?.authorizer?.jwt?.claims.sub;
  if (typeof sub !== 'string' || sub === '') {
    throw new HttpError(401, 'UNAUTHORIZED', 'A bearer token with a "sub" claim is required.');
  }
  const caller = userIdFromSubject(sub);
  if (requested !== undefined && requested !== ME && requested !== caller) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      'userId must be your own: use "me" (or leave it out of the body) to act as the subject of your token.',
    );
  }
  return caller;
}
