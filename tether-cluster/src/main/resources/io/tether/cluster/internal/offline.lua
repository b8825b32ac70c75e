-- A session ended on its node: offline exactly once, only if its record is still there (a claim
-- of the node removed it and announced 'node lost' instead). ARGV: prefix, node, maxlen, sid, reason.
local node, maxlen, sid, reason = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local S = P .. 's:' .. node
local old = redis.call('HGET', S, sid)
if not old then
  return 0
end
redis.call('HDEL', S, sid)
local user, groups = parse(old)
count(P .. 'u:' .. node, user, -1)
for _, g in ipairs(groups) do count(P .. 'g:' .. node, g, -1) end
event(maxlen, 'offline', node, sid, user, reason)
return 1
