-- Session.send on a kept session. ARGV: prefix, gid, message, max messages, max bytes, caller node.
return append(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
