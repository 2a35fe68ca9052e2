-- Remove peers silent past the TTL, a bounded amount of work per call: up to ARGV[5] swarms not swept
-- for ARGV[4] ms, up to ARGV[6] peers of each set. Any node may run it at any time: a swarm swept is
-- not due again for ARGV[4] ms. Returns { peers removed, swarms looked at }.
local every, max_swarms, max_peers = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local due = redis.call('ZRANGEBYSCORE', SWARMS, '-inf', now - every, 'LIMIT', 0, max_swarms)
local removed = 0
for _, ih in ipairs(due) do
  local b = base(ih)
  local done = true
  for _, s in ipairs(SETS) do
    local stale = redis.call('ZRANGEBYSCORE', b .. s, '-inf', '(' .. cutoff, 'LIMIT', 0, max_peers)
    if #stale == max_peers then done = false end
    for _, field in ipairs(stale) do
      local value = redis.call('HGET', b .. 'p', field)
      if value then remove(b, ih, field, value) else redis.call('ZREM', b .. s, field) end
      removed = removed + 1
    end
  end
  -- A swarm with more stale peers than the budget stays due: the next call goes on with it.
  if done then redis.call('ZADD', SWARMS, 'XX', now, ih) end
end
return { removed, #due }
