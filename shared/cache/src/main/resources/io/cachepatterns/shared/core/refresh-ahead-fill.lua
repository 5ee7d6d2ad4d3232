-- Writes a refresh-ahead entry only while the caller still holds the reload lease, then ends the lease.
-- KEYS[1] entry, KEYS[2] lease key (one hash tag); ARGV[1] lease token, ARGV[2] value, ARGV[3] fresh-for ms,
-- ARGV[4] load ms, ARGV[5] lifetime ms (fresh-for plus the time a stale value may still be served).
-- An invalidation deletes the lease, so a reload that started before it cannot write its older result after it.
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'v', ARGV[2], 'f', ARGV[3], 'd', ARGV[4], 'l', ARGV[5], 't', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
