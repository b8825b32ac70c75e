-- The owner received the client's messages up to i (and the attributes are a, if given).
-- ARGV: prefix, node, gid, i[, a]. Returns 1; 0 when another node owns the session now (or none,
-- between nodes); -1 when Redis no longer holds it (it lost its data).
local node, gid, i = ARGV[2], ARGV[3], tonumber(ARGV[4])
local R = rkey(gid)
local h = redis.call('HMGET', R, 'o', 'i')
if not h[1] then return -1 end
if h[1] ~= node then return 0 end
if i > tonumber(h[2]) then redis.call('HSET', R, 'i', i) end
if ARGV[5] then redis.call('HSET', R, 'a', ARGV[5]) end
return 1
