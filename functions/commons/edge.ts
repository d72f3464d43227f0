// CloudFront in front of the API (the stack's `waf` option), in one place: the stack makes
// CloudFront add this header with a secret value, and the fronted functions require it.

/** The header CloudFront adds to every request it forwards to the API. */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';
