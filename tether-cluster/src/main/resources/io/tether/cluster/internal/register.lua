-- (Re)registers the node with exactly the sessions it holds: a start, a return after an outage, or
-- after Redis lost its data. Records Redis has and the node no longer holds get their offline (with
-- the reason the node kept, else ARGV default reason); sessions Redis lacks get their online. An
-- ended session the node had announced whose record Redis lost gets its offline too: every online
-- announced gets one offline.
-- ARGV: prefix, node, lease, ttl, maxlen, fresh, default reason, n, (sid, record) x n, (sid, user, reason)...
-- fresh = '1' starts over after a tombstone (the node closed what it held); else a tombstone
-- refuses: returns -1. Returns {onlines, offlines}.
local node, lease, ttl, maxlen, fresh, dflt = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local n = tonumber(ARGV[8])
local DEAD = P .. 'dead:' .. node
if fresh == '1' then
  redis.call('DEL', DEAD)
elseif not redis.call('ZSCORE', NODES, node) and redis.call('EXISTS', DEAD) == 1 then
  return -1
end
redis.call('ZADD', NODES, now_ms() + lease, node)
redis.call('PEXPIRE', NODES, ttl)
local S, U, G = P .. 's:' .. node, P .. 'u:' .. node, P .. 'g:' .. node
local want = {}
local order = {}
local i = 9
for _ = 1, n do
  want[ARGV[i]] = ARGV[i + 1]
  table.insert(order, ARGV[i])
  i = i + 2
end
local reasons = {}
while i + 2 <= #ARGV do
  reasons[ARGV[i]] = {ARGV[i + 1], ARGV[i + 2]}
  i = i + 3
end
local offs, ons = 0, 0
local recs = redis.call('HGETALL', S)
local have = {}
for j = 1, #recs, 2 do
  have[recs[j]] = true
  if not want[recs[j]] then
    local user = parse(recs[j + 1])
    event(maxlen, 'offline', node, recs[j], user, reasons[recs[j]] and reasons[recs[j]][2] or dflt)
    offs = offs + 1
  end
end
for sid, ur in pairs(reasons) do
  if not have[sid] and not want[sid] then
    event(maxlen, 'offline', node, sid, ur[1], ur[2])
    offs = offs + 1
  end
end
redis.call('DEL', S, U, G)
for _, sid in ipairs(order) do
  local rec = want[sid]
  local user, groups = parse(rec)
  redis.call('HSET', S, sid, rec)
  count(U, user, 1)
  for _, g in ipairs(groups) do count(G, g, 1) end
  if not have[sid] then
    event(maxlen, 'online', node, sid, user)
    ons = ons + 1
  end
end
redis.call('PEXPIRE', EVENTS, ttl)
expire_node(node, ttl)
return {ons, offs}
