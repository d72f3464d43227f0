-- Where one user stands for one coupon, with the coupon's phase and window, in one atomic step.
-- KEYS[1] state, KEYS[2] queue, KEYS[3] issued, KEYS[4] sentinel
-- ARGV[1] userId
-- Returns {'UNKNOWN'}, {'LOST'}, {'RESTORING'}, or {status, value, phase, opensAt, closesAt, now}
-- with status QUEUED (value: 1-based position), ISSUED (value: issue time, ms), NOT_REQUESTED,
-- SOLD_OUT, CLOSED, NOT_OPEN, or FINISHED (value: SOLD_OUT or CLOSED) when Redis no longer knows
-- the holders of a finished coupon.
local now = nowMs()
local c, unanswered = couponForUser(now)
if not c then
  return unanswered
end
local user = ARGV[1]
local function answer(status, value)
  return {status, value, c.phase, int(c.opensAt), int(c.closesAt), int(now)}
end
local issuedAt = redis.call('HGET', KEYS[3], user)
if issuedAt then
  return answer('ISSUED', issuedAt)
end
local rank = redis.call('ZRANK', KEYS[2], user)
if rank then
  return answer('QUEUED', rank + 1)
end
if c.phase == 'FINISHED' then
  if c.holdersKnown then
    return answer(c.finished, '')
  end
  return answer('FINISHED', c.finished)
end
if c.phase == 'CLOSED' or c.phase == 'SOLD_OUT' then
  return answer(c.phase, '')
end
if c.phase == 'SCHEDULED' then
  return answer('NOT_OPEN', '')
end
return answer('NOT_REQUESTED', '')
