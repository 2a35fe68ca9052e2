-- A classic client's announce (HTTP or UDP); the node's own table has already taken it.
-- ARGV: 4 info hash hex, 5 field, 6 family '4' / '6', 7 compact address .. peer_id, 8 seeder: '1',
-- '0' (bytes left known and not zero), '' (unknown: keep what it was), 9 event, 10 peers wanted of its
-- family, 11 peers wanted of the other family (BEP 7), 12 peers per swarm at most, 13 random seed.
-- Returns { 'ok', complete, incomplete, downloaded, n, n values of its family, values of the other }
-- (a value: kind, state, compact address, peer_id); or { 'full' }. A seeder gets leechers first, and
-- nobody gets its own address back (the same client announced over the other protocol).
local ih, field, family, payload, seeder, event = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local b = base(ih)
local old = redis.call('HGET', b .. 'p', field)
if event == 'stopped' then
  if old then remove(b, ih, field, old) end
  local c, i, d = counts(b)
  return { 'ok', c, i, d, 0 }
end
if not old then
  local c, i = counts(b)
  if c + i >= tonumber(ARGV[12]) then return { 'full' } end
end
local was = old and string.sub(old, 2, 2) or '0'
local state = seeder
if state == '' then state = was end
if event == 'completed' and (not old or was ~= '1') then redis.call('HINCRBY', b .. 'p', '#d', 1) end
put(b, ih, field, old, family .. state .. payload, now)
local c, i, d = counts(b)
local reply = { 'ok', c, i, d, 0 }
seed_random(ARGV[13])
local compact_length = family == '4' and 6 or 18
local compact = string.sub(payload, 1, compact_length)
local function peers_of(fam, n)
  local values = {}
  local len = fam == '4' and 6 or 18
  local function take(f)
    local v = redis.call('HGET', b .. 'p', f)
    if not v or (fam == family and string.sub(v, 3, 2 + len) == compact) then return false end
    values[#values + 1] = v
    return true
  end
  if state ~= '1' then
    pick({ b .. fam .. '0', b .. fam .. '1' }, n, field, take)
  else
    -- A seeder wants leechers; seeders fill the rest (a client from a magnet says left=0 before it
    -- has the metadata, and must still find peers).
    pick({ b .. fam .. '0' }, n, field, take)
    if #values < n then pick({ b .. fam .. '1' }, n - #values, field, take) end
  end
  return values
end
local same = peers_of(family, tonumber(ARGV[10]))
reply[5] = #same
for _, v in ipairs(same) do reply[#reply + 1] = v end
local other_n = tonumber(ARGV[11])
if other_n > 0 then
  for _, v in ipairs(peers_of(family == '4' and '6' or '4', other_n)) do reply[#reply + 1] = v end
end
return reply
