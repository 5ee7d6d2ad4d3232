-- A token bucket, taken from atomically: KEYS[1] the bucket; ARGV[1] its capacity; ARGV[2] milliseconds to refill
-- one token. Answers {1, 0} when a token was taken, {0, ms until one will be there} when not.
-- Time is Redis' own (TIME), so that every instance of every service measures the same bucket with one clock.
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) / refill)
  at = now
end
local taken, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
else
  wait = math.ceil((1 - tokens) * refill)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', at)
-- A full bucket is the same as none: it expires once it would have refilled.
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * refill) + 1000)
return {taken, wait}
