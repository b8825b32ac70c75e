-- Read-only look-ups. ARGV: prefix, what, arg.
-- 'nodes': {node, lease left ms, sessions, ...}; 'user': {node, sessions, ...} of that user;
-- 'totals': {sessions, users}; 'members': {node, sid, user, ...} of that group.
local what, arg = ARGV[2], ARGV[3]
local out = {}
local nodes = redis.call('ZRANGE', NODES, 0, -1, 'WITHSCORES')
if what == 'nodes' then
  local t = now_ms()
  for i = 1, #nodes, 2 do
    table.insert(out, nodes[i])
    table.insert(out, tonumber(nodes[i + 1]) - t)
    table.insert(out, redis.call('HLEN', P .. 's:' .. nodes[i]))
  end
elseif what == 'user' then
  for i = 1, #nodes, 2 do
    local c = redis.call('HGET', P .. 'u:' .. nodes[i], arg)
    if c then
      table.insert(out, nodes[i])
      table.insert(out, tonumber(c))
    end
  end
elseif what == 'totals' then
  local sessions, users, seen = 0, 0, {}
  for i = 1, #nodes, 2 do
    sessions = sessions + redis.call('HLEN', P .. 's:' .. nodes[i])
    for _, u in ipairs(redis.call('HKEYS', P .. 'u:' .. nodes[i])) do
      if not seen[u] then
        seen[u] = true
        users = users + 1
      end
    end
  end
  out = {sessions, users}
elseif what == 'members' then
  for i = 1, #nodes, 2 do
    local node = nodes[i]
    if redis.call('HEXISTS', P .. 'g:' .. node, arg) == 1 then
      local recs = redis.call('HGETALL', P .. 's:' .. node)
      for j = 1, #recs, 2 do
        local user, groups = parse(recs[j + 1])
        for _, g in ipairs(groups) do
          if g == arg then
            table.insert(out, node)
            table.insert(out, recs[j])
            table.insert(out, user)
            break
          end
        end
      end
    end
  end
end
return out
