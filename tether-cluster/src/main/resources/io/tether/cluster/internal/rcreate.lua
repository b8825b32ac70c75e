-- A new kept session. ARGV: prefix, node, gid, token hash, sid, ttl. Returns 0 without a lease.
local node, gid, tok, sid, ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if not redis.call('ZSCORE', NODES, node) then return 0 end
redis.call('HSET', rkey(gid), 'o', node, 't', tok, 's', sid, 'u', '', 'g', '', 'i', 0, 'n', 0, 'k', 0, 'b', 0)
redis.call('PEXPIRE', rkey(gid), ttl)
redis.call('SET', P .. 'rt:' .. tok, gid, 'PX', ttl)
redis.call('HSET', P .. 'rn:' .. node, sid, gid)
redis.call('PEXPIRE', P .. 'rn:' .. node, ttl)
return 1
