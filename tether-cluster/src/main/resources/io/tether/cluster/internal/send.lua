-- Routes one message to the nodes that hold its target, into each one's inbox stream: ARGV: prefix,
-- kind ('u' user, 'g' group, 'a' all), target, message (as the receiving node decodes it), and
-- the bounds of a kept session (max messages, max bytes). A user's kept sessions get the message
-- here, numbered in Redis (so it waits for them while they are between nodes); their nodes skip
-- them when they deliver the inbox copy. Returns how many nodes and kept sessions got it.
local kind, target, msg = ARGV[2], ARGV[3], ARGV[4]
local n = 0
if kind == 'u' and ARGV[5] then
  local payload = string.sub(msg, #target + 3)
  for _, gid in ipairs(redis.call('SMEMBERS', P .. 'ru:' .. target)) do
    if append(gid, payload, ARGV[5], ARGV[6], '') > 0 then n = n + 1 end
  end
end
for _, node in ipairs(redis.call('ZRANGE', NODES, 0, -1)) do
  local hit = kind == 'a'
  if kind == 'u' then
    hit = redis.call('HEXISTS', P .. 'u:' .. node, target) == 1
  elseif kind == 'g' then
    hit = redis.call('HEXISTS', P .. 'g:' .. node, target) == 1
  end
  if hit then
    to_inbox(node, msg)
    n = n + 1
  end
end
return n
