-- Fills a cache entry only while the caller still holds the load lease.
-- KEYS[1] data key, KEYS[2] lease key (same hash tag); ARGV[1] lease token, ARGV[2] value, ARGV[3] TTL in ms.
-- An invalidation deletes the lease, so a load that read the database before a write committed can no longer
-- put its old value back: the classic cache-aside stale set.
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
