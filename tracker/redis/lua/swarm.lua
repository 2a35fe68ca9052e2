-- The shared swarm table's layout and its few mutations, put in front of every script (store.ts).
-- Every script gets ARGV[1] = key prefix, ARGV[2] = now (ms, the node's wall clock), ARGV[3] = peer
-- TTL (ms); its own arguments follow. Keys are built here from the prefix and an info hash: one Redis
-- (or a primary with replicas), not Redis Cluster.
--
-- Per swarm (<prefix>s:<info hash hex>:):
--   p        hash: peer field -> value; plus '#d', the completed events counted (BEP 48 downloaded)
--   w0 w1    sorted sets of WebRTC peers, leechers (0) and seeders (1), scored by last announce
--   40 41    classic IPv4 peers, likewise
--   60 61    classic IPv6 peers
-- A peer field is 'w' .. peer_id (a browser), or 'h' / 'u' (HTTP / UDP) .. ip .. '/' .. peer_id (a
-- classic client, keyed by address as tracker/swarms.ts does). Its value is kind ('w', '4', '6'),
-- state ('0', '1'), then the node id holding its socket (browsers) or the compact address and peer_id
-- (classic clients).
-- Global: <prefix>swarms (sorted set: info hash hex -> when it was last swept) and <prefix>stats
-- (hash: seeders, leechers, ws, http, udp), kept exact by put and remove, the only writers.
-- A peer silent for longer than the TTL is not counted or given out from that moment (ZCOUNT and
-- picks skip it) and is removed by the next sweep (sweep.lua).

local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local cutoff = now - tonumber(ARGV[3])
local SWARMS = prefix .. 'swarms'
local STATS = prefix .. 'stats'
local PROTOCOL = { w = 'ws', h = 'http', u = 'udp' }
local SETS = { 'w0', 'w1', '40', '41', '60', '61' }

local function base(ih) return prefix .. 's:' .. ih .. ':' end

local function protocol_of(field) return PROTOCOL[string.sub(field, 1, 1)] end

local aliveCache = {}
-- A node is alive while its key (refreshed every few seconds, store.ts) exists.
local function alive(node)
  local a = aliveCache[node]
  if a == nil then
    a = redis.call('EXISTS', prefix .. 'alive:' .. node) == 1
    aliveCache[node] = a
  end
  return a
end

local function remove(b, ih, field, value)
  local set = b .. string.sub(value, 1, 2)
  redis.call('ZREM', set, field)
  redis.call('HDEL', b .. 'p', field)
  redis.call('HINCRBY', STATS, string.sub(value, 2, 2) == '1' and 'seeders' or 'leechers', -1)
  redis.call('HINCRBY', STATS, protocol_of(field), -1)
  if redis.call('EXISTS', b .. 'w0', b .. 'w1', b .. '40', b .. '41', b .. '60', b .. '61') == 0 then
    redis.call('DEL', b .. 'p')
    redis.call('ZREM', SWARMS, ih)
  end
end

-- Add or refresh a peer; `old` is its value before (or false), `value` the new one, `score` its last announce.
local function put(b, ih, field, old, value, score)
  local kind_state = string.sub(value, 1, 2)
  if old then
    local old_set = string.sub(old, 1, 2)
    if old_set ~= kind_state then
      redis.call('ZREM', b .. old_set, field)
      if string.sub(old, 2, 2) == '1' then
        redis.call('HINCRBY', STATS, 'seeders', -1)
        redis.call('HINCRBY', STATS, 'leechers', 1)
      else
        redis.call('HINCRBY', STATS, 'leechers', -1)
        redis.call('HINCRBY', STATS, 'seeders', 1)
      end
    end
  else
    redis.call('HINCRBY', STATS, string.sub(value, 2, 2) == '1' and 'seeders' or 'leechers', 1)
    redis.call('HINCRBY', STATS, protocol_of(field), 1)
    redis.call('ZADD', SWARMS, 'NX', now, ih)
  end
  redis.call('ZADD', b .. kind_state, score, field)
  if old ~= value then redis.call('HSET', b .. 'p', field, value) end
end

-- Live seeders and leechers of every kind, and the completed events (BEP 48's three counts).
local function counts(b)
  local c = redis.call('ZCOUNT', b .. 'w1', cutoff, '+inf') + redis.call('ZCOUNT', b .. '41', cutoff, '+inf') +
    redis.call('ZCOUNT', b .. '61', cutoff, '+inf')
  local i = redis.call('ZCOUNT', b .. 'w0', cutoff, '+inf') + redis.call('ZCOUNT', b .. '40', cutoff, '+inf') +
    redis.call('ZCOUNT', b .. '60', cutoff, '+inf')
  return c, i, tonumber(redis.call('HGET', b .. 'p', '#d') or 0)
end

-- A small generator seeded by the caller (scripts must not use their own randomness for decisions
-- that replicas could replay differently).
local seed = 1
local function random()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end
local function seed_random(s) seed = (tonumber(s) or 1) % 2147483648 end

-- Up to `n` distinct live fields from the union of the sorted sets `sets` (each drawn from in
-- proportion to its size), other than `self`, that `accept(field)` takes. Returns the fields.
local function pick(sets, n, self, accept)
  local out = {}
  if n <= 0 then return out end
  local sizes, total = {}, 0
  for i, set in ipairs(sets) do
    -- Peers other than the asker.
    sizes[i] = redis.call('ZCARD', set)
    if sizes[i] > 0 and redis.call('ZSCORE', set, self) then sizes[i] = sizes[i] - 1 end
    total = total + sizes[i]
  end
  if total == 0 then return out end
  local want = {}
  for i = 1, #sets do want[i] = 0 end
  for _ = 1, math.min(n, total) do
    local r, acc = random() * total, 0
    for i = 1, #sets do
      acc = acc + sizes[i]
      if r < acc then want[i] = want[i] + 1; break end
    end
  end
  -- No set is asked for more than it holds: the rest goes to sets with room.
  local spare = 0
  for i = 1, #sets do
    if want[i] > sizes[i] then spare = spare + want[i] - sizes[i]; want[i] = sizes[i] end
  end
  for i = 1, #sets do
    local give = math.min(sizes[i] - want[i], spare)
    want[i] = want[i] + give
    spare = spare - give
  end
  local extra = {}
  for i, set in ipairs(sets) do
    if want[i] > 0 then
      -- One more than wanted: the asker itself may be drawn.
      local got = redis.call('ZRANDMEMBER', set, want[i] + 1, 'WITHSCORES')
      local taken = 0
      for j = 1, #got, 2 do
        local field = got[j]
        if field ~= self and tonumber(got[j + 1]) >= cutoff then
          if taken >= want[i] then
            extra[#extra + 1] = field
          elseif accept(field) then
            out[#out + 1] = field
            taken = taken + 1
          end
        end
      end
    end
  end
  -- Short (a silent, gone or unwanted peer was drawn): top up from what was drawn beyond the want.
  for _, field in ipairs(extra) do
    if #out >= n then break end
    if accept(field) then out[#out + 1] = field end
  end
  return out
end
