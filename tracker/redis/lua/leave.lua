-- Browser peers whose socket closed on node ARGV[4] leave their swarms (unless another node's socket
-- has taken the peer_id meanwhile). ARGV: 5.. pairs of info hash hex and field. Returns how many left.
local node = ARGV[4]
local left = 0
for k = 5, #ARGV, 2 do
  local ih, field = ARGV[k], ARGV[k + 1]
  local b = base(ih)
  local old = redis.call('HGET', b .. 'p', field)
  if old and string.sub(old, 3) == node then
    remove(b, ih, field, old)
    left = left + 1
  end
end
return left
