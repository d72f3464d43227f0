-- Settles claims after a ledger write, in one atomic step.
-- KEYS[1] state, KEYS[2] pending, KEYS[3] issued
-- ARGV[1] generation of the claims; ARGV[2] n persisted, ARGV[3] n held before, ARGV[4] n refused;
-- then the persisted userIds; then (userId, issuedAt ms) pairs of users who already held the
-- coupon in DynamoDB under an earlier claim (Redis had forgotten them); then the refused userIds
-- (the ledger had no stock left for them).
-- Persisted and held-before claims leave pending. A held-before claim took stock Redis must give
-- back (once, when it leaves pending), and keeps the issue time of record. A refused claim is
-- undone, and no stock is left.
-- Stock is corrected only for claims of the state's own generation.
-- Returns {'SETTLED'}.
local gen = redis.call('HGET', KEYS[1], 'gen')
local sameGen = gen == ARGV[1]
local persisted = tonumber(ARGV[2])
local heldBefore = tonumber(ARGV[3])
local refused = tonumber(ARGV[4])
local i = 5
for _ = 1, persisted do
  redis.call('ZREM', KEYS[2], ARGV[i])
  i = i + 1
end
for _ = 1, heldBefore do
  -- Once per claim: a claim leased twice (two drains) gives its stock back only the first time.
  local wasPending = redis.call('ZREM', KEYS[2], ARGV[i]) == 1
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  if sameGen and wasPending then
    redis.call('HINCRBY', KEYS[1], 'left', 1)
  end
  i = i + 2
end
for _ = 1, refused do
  redis.call('ZREM', KEYS[2], ARGV[i])
  redis.call('HDEL', KEYS[3], ARGV[i])
  i = i + 1
end
if refused > 0 and sameGen then
  redis.call('HSET', KEYS[1], 'left', '0')
end
return {'SETTLED'}
