-- Admits one user into a coupon's first-come-first-served queue, in one atomic step.
-- KEYS[1] stock   string: stock not yet issued (absent: unknown coupon)
-- KEYS[2] queue   sorted set: userId -> admission time in microseconds, strictly increasing
-- KEYS[3] issued  hash: userId -> issue time in milliseconds
-- KEYS[4] seq     string: the last admission score handed out
-- ARGV[1] userId
-- Returns {code, position}: code 0 unknown coupon, 1 queued (1-based position), 2 already issued, 3 sold out.
-- A user already queued keeps the place they had; a sold-out request writes nothing, so late
-- requests leave no trace and the queue never holds more users than the stock left.
local stock = redis.call('GET', KEYS[1])
if not stock then
  return {0, 0}
end
local user = ARGV[1]
if redis.call('HEXISTS', KEYS[3], user) == 1 then
  return {2, 0}
end
local rank = redis.call('ZRANK', KEYS[2], user)
if rank then
  return {1, rank + 1}
end
local queued = redis.call('ZCARD', KEYS[2])
if queued >= tonumber(stock) then
  return {3, 0}
end
-- Redis's clock, never a caller's, decides the order; the sequence breaks ties within a microsecond.
local now = redis.call('TIME')
local score = tonumber(now[1]) * 1000000 + tonumber(now[2])
local last = tonumber(redis.call('GET', KEYS[4]) or '0')
if score <= last then
  score = last + 1
end
score = string.format('%.0f', score)
redis.call('SET', KEYS[4], score)
redis.call('ZADD', KEYS[2], 'NX', score, user)
return {1, queued + 1}
