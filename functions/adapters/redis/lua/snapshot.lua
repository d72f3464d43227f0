-- Reads a coupon's state and counters in one atomic step, so that they add up.
-- KEYS[1] state, KEYS[2] queue, KEYS[3] issued, KEYS[4] pending (userId -> lease ms), KEYS[5] sentinel
-- Returns {'UNKNOWN'}, {'LOST'}, or {'COUPON', phase, gen, total, left, available, queued, issued,
-- pending, oldestQueuedMicros, oldestPendingMs, opensAt, closesAt, now, restoring (0/1),
-- finished ('' or SOLD_OUT/CLOSED), expiresAt, version}; the oldest entries are 0 when their set is
-- empty.
local now = nowMs()
local c = readCoupon(KEYS[1], KEYS[2], now)
if not c then
  return {missing(KEYS[5])}
end
local oldestQueued = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local oldestPending = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
return {
  'COUPON', c.phase, int(c.gen), int(c.total), int(c.left), int(c.available), c.queued,
  redis.call('HLEN', KEYS[3]), redis.call('ZCARD', KEYS[4]),
  oldestQueued[2] or '0', oldestPending[2] or '0',
  int(c.opensAt), int(c.closesAt), int(now), c.restoring and 1 or 0, c.finished or '', int(c.expiresAt),
  int(c.ver),
}
