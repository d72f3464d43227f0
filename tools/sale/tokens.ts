import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A shopper of a JWT stack: the token they send, and who it says they are (its `sub`). */
export interface TokenUser {
  token: string;
  userId: string;
}

/** The `sub` of a JWT, read without verifying it: the API Gateway authorizer verifies, this only names the user. */
export function subjectOf(token: string): string {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT (header.payload.signature)');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
  if (typeof claims.sub !== 'string') throw new Error('the token has no "sub" claim');
  return claims.sub;
}

/** Tokens one per line (blank lines and lines starting with # are skipped), each a distinct user. */
export function parseTokens(text: string, source: string): TokenUser[] {
  const users: TokenUser[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of text.split('\n').entries()) {
    const token = raw.trim();
    if (!token || token.startsWith('#')) continue;
    let userId: string;
    try {
      userId = subjectOf(token);
    } catch (error) {
      throw new Error(`${source}, line ${index + 1}: ${(error as Error).message}`);
    }
    if (seen.has(userId)) throw new Error(`${source}, line ${index + 1}: a second token for user ${userId}`);
    seen.add(userId);
    users.push({ token, userId });
  }
  return users;
}

/**
 * JWTs from a file (`--tokens`) or from a command (`--token-command`, run once by the shell with
 * SALE_USERS set to the users wanted) that prints them one per line.
 */
export function loadTokens(source: { file?: string; command?: string; users?: number }): TokenUser[] {
  if (source.file) return parseTokens(readFileSync(source.file, 'utf8'), source.file);
  if (source.command) {
    const output = execSync(source.command, {
      encoding: 'utf8',
      env: { ...process.env, SALE_USERS: String(source.users ?? '') },
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return parseTokens(output, `the output of ${source.command}`);
  }
  return [];
}
