-- A node leaves on purpose (shutdown): 'node left' for what it still registered, then its keys go.
-- ARGV: prefix, node, maxlen. Returns the number of offline events.
local node, maxlen = ARGV[2], ARGV[3]
redis.call('ZREM', NODES, node)
local S = P .. 's:' .. node
local recs = redis.call('HGETALL', S)
for i = 1, #recs, 2 do
  local user = parse(recs[i + 1])
  event(maxlen, 'offline', node, recs[i], user, 'node left')
end
redis.call('DEL', S, P .. 'u:' .. node, P .. 'g:' .. node, P .. 'to:' .. node)
return #recs / 2
