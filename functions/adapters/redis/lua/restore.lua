-- Opens a coupon, or rebuilds one whose state Redis lost, for ledger generation ARGV[1].
-- KEYS[1] state, KEYS[2] queue, KEYS[3] issued, KEYS[4] pending
-- ARGV[1] gen, ARGV[2] total stock, ARGV[3] stock left (total - persisted), ARGV[4] opensAt ms,
-- ARGV[5] closesAt ms (0: none), ARGV[6] holders to load (1: set `restoring` until they are),
-- ARGV[7] finished reason ('' for a live coupon), ARGV[8] expiresAt ms (finished coupons),
-- ARGV[9] the catalog version of the definition
-- Returns {'CREATED'} (no state was there: a fresh one, without leftovers), {'ADOPTED'} (a state
-- of an earlier generation is there: it is kept, and its later claims carry this generation), or
-- {'CURRENT'} (a state of this generation or a later one is there: nothing changes).
local gen = redis.call('HGET', KEYS[1], 'gen')
if gen then
  if tonumber(gen) < tonumber(ARGV[1]) then
    redis.call('HSET', KEYS[1], 'gen', ARGV[1])
    return {'ADOPTED'}
  end
  return {'CURRENT'}
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'gen', ARGV[1], 'total', ARGV[2], 'left', ARGV[3], 'opensAt', ARGV[4],
  'closesAt', ARGV[5], 'seq', '0', 'ver', ARGV[9])
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'restoring', '1')
end
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[1], 'finished', ARGV[7], 'expiresAt', ARGV[8])
end
return {'CREATED'}
