-- Leases again the pending claims whose lease is older than ARGV[1] ms, so that a drain persists
-- them once more after another drain died (or was fenced) between claiming and acknowledging.
-- KEYS[1] state, KEYS[2] pending (userId -> lease ms), KEYS[3] issued (userId -> issue time, ms)
-- ARGV[1] lease timeout in ms, ARGV[2] the most claims to lease
-- Returns {'MISSING'} or {'RECLAIMED', gen, userId, issuedAt, userId, issuedAt, ...}: the
-- current generation, and each claim with its issue time fixed at claim time. Each lease starts now.
local gen = redis.call('HGET', KEYS[1], 'gen')
if not gen then
  return {'MISSING'}
end
local now = nowMs()
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', int(now - tonumber(ARGV[1])), 'LIMIT', 0,
  tonumber(ARGV[2]))
local result = {'RECLAIMED', gen}
for i = 1, #stale do
  local user = stale[i]
  local issuedAt = redis.call('HGET', KEYS[3], user)
  redis.call('ZADD', KEYS[2], 'XX', int(now), user)
  result[#result + 1] = user
  result[#result + 1] = issuedAt or int(now)
end
return result
