-- Write-behind: a dead-lettered value gives up its marker, so that its next write starts a new log entry (and is
-- flushed, or dead-lettered, on its own) instead of waiting behind an entry that is gone.
-- KEYS[1] value hash; ARGV[1] the dead-lettered log entry. Returns 1 if the marker named it.
if redis.call('HGET', KEYS[1], '~marker') == ARGV[1] then
  redis.call('HDEL', KEYS[1], '~marker')
  return 1
end
return 0
