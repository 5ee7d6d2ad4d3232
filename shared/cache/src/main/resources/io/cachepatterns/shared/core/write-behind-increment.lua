-- Write-behind: applies field increments to a cached hash and appends the resulting absolute values to the
-- write-behind log, atomically. The caller is acknowledged only after this script returns: from then on, Redis
-- holds the write twice (the value and the log entry), and a crash of the service cannot lose it.
-- KEYS[1] value hash, KEYS[2] log stream (same hash tag)
-- ARGV[1] the value's id, ARGV[2] the hash's TTL in ms, then pairs: field, increment
-- Returns false if the hash is not cached (the caller loads it from the database first, so that an increment
-- never starts from zero), else {log entry id, field, value, field, value, ...}.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
for i = 3, #ARGV, 2 do
  local value = redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  if value < 0 then
    redis.call('HSET', KEYS[1], ARGV[i], 0) -- a counter never goes below zero
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local values = redis.call('HGETALL', KEYS[1])
local entry = {'id', ARGV[1]}
for i = 1, #values do
  entry[#entry + 1] = values[i]
end
local logId = redis.call('XADD', KEYS[2], '*', unpack(entry))
local reply = {logId}
for i = 1, #values do
  reply[#reply + 1] = values[i]
end
return reply
