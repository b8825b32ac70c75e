-- A bound session's record (user, groups) on its node: announces online when it is new.
-- ARGV: prefix, node, ttl, maxlen, sid, record. Returns 0 when the node holds no lease (dead or
-- Redis lost our data): the caller checks its lease before anything else.
local node, ttl, maxlen, sid, rec = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if not redis.call('ZSCORE', NODES, node) then
  return 0
end
local S, U, G = P .. 's:' .. node, P .. 'u:' .. node, P .. 'g:' .. node
local user, groups = parse(rec)
local old = redis.call('HGET', S, sid)
local want = {}
for _, g in ipairs(groups) do want[g] = true end
if old then
  local _, had = parse(old)
  local have = {}
  for _, g in ipairs(had) do
    have[g] = true
    if not want[g] then count(G, g, -1) end
  end
  for _, g in ipairs(groups) do
    if not have[g] then count(G, g, 1) end
  end
else
  count(U, user, 1)
  for _, g in ipairs(groups) do count(G, g, 1) end
  event(maxlen, 'online', node, sid, user)
end
redis.call('HSET', S, sid, rec)
expire_node(node, ttl)
return 1
