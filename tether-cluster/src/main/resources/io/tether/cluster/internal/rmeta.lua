-- A kept session's user and groups changed. ARGV: prefix, node, gid, user, groups ('\n' joined), ttl.
local node, gid, user, groups, ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local R = rkey(gid)
if redis.call('HGET', R, 'o') ~= node then return 0 end
local old = redis.call('HGET', R, 'u')
if old and old ~= '' and old ~= user then redis.call('SREM', P .. 'ru:' .. old, gid) end
redis.call('HSET', R, 'u', user, 'g', groups)
if user ~= '' then
  redis.call('SADD', P .. 'ru:' .. user, gid)
  redis.call('PEXPIRE', P .. 'ru:' .. user, ttl)
end
return 1
