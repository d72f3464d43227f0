-- Reads a coupon's counters in one atomic step, so that they add up.
-- KEYS[1] stock, KEYS[2] queue, KEYS[3] issued, KEYS[4] pending (as in claim.lua)
-- Returns {stockLeft, queued, issued, pending, oldestQueuedMicros, oldestPendingMs}, or {} for an
-- unknown coupon; the oldest entries are 0 when their set is empty.
local stock = redis.call('GET', KEYS[1])
if not stock then
  return {}
end
local oldestQueued = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local oldestPending = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
return {
  tonumber(stock),
  redis.call('ZCARD', KEYS[2]),
  redis.call('HLEN', KEYS[3]),
  redis.call('ZCARD', KEYS[4]),
  oldestQueued[2] or '0',
  oldestPending[2] or '0',
}
