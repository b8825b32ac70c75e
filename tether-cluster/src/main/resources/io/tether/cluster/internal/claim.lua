-- Claims every node whose lease ran out: in one atomic step takes it out of the live set, leaves
-- a tombstone naming the claimer, announces 'node lost' for each of its sessions and deletes its
-- presence. Two claimers cannot both see a node: exactly one offline per session.
-- Its kept sessions (docs/CLUSTER.md, "Sessions that move between nodes") are not announced: they
-- wait a resume window for their clients, on any node, and go offline then if none came.
-- ARGV: prefix, claimer, tombstone ttl, maxlen, resume window ms. Returns {node, announced, kept, ...}.
local claimer, tomb, maxlen, window = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5] or 0)
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
    local RN = P .. 'rn:' .. node
    local kept, nkept = {}, 0
    local rn = redis.call('HGETALL', RN)
    for i = 1, #rn, 2 do
      local gid = rn[i + 1]
      if redis.call('HGET', rkey(gid), 'o') == node then
        kept[rn[i]] = true
        nkept = nkept + 1
        redis.call('HSET', rkey(gid), 'o', '', 'lo', node, 'dead', claimer)
        redis.call('ZADD', P .. 'orphans', t + window, gid)
      end
    end
    local S = P .. 's:' .. node
    local recs = redis.call('HGETALL', S)
    local announced = 0
    for i = 1, #recs, 2 do
      if not kept[recs[i]] then
        local user = parse(recs[i + 1])
        event(maxlen, 'offline', node, recs[i], user, 'node lost', claimer)
        announced = announced + 1
      end
    end
    redis.call('DEL', S, P .. 'u:' .. node, P .. 'g:' .. node, P .. 'to:' .. node, RN)
    table.insert(out, node)
    table.insert(out, announced)
    table.insert(out, nkept)
  end
end
return out
