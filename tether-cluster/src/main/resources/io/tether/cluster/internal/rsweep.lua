-- Kept sessions no node took within the window after their node died or let them go: each goes
-- offline once (reason 'node lost' when its node died, 'expired' when it was let go) and is
-- forgotten. ARGV: prefix, node (the sweeper), events maxlen, tombstone ttl. Returns how many.
local node, maxlen, tomb = ARGV[2], ARGV[3], ARGV[4]
local due = redis.call('ZRANGEBYSCORE', P .. 'orphans', '-inf', now_ms(), 'LIMIT', 0, 200)
for _, gid in ipairs(due) do
  local h = redis.call('HMGET', rkey(gid), 'u', 's', 'lo', 'dead', 'ov')
  local why = h[5] and 'replay overflow' or h[4] and 'node lost' or 'expired'
  if h[1] and h[1] ~= '' then
    event(maxlen, 'offline', h[3] or '', h[2] or '', h[1], why, h[4] or node)
  end
  forget(gid, why .. (h[5] and ': more unacknowledged messages than kept' or ': no resume within the window'), tomb)
end
return #due
