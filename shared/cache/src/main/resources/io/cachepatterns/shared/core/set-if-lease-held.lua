-- Fills a cache entry only while the caller still holds the load lease.
-- KEYS[1] data key, KEYS[2] lease key, KEYS[3] (optional) freshness key, all with one hash tag.
-- ARGV[1] lease token, ARGV[2] value, ARGV[3] TTL of the value in ms, ARGV[4] (with KEYS[3]) TTL of freshness in ms.
-- An invalidation deletes the lease, so a load that read the database before a write committed can no longer
-- put its old value back: the classic cache-aside stale set.
-- With a freshness key, the value outlives its freshness by a grace period in which it may be served when a
-- reload fails (stale-if-error).
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  if KEYS[3] then
    redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
  end
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
