-- Kept sessions no node took within the window after their node died or let them go: each goes
-- offline once (reason 'node lost' when its node died, 'expired' when it was let go) and is
-- forgotten. ARGV: prefix, node (the sweeper), events maxlen, tombstone ttl. Returns how many.
local node, maxlen, tomb = ARGV[2], ARGV[3], ARGV[4]
local due = redis.call('ZRANGEBYSCORE', P .. 'orphans', '-inf', now_ms(), 'LIMIT', 0, 200)
for _, gid in ipairs(due) do
  orphan_gone(gid, node, maxlen, tomb)
end
return #due
