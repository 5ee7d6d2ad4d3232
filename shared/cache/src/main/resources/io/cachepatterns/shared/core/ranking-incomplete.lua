-- A score committed to the database could not be added to the ranking: the set is no longer whole. Drops the
-- completeness marker and raises the generation, so that a rebuild already under way (which may have read the
-- scores before this one committed) cannot mark the set complete without it.
-- KEYS[1] marker, KEYS[2] generation (same hash tag).
redis.call('DEL', KEYS[1])
return redis.call('INCR', KEYS[2])
