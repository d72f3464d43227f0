-- Reads where one user stands for one coupon, in one atomic step.
-- KEYS[1] stock, KEYS[2] queue, KEYS[3] issued (as in admit.lua)
-- ARGV[1] userId
-- Returns {code, value}: 0 unknown coupon; 1 queued, value = 1-based position;
-- 2 issued, value = issue time (ms); 3 sold out (neither queued nor issued, nothing available);
-- 4 not requested (and still available).
local stock = redis.call('GET', KEYS[1])
if not stock then
  return {0, 0}
end
local user = ARGV[1]
local issuedAt = redis.call('HGET', KEYS[3], user)
if issuedAt then
  return {2, issuedAt}
end
local rank = redis.call('ZRANK', KEYS[2], user)
if rank then
  return {1, rank + 1}
end
if tonumber(stock) - redis.call('ZCARD', KEYS[2]) <= 0 then
  return {3, 0}
end
return {4, 0}
