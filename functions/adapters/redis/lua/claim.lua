-- Claims up to ARGV[1] users from the head of a coupon's queue, in FCFS order, in one atomic step.
-- KEYS[1] stock    string: stock not yet issued
-- KEYS[2] queue    sorted set: userId -> admission time (microseconds)
-- KEYS[3] issued   hash: userId -> issue time (milliseconds)
-- KEYS[4] pending  sorted set: userId -> lease time (milliseconds) of claims not yet confirmed in the database
-- ARGV[1] the most users to claim
-- Returns {issuedAt, stockLeft, queuedLeft, skipped, soldOut, userId...}: issuedAt in milliseconds
-- (Redis's clock), skipped = popped users who already held the coupon, soldOut = popped users
-- for whom no stock was left (admission never lets that happen; counted, never silently kept).
-- Every popped user leaves the queue, so no entry can block the head.
local limit = tonumber(ARGV[1])
local now = redis.call('TIME')
local issuedAt = string.format('%.0f', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
local stock = tonumber(redis.call('GET', KEYS[1]) or '0')
local popped = redis.call('ZPOPMIN', KEYS[2], limit)
local claimed = {}
local skipped = 0
local soldOut = 0
for i = 1, #popped, 2 do
  local user = popped[i]
  if redis.call('HEXISTS', KEYS[3], user) == 1 then
    skipped = skipped + 1
  elseif stock <= 0 then
    soldOut = soldOut + 1
  else
    stock = stock - 1
    redis.call('HSET', KEYS[3], user, issuedAt)
    redis.call('ZADD', KEYS[4], issuedAt, user)
    claimed[#claimed + 1] = user
  end
end
if #claimed > 0 then
  redis.call('DECRBY', KEYS[1], #claimed)
end
local result = {issuedAt, stock, redis.call('ZCARD', KEYS[2]), skipped, soldOut}
for i = 1, #claimed do
  result[#result + 1] = claimed[i]
end
return result
