-- BEP 48 counts of each info hash (hex) in ARGV[4..]: { complete, incomplete, downloaded, ... }.
local reply = {}
for k = 4, #ARGV do
  local c, i, d = counts(base(ARGV[k]))
  reply[#reply + 1] = c
  reply[#reply + 1] = i
  reply[#reply + 1] = d
end
return reply
