-- A member's rank (0-based) and score, if the sorted set is complete; see ranking-top.lua.
-- KEYS[1] sorted set, KEYS[2] its completeness marker; ARGV[1] member.
-- Returns false when the set must be rebuilt first, {} when the member has no score, else {rank, score}.
if redis.call('EXISTS', KEYS[2]) == 0 then
  return false
end
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
if not rank then
  return {}
end
return {rank, redis.call('ZSCORE', KEYS[1], ARGV[1])}
