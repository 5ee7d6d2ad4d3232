-- Gives a lease back early (the load failed), but only if it is still the caller's.
-- KEYS[1] lease key; ARGV[1] lease token.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
