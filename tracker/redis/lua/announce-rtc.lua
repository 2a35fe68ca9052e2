-- A browser's announce (its socket is on node ARGV[6]); the node's own table has already taken it.
-- ARGV: 4 info hash hex, 5 field ('w' .. peer_id), 6 node, 7 seeder '1' / '0', 8 event ('',
-- 'completed', 'stopped'), 9 offers to place, 10 peers per swarm at most, 11 random seed.
-- Returns { 'ok', complete, incomplete, downloaded, peer_id, node, peer_id, node, ... } with up to
-- ARGV[9] other live browser peers whose node is alive; or { 'owned' } when the peer_id belongs to a
-- live socket on another live node (ownership across nodes: the first socket to announce it keeps
-- it), or { 'full' }.
local ih, field, node, event = ARGV[4], ARGV[5], ARGV[6], ARGV[8]
local b = base(ih)
local old = redis.call('HGET', b .. 'p', field)
if old and string.sub(old, 3) ~= node then
  local seen = redis.call('ZSCORE', b .. string.sub(old, 1, 2), field)
  if seen and tonumber(seen) >= cutoff and alive(string.sub(old, 3)) then return { 'owned' } end
  -- Silent past the TTL, or its node is gone: the peer_id is free again.
  remove(b, ih, field, old)
  old = false
end
if event == 'stopped' then
  if old then remove(b, ih, field, old) end
  local c, i, d = counts(b)
  return { 'ok', c, i, d }
end
if not old then
  local c, i = counts(b)
  if c + i >= tonumber(ARGV[10]) then return { 'full' } end
end
local was_seeder = old and string.sub(old, 2, 2) == '1'
-- A browser never goes back to leeching (as the in-memory table).
local state = (ARGV[7] == '1' or was_seeder) and '1' or '0'
if event == 'completed' and not was_seeder then redis.call('HINCRBY', b .. 'p', '#d', 1) end
put(b, ih, field, old, 'w' .. state .. node, now)
local c, i, d = counts(b)
local reply = { 'ok', c, i, d }
local n = tonumber(ARGV[9])
if n > 0 then
  seed_random(ARGV[11])
  local owners = {}
  local targets = pick({ b .. 'w0', b .. 'w1' }, n, field, function(f)
    local v = redis.call('HGET', b .. 'p', f)
    if not v or not alive(string.sub(v, 3)) then return false end
    owners[f] = string.sub(v, 3)
    return true
  end)
  for _, f in ipairs(targets) do
    reply[#reply + 1] = string.sub(f, 2)
    reply[#reply + 1] = owners[f]
  end
end
return reply
