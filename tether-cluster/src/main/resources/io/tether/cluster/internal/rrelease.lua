-- The owner lets a kept session go (another node's client resumed it): its last receipt and
-- attributes, then no owner until that node takes it; if none does within the window it expires.
-- ARGV: prefix, node, gid, i (-1: unchanged), expiry ms from now[, a].
local node, gid, i = ARGV[2], ARGV[3], tonumber(ARGV[4])
local R = rkey(gid)
local h = redis.call('HMGET', R, 'o', 'i', 's')
if h[1] ~= node then return 0 end
if i > tonumber(h[2]) then redis.call('HSET', R, 'i', i) end
if ARGV[6] then redis.call('HSET', R, 'a', ARGV[6]) end
unrecord(node, h[3])
redis.call('HSET', R, 'o', '', 'lo', node)
redis.call('ZADD', P .. 'orphans', now_ms() + tonumber(ARGV[5]), gid)
return 1
