-- A bound session's record (user, groups) on its node: announces online when it is new, and
-- applies session_duplicate_policy across nodes to a new one: 'refuse' when another node holds the
-- user (nothing is written), 'replace' tells each node holding the user to end its sessions
-- announced before this one (a message in its inbox: 'x', user, '\n', this online's stream id).
-- ARGV: prefix, node, ttl, maxlen, sid, record, policy ('replace', 'refuse', 'allow'; 'moved': a
-- session that moved here from another node, recorded without an online event or a policy).
-- Returns '0' when the node holds no lease (dead, or Redis lost our data: the caller checks its
-- lease before anything else), '-1' refused, '1' an update, else the online event's stream id.
local node, ttl, maxlen, sid, rec, policy = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if not redis.call('ZSCORE', NODES, node) then
  return '0'
end
local S, U, G = P .. 's:' .. node, P .. 'u:' .. node, P .. 'g:' .. node
local user, groups = parse(rec)
local old = redis.call('HGET', S, sid)
local want = {}
for _, g in ipairs(groups) do want[g] = true end
local result = '1'
local others = {}
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
elseif policy == 'moved' then
  count(U, user, 1)
  for _, g in ipairs(groups) do count(G, g, 1) end
else
  if policy ~= 'allow' then
    for _, n in ipairs(redis.call('ZRANGE', NODES, 0, -1)) do
      if n ~= node and redis.call('HEXISTS', P .. 'u:' .. n, user) == 1 then
        table.insert(others, n)
      end
    end
    if policy == 'refuse' and #others > 0 then
      return '-1'
    end
  end
  count(U, user, 1)
  for _, g in ipairs(groups) do count(G, g, 1) end
  result = event(maxlen, 'online', node, sid, user)
end
redis.call('HSET', S, sid, rec)
expire_node(node, ttl)
for _, n in ipairs(others) do
  to_inbox(n, 'x' .. user .. '\n' .. result)
end
return result
