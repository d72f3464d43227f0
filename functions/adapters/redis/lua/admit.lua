-- Admits one user into a coupon's first-come-first-served queue, in one atomic step.
-- KEYS[1] state, KEYS[2] queue (userId -> admission time in µs), KEYS[3] issued (userId -> ms),
-- KEYS[4] sentinel
-- ARGV[1] userId
-- Returns {'QUEUED', position} (1-based; a repeat keeps its place), {'ALREADY_ISSUED'},
-- {'SOLD_OUT'}, {'NOT_OPEN', opensAt, now}, {'CLOSED'}, {'FINISHED', 'SOLD_OUT'|'CLOSED'} when
-- Redis no longer knows the holders of a finished coupon, {'RESTORING'}, {'UNKNOWN'} or {'LOST'}.
-- Only QUEUED for a new user writes anything: late requests leave no trace.
local micros = nowMicros()
local now = math.floor(micros / 1000)
local c, unanswered = couponForUser(now)
if not c then
  return unanswered
end
local user = ARGV[1]
if redis.call('HEXISTS', KEYS[3], user) == 1 then
  return {'ALREADY_ISSUED'}
end
-- Users already queued keep their place whatever happened since: closing never drops them.
local rank = redis.call('ZRANK', KEYS[2], user)
if rank then
  return {'QUEUED', rank + 1}
end
if c.phase == 'FINISHED' then
  if c.holdersKnown then
    return {c.finished}
  end
  return {'FINISHED', c.finished}
end
if c.phase == 'CLOSED' then
  return {'CLOSED'}
end
if c.phase == 'SCHEDULED' then
  return {'NOT_OPEN', int(c.opensAt), int(now)}
end
if c.phase == 'SOLD_OUT' then
  return {'SOLD_OUT'}
end
-- Redis's clock, never a caller's, decides the order; the sequence breaks ties within a µs.
local score = micros
local last = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if score <= last then
  score = last + 1
end
redis.call('HSET', KEYS[1], 'seq', int(score))
redis.call('ZADD', KEYS[2], 'NX', int(score), user)
return {'QUEUED', c.queued + 1}
