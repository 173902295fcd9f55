-- A second line behind the escaping of delivered text (orchestration/publication/escaping.py):
-- a report may only show the charts drawn for it and link to the web, so no path that came
-- from data is ever read from disk (HTML embedding) or followed (javascript: links).

local function refuse(what, target)
  error("confine.lua: " .. what .. " refusé(e) : " .. target .. " (seuls les graphiques du "
    .. "rapport et les liens web sont admis)")
end

function Image(image)
  if not image.src:match("^[a-z0-9][a-z0-9-]*%.png$") then
    refuse("image", image.src)
  end
end

function Link(link)
  local target = link.target
  if not (target:match("^#") or target:match("^https?://") or target:match("^mailto:")) then
    refuse("lien", target)
  end
end
