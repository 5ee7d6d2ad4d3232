-- The repair of a write-through whose cache write failed after its commit: the entry may hold a version older than the
-- one committed. Replaces it with one that holds no value, only the version before the committed one, so that a read
-- finds no value and loads, and a slow loader's older version is refused (write-if-newer.lua) as it would have been
-- by the value itself. A delete would let that older version in; writing the value again could cache it for good
-- after Redis lost a newer one.
-- KEYS[1] entry key (a hash: v = version, d = the value's bytes); ARGV[1] the committed version; ARGV[2] TTL in ms.
-- Returns 1 if replaced, 0 if Redis already holds that version or a newer one.
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
