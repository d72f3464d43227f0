-- Leases pending claims whose lease is older than ARGV[1] ms again, so that a drain can persist
-- them once more after another drain died between claiming and acknowledging them.
-- KEYS[1] pending  sorted set: userId -> lease time (milliseconds)
-- KEYS[2] issued   hash: userId -> issue time (milliseconds)
-- ARGV[1] lease timeout in milliseconds
-- ARGV[2] the most claims to lease
-- Returns {userId, issuedAt, userId, issuedAt, ...}; each returned claim's lease starts now.
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', nowMs - tonumber(ARGV[1])),
  'LIMIT', 0, tonumber(ARGV[2]))
local result = {}
for i = 1, #stale do
  local user = stale[i]
  redis.call('ZADD', KEYS[1], 'XX', string.format('%.0f', nowMs), user)
  result[#result + 1] = user
  result[#result + 1] = redis.call('HGET', KEYS[2], user) or string.format('%.0f', nowMs)
end
return result
