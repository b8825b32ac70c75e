-- Claims every node whose lease ran out: in one atomic step takes it out of the live set, leaves
-- a tombstone naming the claimer, announces 'node lost' for each of its sessions and deletes its
-- presence. Two claimers cannot both see a node: exactly one offline per session.
-- ARGV: prefix, claimer, tombstone ttl, maxlen. Returns {node, sessions, ...}.
local claimer, tomb, maxlen = ARGV[2], ARGV[3], ARGV[4]
local out = {}
local t = now_ms()
-- A claimer whose own lease ran out claims nobody: this call may have waited in a frozen or
-- overloaded Redis, and every lease it would now find expired ran out for the same reason.
local mine = redis.call('ZSCORE', NODES, claimer)
if not mine or tonumber(mine) < t then
  return out
end
for _, node in ipairs(redis.call('ZRANGEBYSCORE', NODES, '-inf', '(' .. t)) do
  if node ~= claimer then
    redis.call('ZREM', NODES, node)
    redis.call('SET', P .. 'dead:' .. node, claimer, 'PX', tomb)
    local S = P .. 's:' .. node
    local recs = redis.call('HGETALL', S)
    for i = 1, #recs, 2 do
      local user = parse(recs[i + 1])
      event(maxlen, 'offline', node, recs[i], user, 'node lost', claimer)
    end
    redis.call('DEL', S, P .. 'u:' .. node, P .. 'g:' .. node, P .. 'to:' .. node)
    table.insert(out, node)
    table.insert(out, #recs / 2)
  end
end
return out
