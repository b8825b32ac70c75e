-- Routes one message to the nodes that hold its target, into each one's inbox stream: ARGV: prefix,
-- kind ('u' user, 'g' group, 'a' all), target, message (as the receiving node decodes it).
-- Returns how many nodes got it.
local kind, target, msg = ARGV[2], ARGV[3], ARGV[4]
local n = 0
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
