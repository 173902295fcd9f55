-- Pandoc's Typst writer spells a dash as Typst's shorthand (– as "--", — as "---") and a
-- curly quote as Typst's smart quote ("'"), and leaves "..." and "-1", which Typst sets as an
-- ellipsis and a minus sign: a run such as "––" would come out as "—-". Each of these
-- characters is written as a constant instead (itself, or escaped), so the PDF shows the
-- characters that were delivered. Text around them stays with pandoc's writer (escaped).
if not FORMAT:match("typst") then
  return {}
end

local LITERAL = { [utf8.codepoint(".")] = "\\.", [utf8.codepoint("-")] = "\\-" }
for _, char in ipairs({ "–", "—", "‘", "’", "“", "”" }) do
  LITERAL[utf8.codepoint(char)] = char
end

local function literal(element)
  local pieces, run = {}, {}
  local found = false
  for _, code in utf8.codes(element.text) do
    local char = LITERAL[code]
    if char then
      found = true
      if #run > 0 then
        table.insert(pieces, pandoc.Str(table.concat(run)))
        run = {}
      end
      table.insert(pieces, pandoc.RawInline("typst", char))
    else
      table.insert(run, utf8.char(code))
    end
  end
  if not found then
    return nil
  end
  if #run > 0 then
    table.insert(pieces, pandoc.Str(table.concat(run)))
  end
  return pieces
end

-- Text in straight quotes ('b', "b") is read by pandoc as quoted, and written back with
-- straight quotes that Typst's smart quotes set the French way (« » and “ ”): 'b' would print
-- as “b”. The quotes pandoc's HTML shows are written as constants instead: ‘b’ and “b”.
local QUOTES = { SingleQuote = { "‘", "’" }, DoubleQuote = { "“", "”" } }

local function quoted(element)
  local marks = QUOTES[element.quotetype]
  local pieces = { pandoc.RawInline("typst", marks[1]) }
  for _, inline in ipairs(element.content) do
    table.insert(pieces, inline)
  end
  table.insert(pieces, pandoc.RawInline("typst", marks[2]))
  return pieces
end

-- The body only: metadata values such as the page margin ("1.8cm") are Typst code, not text.
function Pandoc(document)
  document.blocks = document.blocks:walk({ Str = literal, Quoted = quoted })
  return document
end
