-- Brings a coupon's state in line with its definition of record (DynamoDB), in one atomic step.
-- The window and a top-up are applied when the record is newer than the state (its version is
-- higher), so an older record read by a slow drain never undoes an admin's later change; a later
-- generation is adopted. A finished coupon whose stock or window changed (a top-up or a new window
-- raced the finish) is live again.
-- KEYS[1] state, KEYS[2] queue, KEYS[3] issued, KEYS[4] pending
-- ARGV[1] gen, ARGV[2] total stock, ARGV[3] opensAt ms, ARGV[4] closesAt ms (0: none), ARGV[5] version
-- Returns {'MISSING'} or {'SYNCED', changed (0/1)}. Stock only grows here: the ledger never
-- takes stock away.
local f = redis.call('HMGET', KEYS[1], 'gen', 'total', 'opensAt', 'closesAt', 'finished', 'ver')
if not f[1] then
  return {'MISSING'}
end
local changed = 0
local reopen = false
if tonumber(f[1]) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'gen', ARGV[1])
  changed = 1
end
if tonumber(f[6] or '0') < tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'ver', ARGV[5])
  changed = 1
  local grow = tonumber(ARGV[2]) - tonumber(f[2])
  if grow > 0 then
    redis.call('HINCRBY', KEYS[1], 'left', grow)
    redis.call('HSET', KEYS[1], 'total', ARGV[2])
    reopen = true
  end
  if f[3] ~= ARGV[3] or f[4] ~= ARGV[4] then
    redis.call('HSET', KEYS[1], 'opensAt', ARGV[3], 'closesAt', ARGV[4])
    reopen = true
  end
end
if f[5] and reopen then
  redis.call('HDEL', KEYS[1], 'finished', 'expiresAt')
  redis.call('PERSIST', KEYS[2])
  redis.call('PERSIST', KEYS[3])
  redis.call('PERSIST', KEYS[4])
end
return {'SYNCED', changed}
