-- Marks a rebuilt ranking complete, unless a write that could not reach the set happened since the rebuild began:
-- such a write raised the generation, and its score may be missing from what the rebuild read; the next read then
-- rebuilds again rather than trust a set that lacks it.
-- KEYS[1] marker, KEYS[2] generation (same hash tag); ARGV[1] the generation the rebuild began under ('' if none),
-- ARGV[2] the marker's TTL in ms: a complete set is rebuilt at least that often, so nothing can hide in it for good.
-- Returns 1 if marked, 0 if not.
local now = redis.call('GET', KEYS[2]) or ''
if now ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
return 1
