-- A client resumes with a token at this node. ARGV: prefix, node, token hash, new token hash,
-- received seq, ttl, tombstone ttl, events maxlen. Returns {'unknown'}, {'gone', why},
-- {'wait'} (the owner lives: it was asked to hand the session over; ask again), {'local'}
-- (this node owns it; the token was rotated), or {'moved', gid, u, g, a, i, k, m1, m2, ...}: the
-- session is this node's now, with its unacknowledged messages k+1, k+2, ...
local node, tok, newtok, recv, ttl, tomb, maxlen = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[8]
local gid = redis.call('GET', P .. 'rt:' .. tok)
if not gid then
  local why = redis.call('GET', P .. 'rx:' .. tok)
  if why then return {'gone', why} end
  return {'unknown'}
end
local R = rkey(gid)
local h = redis.call('HMGET', R, 'o', 's', 'u', 'g', 'a', 'i', 'n', 'k', 'lo')
if not h[1] then return {'unknown'} end
local t = now_ms()
local function rotate()
  redis.call('DEL', P .. 'rt:' .. tok)
  redis.call('SET', P .. 'rt:' .. newtok, gid, 'PX', ttl)
  redis.call('HSET', R, 't', newtok)
end
if h[1] == node then
  rotate()
  return {'local'}
end
if h[1] ~= '' then
  local lease = redis.call('ZSCORE', NODES, h[1])
  if lease and tonumber(lease) >= t then
    to_inbox(h[1], 'h' .. gid .. '\n' .. node)
    return {'wait'}
  end
  -- its node's lease ran out: that node is dead (or fenced), and the session is taken from it
  unrecord(h[1], h[2])
  h[9] = h[1]
else
  local exp = redis.call('ZSCORE', P .. 'orphans', gid)
  if exp and tonumber(exp) < t then
    if h[3] ~= '' then event(maxlen, 'offline', h[9] or '', h[2], h[3], 'expired', node) end
    forget(gid, 'expired: no resume within the window', tomb)
    return {'gone', 'expired: no resume within the window'}
  end
end
local k, n = tonumber(h[8]), tonumber(h[7])
if recv < k or recv > n then
  return {'gone', 'received seq ' .. recv .. ' is outside ' .. k .. '..' .. n}
end
rotate()
redis.call('ZREM', P .. 'orphans', gid)
redis.call('HSET', R, 'o', node, 'lo', h[9] or '')
redis.call('PEXPIRE', R, ttl)
redis.call('PEXPIRE', mkey(gid), ttl)
local out = {'moved', gid, h[3], h[4], h[5] or '', h[6], h[8]}
for _, e in ipairs(redis.call('XRANGE', mkey(gid), (k + 1) .. '-0', '+')) do
  table.insert(out, e[2][2])
end
return out
