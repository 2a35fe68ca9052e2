-- A node writes back what it holds after Redis was lost (restarted, or out of reach): ARGV 4 = node,
-- then entries of four: info hash hex, field, value (as put stores it), age in ms (since its last
-- announce). A browser peer_id that a live socket on another live node holds meanwhile is not taken:
-- returns { written, field index of each conflict... } so the node can let its own copy go.
local node = ARGV[4]
local reply = { 0 }
for k = 5, #ARGV, 4 do
  local ih, field, value, age = ARGV[k], ARGV[k + 1], ARGV[k + 2], tonumber(ARGV[k + 3])
  local b = base(ih)
  local old = redis.call('HGET', b .. 'p', field)
  local conflict = false
  if old and string.sub(field, 1, 1) == 'w' and string.sub(old, 3) ~= node then
    local seen = redis.call('ZSCORE', b .. string.sub(old, 1, 2), field)
    conflict = seen ~= false and tonumber(seen) >= cutoff and alive(string.sub(old, 3))
  end
  if conflict then
    reply[#reply + 1] = k
  else
    -- Completed state is kept if Redis knew more (a seeder stays a seeder).
    if old and string.sub(field, 1, 1) == 'w' and string.sub(old, 2, 2) == '1' then
      value = string.sub(value, 1, 1) .. '1' .. string.sub(value, 3)
    end
    local score = now - age
    local seen = old and redis.call('ZSCORE', b .. string.sub(old, 1, 2), field)
    if seen and tonumber(seen) > score then score = tonumber(seen) end
    put(b, ih, field, old, value, score)
    reply[1] = reply[1] + 1
  end
end
return reply
