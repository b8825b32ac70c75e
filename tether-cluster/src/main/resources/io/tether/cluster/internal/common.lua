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
  for _, k in ipairs({P .. 's:' .. node, P .. 'u:' .. node, P .. 'g:' .. node, P .. 'to:' .. node, P .. 'rn:' .. node}) do
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
-- Sessions kept in Redis (docs/CLUSTER.md, "Sessions that move between nodes"): r:<gid> a hash
-- (o owner node, '' between nodes; t token hash; s the owner's session id; u user; g groups;
-- a attributes; i client messages received; n last message numbered; k last acknowledged;
-- b unacknowledged bytes), m:<gid> its unacknowledged messages (stream ids '<seq>-0'),
-- rt:<token hash> -> gid, rx:<token hash> why an ended session cannot resume, ru:<user> the user's
-- kept sessions, rn:<node> session id -> gid of what a node owns, orphans: gid -> expiry (ms).
local function rkey(gid) return P .. 'r:' .. gid end
local function mkey(gid) return P .. 'm:' .. gid end
-- Numbers and keeps one message for a kept session. Returns its seq, -1 if the session is gone,
-- -2 if it would exceed the bounds (nothing kept). Wakes the owner unless it is the caller.
local function append(gid, msg, maxn, maxb, caller)
  local R = rkey(gid)
  local h = redis.call('HMGET', R, 'o', 'n', 'k', 'b')
  if not h[1] then return -1 end
  local n, k, b = tonumber(h[2]), tonumber(h[3]), tonumber(h[4])
  if n - k + 1 > tonumber(maxn) or b + #msg > tonumber(maxb) then
    if h[1] == '' then
      -- between nodes: it cannot resume without a gap any more; the next sweep ends it
      redis.call('HSET', R, 'ov', 1)
      redis.call('ZADD', P .. 'orphans', 0, gid)
    elseif h[1] ~= caller then
      to_inbox(h[1], 'o' .. gid .. '\n')
    end
    return -2
  end
  n = n + 1
  redis.call('XADD', mkey(gid), n .. '-0', 'm', msg)
  redis.call('HSET', R, 'n', n, 'b', b + #msg)
  if h[1] ~= '' and h[1] ~= caller then to_inbox(h[1], 'w' .. gid .. '\n' .. n) end
  return n
end
-- Removes a node's presence record of a session without an event (the session moves, not ends).
local function unrecord(node, sid)
  local S = P .. 's:' .. node
  local old = redis.call('HGET', S, sid)
  if old then
    redis.call('HDEL', S, sid)
    local user, groups = parse(old)
    count(P .. 'u:' .. node, user, -1)
    for _, g in ipairs(groups) do count(P .. 'g:' .. node, g, -1) end
  end
  redis.call('HDEL', P .. 'rn:' .. node, sid)
end
-- Deletes a kept session, leaving a tombstone for its token that says why it cannot resume.
local function forget(gid, why, tomb)
  local R = rkey(gid)
  local h = redis.call('HMGET', R, 't', 'u', 'o', 's', 'pt')
  for _, tok in ipairs({h[1] or '', h[5] or ''}) do
    if tok ~= '' then
      redis.call('DEL', P .. 'rt:' .. tok)
      redis.call('SET', P .. 'rx:' .. tok, why, 'PX', tomb)
    end
  end
  if h[2] and h[2] ~= '' then redis.call('SREM', P .. 'ru:' .. h[2], gid) end
  if h[3] and h[3] ~= '' and h[4] then redis.call('HDEL', P .. 'rn:' .. h[3], h[4]) end
  redis.call('ZREM', P .. 'orphans', gid)
  redis.call('DEL', R, mkey(gid))
end
-- A session between nodes whose window passed (or that overflowed there): offline once, with why
-- (its node died: 'node lost'; it was let go: 'expired'), then forgotten. Returns why, in words.
local function orphan_gone(gid, by, maxlen, tomb)
  local h = redis.call('HMGET', rkey(gid), 'u', 's', 'lo', 'dead', 'ov')
  local why = h[5] and 'replay overflow' or h[4] and 'node lost' or 'expired'
  if h[1] and h[1] ~= '' then
    event(maxlen, 'offline', h[3] or '', h[2] or '', h[1], why, h[4] or by)
  end
  local text = why .. (h[5] and ': more unacknowledged messages than kept' or ': no resume within the window')
  forget(gid, text, tomb)
  return text
end
