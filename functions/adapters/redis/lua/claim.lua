-- Claims up to ARGV[1] users from the head of a coupon's queue, in FCFS order, in one atomic step:
-- each claimed user is issued (issued hash) and pending (not yet confirmed in DynamoDB).
-- KEYS[1] state, KEYS[2] queue, KEYS[3] issued, KEYS[4] pending (userId -> lease ms)
-- ARGV[1] the most users to claim
-- Returns {'MISSING'}, {'RESTORING'}, or {'CLAIMED', gen, issuedAt, left, queuedLeft, skipped,
-- soldOut, userId...}: issuedAt is Redis's clock in ms; skipped = popped users who already held
-- the coupon; soldOut = popped users for whom no stock was left (admission never lets that happen;
-- counted, never kept). Every popped user leaves the queue, so no entry can block the head.
-- Users queued before a coupon closed are claimed all the same.
local now = nowMs()
local c = readCoupon(KEYS[1], KEYS[2], now)
if not c then
  return {'MISSING'}
end
if c.restoring then
  return {'RESTORING'}
end
local issuedAt = int(now)
local left = c.left
local popped = redis.call('ZPOPMIN', KEYS[2], tonumber(ARGV[1]))
local claimed = {}
local skipped = 0
local soldOut = 0
for i = 1, #popped, 2 do
  local user = popped[i]
  if redis.call('HEXISTS', KEYS[3], user) == 1 then
    skipped = skipped + 1
  elseif left <= 0 then
    soldOut = soldOut + 1
  else
    left = left - 1
    redis.call('HSET', KEYS[3], user, issuedAt)
    redis.call('ZADD', KEYS[4], issuedAt, user)
    claimed[#claimed + 1] = user
  end
end
if #claimed > 0 then
  redis.call('HSET', KEYS[1], 'left', int(left))
end
local result = {'CLAIMED', int(c.gen), issuedAt, int(left), redis.call('ZCARD', KEYS[2]), skipped, soldOut}
for i = 1, #claimed do
  result[#result + 1] = claimed[i]
end
return result
