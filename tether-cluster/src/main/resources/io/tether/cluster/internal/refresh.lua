-- The node's lease tick; also keeps the node's kept sessions from expiring (ttl + resume window).
-- ARGV: prefix, node, lease, ttl, resume window ms. 'ok' renewed; 'dead' another node claimed
-- it (its sessions were announced offline); 'gone' no lease and no tombstone (Redis lost its data).
local node, lease, ttl = ARGV[2], tonumber(ARGV[3]), ARGV[4]
if not redis.call('ZSCORE', NODES, node) then
  if redis.call('EXISTS', P .. 'dead:' .. node) == 1 then
    return 'dead'
  end
  return 'gone'
end
redis.call('ZADD', NODES, 'XX', now_ms() + lease, node)
redis.call('PEXPIRE', NODES, ttl)
redis.call('PEXPIRE', EVENTS, ttl)
expire_node(node, ttl)
local kttl = tonumber(ttl) + tonumber(ARGV[5] or 0)
for _, gid in ipairs(redis.call('HVALS', P .. 'rn:' .. node)) do
  local h = redis.call('HMGET', rkey(gid), 't', 'u', 'pt')
  redis.call('PEXPIRE', rkey(gid), kttl)
  redis.call('PEXPIRE', mkey(gid), kttl)
  if h[1] then redis.call('PEXPIRE', P .. 'rt:' .. h[1], kttl) end
  if h[3] and h[3] ~= '' then redis.call('PEXPIRE', P .. 'rt:' .. h[3], kttl) end
  if h[2] and h[2] ~= '' then redis.call('PEXPIRE', P .. 'ru:' .. h[2], kttl) end
end
return 'ok'
