-- Loads a page of holders of record into a coupon being restored.
-- KEYS[1] state, KEYS[2] issued
-- ARGV[1] gen of the restore, ARGV[2] 1 when this is the last page, ARGV[3] where to go on from
-- (an opaque cursor kept in the state until the last page), then (userId, issuedAt ms) pairs.
-- Returns {'LOADED'}, or {'STALE'} when the state is not the one this restore made.
local gen = redis.call('HGET', KEYS[1], 'gen')
if gen ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'restoring') == 0 then
  return {'STALE'}
end
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
if ARGV[2] == '1' then
  redis.call('HDEL', KEYS[1], 'restoring', 'restoreCursor')
else
  redis.call('HSET', KEYS[1], 'restoreCursor', ARGV[3])
end
return {'LOADED'}
