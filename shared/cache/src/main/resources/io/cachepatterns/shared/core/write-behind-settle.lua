-- Write-behind: after the database committed a flush, settles each value's marker. Runs before the log entries are
-- acknowledged (XACK): a crash in between leaves them to be flushed again, which the database's version check makes
-- harmless.
-- KEYS value hashes, then the log stream (one hash tag)
-- ARGV[1] the TTL in ms a clean hash gets (a dirty one has none: it must not be evicted before its flush); then,
-- for each hash, three: the value's id, the log entry the flush wrote it under, the '~revision' its values were
-- read at.
-- Returns, for each hash, how many writes this flush brought to the database (0 if an earlier flush had).
--
-- If the hash's marker is that entry: with no write since the read, the hash is clean and the marker goes; with
-- writes since, the database is behind again, so a new entry takes the marker's place and will flush them. A
-- marker naming another entry (or none) means another flush settled this hash already; it is left alone.
local log = KEYS[#KEYS]
local result = {}
for i = 1, #KEYS - 1 do
  local id, entry, revision = ARGV[3 * i - 1], ARGV[3 * i], tonumber(ARGV[3 * i + 1])
  result[i] = 0
  if redis.call('EXISTS', KEYS[i]) == 1 then
    if redis.call('HGET', KEYS[i], '~marker') == entry then
      if tonumber(redis.call('HGET', KEYS[i], '~revision') or '0') == revision then
        redis.call('HDEL', KEYS[i], '~marker')
        redis.call('PEXPIRE', KEYS[i], ARGV[1]) -- clean: in the database, so it may expire (or be evicted)
      else
        redis.call('HSET', KEYS[i], '~marker', redis.call('XADD', log, '*', 'id', id))
      end
    end
    local flushed = tonumber(redis.call('HGET', KEYS[i], '~flushed') or '0')
    if revision > flushed then
      redis.call('HSET', KEYS[i], '~flushed', revision)
      result[i] = revision - flushed
    end
  end
end
return result
