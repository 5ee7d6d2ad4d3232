-- The top of a ranking, if the sorted set is complete. A set that Redis lost and a single write then re-created
-- would hold one member: only the marker, set by a full rebuild from the database, says the set is whole.
-- KEYS[1] sorted set, KEYS[2] its completeness marker (same hash tag); ARGV[1] the last index to return.
-- Returns false when the set must be rebuilt first.
if redis.call('EXISTS', KEYS[2]) == 0 then
  return false
end
return redis.call('ZREVRANGE', KEYS[1], 0, ARGV[1], 'WITHSCORES')
