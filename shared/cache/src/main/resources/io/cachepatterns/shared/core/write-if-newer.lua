-- Writes a versioned entry unless Redis already holds the same or a newer version, so that concurrent writers, a
-- retried write and a slow loader can never leave an older version cached than the one already there.
-- KEYS[1] entry key, a hash: v = version, d = the value's bytes
-- ARGV[1] version, ARGV[2] value bytes, ARGV[3] TTL in ms
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
