-- Write-behind: applies field increments to a cached hash and makes sure the write-behind log names the hash as
-- dirty, atomically. The caller is acknowledged only after this script returns: from then on Redis holds the new
-- values and a log entry that will flush them, and a crash of the service cannot lose the write.
--
-- The log holds one entry per dirty hash, not one per write: the first write to a clean hash appends an entry and
-- records its id in the hash's '~marker' field; later writes find the marker and append nothing. A flush reads the
-- values when it runs, so the log stays as long as the number of dirty keys however many writes arrive, and however
-- long the database is away. '~revision' counts the hash's writes; it orders the snapshots a flush takes.
-- KEYS[1] value hash, KEYS[2] log stream (same hash tag)
-- ARGV[1] the value's id, ARGV[2] how many callers' writes these are (their increments come together when they
-- arrive at once), then pairs: field, increment, applied in order
-- Returns false if the hash is not cached (the caller loads it from the database first, so that an increment
-- never starts from zero), else the hash: {field, value, ...}, the '~' bookkeeping fields included.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
for i = 3, #ARGV, 2 do
  local value = redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  if value < 0 then
    redis.call('HSET', KEYS[1], ARGV[i], 0) -- a counter never goes below zero
  end
end
redis.call('HINCRBY', KEYS[1], '~revision', ARGV[2])
if redis.call('HEXISTS', KEYS[1], '~marker') == 0 then
  redis.call('HSET', KEYS[1], '~marker', redis.call('XADD', KEYS[2], '*', 'id', ARGV[1]))
end
-- Dirty: no TTL until the flush has it in the database (the settle script sets one again). Under a volatile-*
-- maxmemory policy only keys with a TTL are evicted, so an acknowledged write can never be evicted before its flush.
redis.call('PERSIST', KEYS[1])
return redis.call('HGETALL', KEYS[1])
