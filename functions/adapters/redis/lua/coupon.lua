-- Prelude of every coupon script (prepended to each when it is declared, scripts.ts): the one
-- place where a coupon's state is read and its phase decided, on Redis's clock.
--
-- A coupon's state hash (KEYS[1] of every script) holds:
--   gen        the ledger generation this state was built for (DynamoDB fences claims of other ones)
--   ver        the catalog version of the definition it reflects (sync.lua applies newer ones only)
--   total      the stock as Redis knows it; left: stock not yet claimed (total - claimed)
--   opensAt    epoch ms, 0 for "open from creation"; closesAt: epoch ms, 0 for "until sold out"
--   seq        the last admission score handed out (microseconds)
--   restoring  present while the holders of a lost state are being loaded back; restoreCursor:
--              where the next page of holders starts (holders.lua)
--   finished   SOLD_OUT or CLOSED once the drain finished the coupon; expiresAt: when its
--              queue, issued and pending keys expire (epoch ms)

local function nowMicros()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function nowMs()
  return math.floor(nowMicros() / 1000)
end

-- Integers as strings: a Lua number in a reply is truncated, and large ones print as 1e+12.
local function int(n)
  return string.format('%.0f', n)
end

-- Reads a coupon; nil when it has no state. `phase` is one of SCHEDULED, OPEN, SOLD_OUT, CLOSED,
-- FINISHED; `available` is the stock nobody holds or waits for: left - queued.
local function readCoupon(stateKey, queueKey, now)
  local f = redis.call('HMGET', stateKey, 'gen', 'total', 'left', 'opensAt', 'closesAt', 'restoring',
    'finished', 'expiresAt', 'ver')
  if not f[1] then
    return nil
  end
  local c = {
    gen = tonumber(f[1]),
    total = tonumber(f[2]),
    left = tonumber(f[3]),
    opensAt = tonumber(f[4] or '0'),
    closesAt = tonumber(f[5] or '0'),
    restoring = f[6] ~= false and f[6] ~= nil,
    finished = f[7] or false,
    expiresAt = tonumber(f[8] or '0'),
    ver = tonumber(f[9] or '0'),
  }
  c.queued = redis.call('ZCARD', queueKey)
  c.available = math.max(c.left - c.queued, 0)
  if c.finished then
    c.phase = 'FINISHED'
  elseif c.closesAt > 0 and now >= c.closesAt then
    c.phase = 'CLOSED'
  elseif c.available <= 0 then
    c.phase = 'SOLD_OUT'
  elseif now < c.opensAt then
    c.phase = 'SCHEDULED'
  else
    c.phase = 'OPEN'
  end
  -- After a finished coupon's keys expired, Redis no longer knows who holds it.
  c.holdersKnown = not (c.finished and c.expiresAt > 0 and now >= c.expiresAt)
  return c
end

-- What a missing state means: the slot's sentinel is gone with the data when Redis loses it.
local function missing(sentinelKey)
  if redis.call('EXISTS', sentinelKey) == 1 then
    return 'UNKNOWN'
  end
  return 'LOST'
end

-- For the scripts about one user (KEYS: state, queue, issued, sentinel): the coupon, or nil and
-- the reply for one that cannot be answered now (no state; holders being loaded back).
local function couponForUser(now)
  local c = readCoupon(KEYS[1], KEYS[2], now)
  if not c then
    return nil, {missing(KEYS[4])}
  end
  if c.restoring then
    return nil, {'RESTORING'}
  end
  return c
end
