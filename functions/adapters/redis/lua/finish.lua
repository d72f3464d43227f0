-- Finishes a coupon that has nothing left to drain: sold out or closed, nobody queued, no claim
-- pending. Its queue, issued and pending keys expire after ARGV[1] ms; the state stays, small,
-- so that late requests are still answered SOLD_OUT or CLOSED.
-- KEYS[1] state, KEYS[2] queue, KEYS[3] issued, KEYS[4] pending
-- ARGV[1] grace period in ms
-- Returns {'FINISHED', reason, version, gen} (finished now, or already), {'NOT_DONE', phase} when
-- the coupon still has work or stock, or {'MISSING'}.
local now = nowMs()
local c = readCoupon(KEYS[1], KEYS[2], now)
if not c then
  return {'MISSING'}
end
if c.phase == 'FINISHED' then
  return {'FINISHED', c.finished, int(c.ver), int(c.gen)}
end
local done = (c.phase == 'CLOSED' or c.left <= 0) and c.queued == 0 and redis.call('ZCARD', KEYS[4]) == 0
if not done or c.restoring then
  return {'NOT_DONE', c.phase}
end
local reason = c.left <= 0 and 'SOLD_OUT' or 'CLOSED'
local grace = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'finished', reason, 'expiresAt', int(now + grace))
redis.call('PEXPIRE', KEYS[2], grace)
redis.call('PEXPIRE', KEYS[3], grace)
redis.call('PEXPIRE', KEYS[4], grace)
return {'FINISHED', reason, int(c.ver), int(c.gen)}
