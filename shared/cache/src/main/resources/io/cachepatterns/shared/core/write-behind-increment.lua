-- Write-behind: applies field increments to a cached hash and makes sure the write-behind log names the hash as
-- dirty, atomically. The caller is acknowledged only after this script returns: from then on Redis holds the new
-- values and a log entry that will flush them, and a crash of the service cannot lose the write.
--
-- The log holds one entry per dirty hash, not one per write: the first write to a clean hash appends an entry and
-- records its id in the hash's '~marker' field; later writes find the marker and append nothing. A flush reads the
-- values when it runs, so the log stays as long as the number of dirty keys however many writes arrive, and however
-- long the database is away. '~revision' counts the hash's writes; it orders the snapshots a flush takes.
--
-- With an idempotency record (KEYS[3]: a client's Idempotency-Key for this value), the write is applied at most once
-- however often the client retries it: the first application stores its answer in the record, in the same step, and
-- a retry finds the record and gets that answer back, applying nothing. The record is forgotten after its TTL, but
-- it has no Redis TTL: under a volatile-* maxmemory policy a key with a TTL may be evicted, and an evicted record would
-- let a retry apply the write again (the fault suite counted 94 views twice after memory pressure). Its deadline goes
-- into an index (KEYS[4], a sorted set by Redis' clock) from which the flusher deletes expired records.
-- KEYS[1] value hash, KEYS[2] log stream, KEYS[3] (optional) idempotency record, KEYS[4] (with it) the records'
-- expiry index; all with one hash tag
-- ARGV[1] the value's id, ARGV[2] how many callers' writes these are (their increments come together when they
-- arrive at once), ARGV[3] the request's fingerprint and ARGV[4] the record's TTL in ms (with KEYS[3]), then pairs:
-- field, increment, applied in order
-- Returns false if the hash is not cached (the caller loads it from the database first, so that an increment
-- never starts from zero), else the hash: {field, value, ...}, the '~' bookkeeping fields included; a retry gets
-- {'~replayed', '1', the first answer's fields}; a key used before for another request, an IDEMPOTENCY error.
if KEYS[3] then
  local seen = redis.call('HGET', KEYS[3], '~fingerprint')
  if seen and seen ~= ARGV[3] then
    return redis.error_reply('IDEMPOTENCY this Idempotency-Key was used for a different request')
  end
  if seen then
    local first = redis.call('HGETALL', KEYS[3])
    table.insert(first, 1, '1')
    table.insert(first, 1, '~replayed')
    return first
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
for i = 5, #ARGV, 2 do
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
local values = redis.call('HGETALL', KEYS[1])
if KEYS[3] then
  redis.call('HSET', KEYS[3], '~fingerprint', ARGV[3], unpack(values))
  local now = redis.call('TIME')
  redis.call('ZADD', KEYS[4], now[1] * 1000 + math.floor(now[2] / 1000) + tonumber(ARGV[4]), KEYS[3])
end
return values
