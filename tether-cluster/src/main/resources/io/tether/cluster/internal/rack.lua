-- The client acknowledged messages up to k: drop them. ARGV: prefix, gid, k.
local gid, k = ARGV[2], tonumber(ARGV[3])
local R = rkey(gid)
local old = tonumber(redis.call('HGET', R, 'k') or -1)
if old < 0 or k <= old then return 0 end
local freed = 0
for _, e in ipairs(redis.call('XRANGE', mkey(gid), '-', k .. '-0')) do
  freed = freed + #e[2][2]
end
redis.call('XTRIM', mkey(gid), 'MINID', (k + 1) .. '-0')
redis.call('HSET', R, 'k', k)
redis.call('HINCRBY', R, 'b', -freed)
return 1
