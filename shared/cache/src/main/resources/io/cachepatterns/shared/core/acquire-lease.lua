-- Takes the load lease of a value that was missing, unless the value has arrived since the caller looked: a burst
-- that missed just before another load's fill must not take the lease just after its release and load again.
-- KEYS[1] data key, KEYS[2] lease key, KEYS[3] (optional) freshness key; all with one hash tag.
-- ARGV[1] lease token, ARGV[2] lease time in ms.
-- Returns {value} when the value is there (and fresh, with KEYS[3]); else 1 when the lease is now the caller's,
-- 0 when another caller holds it.
local value = redis.call('GET', KEYS[1])
if value and (not KEYS[3] or redis.call('EXISTS', KEYS[3]) == 1) then
  return {value}
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
