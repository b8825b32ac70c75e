-- The node that took a kept session has it as sid. ARGV: prefix, node, gid, sid, ttl.
local node, gid, sid, ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('HGET', rkey(gid), 'o') ~= node then return 0 end
redis.call('HSET', rkey(gid), 's', sid)
redis.call('HSET', P .. 'rn:' .. node, sid, gid)
redis.call('PEXPIRE', P .. 'rn:' .. node, ttl)
return 1
