-- A client resumes with a token at this node. ARGV: prefix, node, token hash, new token hash,
-- received seq, ttl, tombstone ttl, events maxlen, force ('1': this node owns it but holds no
-- session for it, so give its state as for a move). Returns {'unknown'}, {'gone', why},
-- {'wait'} (the owner lives: it was asked to hand the session over; ask again), {'local', gid}
-- (this node owns it; the token was rotated), or {'moved', gid, u, g, a, i, k, m1, m2, ...}: the
-- session is this node's now, with its unacknowledged messages k+1, k+2, ...
-- Tokens: t is the newest, pt the one it replaced. Both resume until the newest is used: a client
-- whose WELCOME never came (it gave up waiting, the node died) still holds the one before.
local node, tok, newtok, recv, ttl, tomb, maxlen = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[8]
local force = ARGV[9] == '1'
local gid = redis.call('GET', P .. 'rt:' .. tok)
if not gid then
  local why = redis.call('GET', P .. 'rx:' .. tok)
  if why then return {'gone', why} end
  return {'unknown'}
end
local R = rkey(gid)
local h = redis.call('HMGET', R, 'o', 's', 'u', 'g', 'a', 'i', 'n', 'k', 'lo', 't', 'pt')
if not h[1] then return {'unknown'} end
local t = now_ms()
local function rotate()
  -- keep the token used and the new one; drop the other (older, or newer but never received)
  local other = tok == h[10] and h[11] or h[10]
  if other and other ~= '' and other ~= tok then redis.call('DEL', P .. 'rt:' .. other) end
  redis.call('SET', P .. 'rt:' .. newtok, gid, 'PX', ttl)
  redis.call('PEXPIRE', P .. 'rt:' .. tok, ttl)
  redis.call('HSET', R, 't', newtok, 'pt', tok)
end
if h[1] == node and not force then
  rotate()
  return {'local', gid}
end
if h[1] ~= '' and h[1] ~= node then
  if redis.call('ZSCORE', NODES, h[1]) then
    -- Its node is alive, or dead but not yet claimed: a node whose lease ran out may still renew
    -- it (a pause shorter than the claim), so only its hand-over or a claim (which leaves a
    -- tombstone it will find, and unowns its kept sessions) gives the session away.
    to_inbox(h[1], 'h' .. gid .. '\n' .. node)
    return {'wait'}
  end
  -- its node is not in the live set and left no claim (Redis lost the node set): take it
  unrecord(h[1], h[2])
  h[9] = h[1]
elseif h[1] == '' then
  local exp = redis.call('ZSCORE', P .. 'orphans', gid)
  if exp and tonumber(exp) < t then
    return {'gone', orphan_gone(gid, node, maxlen, tomb)}
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
