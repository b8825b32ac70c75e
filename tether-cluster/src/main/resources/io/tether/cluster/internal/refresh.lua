-- The node's lease tick. ARGV: prefix, node, lease, ttl. 'ok' renewed; 'dead' another node claimed
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
return 'ok'
