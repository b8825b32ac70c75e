-- A kept session ended on its owner. ARGV: prefix, node, gid, reason, tombstone ttl.
local node, gid = ARGV[2], ARGV[3]
if redis.call('HGET', rkey(gid), 'o') ~= node then return 0 end
forget(gid, ARGV[4], ARGV[5])
return 1
