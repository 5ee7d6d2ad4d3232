-- Write-behind: acknowledges settled log entries and deletes them, in one step. As two calls, a failure between them
-- would leave acknowledged entries in the log, counted as pending by the lag gauge until a later cleanup.
-- KEYS[1] log stream; ARGV[1] consumer group, then the entry ids.
-- Returns how many entries were deleted.
local ids = {}
for i = 2, #ARGV do
  ids[#ids + 1] = ARGV[i]
end
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
return redis.call('XDEL', KEYS[1], unpack(ids))
