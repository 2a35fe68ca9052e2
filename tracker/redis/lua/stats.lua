-- The whole table's counts: { torrents, seeders, leechers, ws, http, udp } (peers silent past the TTL
-- are counted until the next sweep removes them, as in the in-memory table).
local s = redis.call('HMGET', STATS, 'seeders', 'leechers', 'ws', 'http', 'udp')
local reply = { redis.call('ZCARD', SWARMS) }
for k = 1, 5 do reply[k + 1] = tonumber(s[k] or 0) end
return reply
