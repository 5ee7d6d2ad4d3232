-- Write-behind: reads the values a flush writes, several hashes in one round trip. Changes nothing.
-- KEYS value hashes (one hash tag). Returns, for each, HGETALL: {field, value, ...}, '~' fields included; {} if gone.
local result = {}
for i = 1, #KEYS do
  result[i] = redis.call('HGETALL', KEYS[i])
end
return result
