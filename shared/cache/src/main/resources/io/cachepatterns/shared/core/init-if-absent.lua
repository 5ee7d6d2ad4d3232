-- Puts a hash loaded from the database into Redis, unless a writer got there first.
-- KEYS[1] hash; ARGV[1] TTL in ms, then pairs: field, value. Returns 1 if written.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
