-- Reads a refresh-ahead entry in one round trip: its value, how long it is fresh for, how long its last load took,
-- its whole lifetime and how much of that is left (the entry's age is lifetime - left, on Redis' clock, so the
-- instances' clocks never need to agree).
-- KEYS[1] entry (a hash: v value, f fresh-for ms, d load ms, l lifetime ms, t the token of the load that wrote it);
-- ARGV[1] 'meta' to leave the value out.
-- Returns nil when there is no entry.
local meta = redis.call('HMGET', KEYS[1], 'f', 'd', 'l', 't')
if not meta[1] then
  return nil
end
local value = ''
if ARGV[1] ~= 'meta' then
  value = redis.call('HGET', KEYS[1], 'v')
end
return {value, meta[1], meta[2], meta[3], redis.call('PTTL', KEYS[1]), meta[4]}
