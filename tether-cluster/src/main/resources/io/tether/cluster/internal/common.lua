-- Shared by every Tether cluster script (prepended). ARGV[1] is the key prefix, "{tether}:".
-- A session record in s:<node> is "user\ngroup1\ngroup2...": user and groups never hold '\n'.
local P = ARGV[1]
local NODES = P .. 'nodes'
local EVENTS = P .. 'events'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function parse(rec)
  local parts = {}
  local start = 1
  while true do
    local i = string.find(rec, '\n', start, true)
    if not i then
      table.insert(parts, string.sub(rec, start))
      break
    end
    table.insert(parts, string.sub(rec, start, i - 1))
    start = i + 1
  end
  local user = parts[1]
  table.remove(parts, 1)
  return user, parts
end
local function count(key, field, by)
  if redis.call('HINCRBY', key, field, by) <= 0 then
    redis.call('HDEL', key, field)
  end
end
local function event(maxlen, kind, node, sid, user, reason, by)
  local args = {'XADD', EVENTS, 'MAXLEN', '~', maxlen, '*', 't', kind, 'n', node, 's', sid, 'u', user}
  if reason then
    table.insert(args, 'r'); table.insert(args, reason)
  end
  if by then
    table.insert(args, 'c'); table.insert(args, by)
  end
  local id = redis.call(unpack(args))
  -- a stream this event created has no TTL yet: give it the live-node set's (renewed by every tick)
  if redis.call('PTTL', EVENTS) == -1 then
    local t = redis.call('PTTL', NODES)
    redis.call('PEXPIRE', EVENTS, t > 0 and t or 60000)
  end
  return id
end
local function expire_node(node, ttl)
  for _, k in ipairs({P .. 's:' .. node, P .. 'u:' .. node, P .. 'g:' .. node, P .. 'to:' .. node}) do
    redis.call('PEXPIRE', k, ttl)
  end
end
-- A routed message into a node's inbox stream (kept to about INBOX_MAXLEN entries), with the live-node
-- set's TTL if this made the stream.
local INBOX_MAXLEN = 10000
local function to_inbox(node, msg)
  local key = P .. 'to:' .. node
  redis.call('XADD', key, 'MAXLEN', '~', INBOX_MAXLEN, '*', 'm', msg)
  if redis.call('PTTL', key) == -1 then
    local t = redis.call('PTTL', NODES)
    redis.call('PEXPIRE', key, t > 0 and t or 60000)
  end
end
