-- French typography in the body of every report, both formats, both engines: a narrow no-break
-- space (U+202F) after « and before », ; ! ? %, a no-break space (U+00A0) before « : ». The
-- report's own sentences and delivered text (a case's title, an indicator's label) get the
-- same spaces, and a « can never end a line nor a » begin one. Metadata (the title) is left
-- alone: its escaping is the render's (orchestration/publication/rendering.py).
local NNBSP = utf8.char(0x202F)
local NBSP = utf8.char(0x00A0)
local SPACES = { [0x202F] = true, [0x00A0] = true, [0x20] = true }
local OPENING = utf8.codepoint("«")
-- The space each mark wants before it.
local BEFORE = {
  [utf8.codepoint("»")] = NNBSP,
  [utf8.codepoint(";")] = NNBSP,
  [utf8.codepoint("!")] = NNBSP,
  [utf8.codepoint("?")] = NNBSP,
  [utf8.codepoint(":")] = NBSP,
  [utf8.codepoint("%")] = NNBSP,
}
-- Marks that get their space even when glued to the word before (« mot» → « mot »): the
-- others only replace an ordinary or no-break space, as « 10:30 » or a web address shows.
local GLUED = { [utf8.codepoint("»")] = true }

local function codes(text)
  local list = {}
  for _, code in utf8.codes(text) do
    table.insert(list, code)
  end
  return list
end

-- Fix the spaces inside a text: a word (pandoc's Str), whose no-break spaces become the right
-- ones and whose glued guillemets get theirs, or an attribute's text (an image's alternative
-- text), whose ordinary spaces beside the marks become the right no-break ones too.
local function fixed_word(text)
  local input, output = codes(text), {}
  for index, code in ipairs(input) do
    local want = BEFORE[code]
    local last = output[#output]
    if want and last and SPACES[last] then
      output[#output] = utf8.codepoint(want)
    elseif want and last and GLUED[code] then
      table.insert(output, utf8.codepoint(want))
    end
    table.insert(output, code)
    if code == OPENING then
      local following = input[index + 1]
      if following == 0x00A0 or following == 0x20 then
        input[index + 1] = 0x202F
      elseif following and not SPACES[following] then
        table.insert(output, 0x202F)
      end
    end
  end
  return utf8.char(table.unpack(output))
end

local function is_space(element)
  return element and (element.t == "Space" or element.t == "SoftBreak")
end

-- Across words: « followed by a space, or a space followed by a mark, become one word joined
-- by the right no-break space.
local function fixed_inlines(inlines)
  local output = pandoc.Inlines({})
  local index = 1
  while index <= #inlines do
    local element = inlines[index]
    if element.t == "Str" then
      local text = fixed_word(element.text)
      local first = utf8.codepoint(text, 1)
      local previous = output[#output]
      if BEFORE[first] and is_space(previous) then
        output:remove(#output)
        text = BEFORE[first] .. text
      end
      if text:sub(-#"«") == "«" and is_space(inlines[index + 1]) then
        text = text .. NNBSP
        index = index + 1
      end
      output:insert(pandoc.Str(text))
    else
      output:insert(element)
    end
    index = index + 1
  end
  return output
end

-- An image's alternative text is an attribute (``alt``, or Quarto's ``fig-alt`` before Quarto
-- turns it into ``alt``): the same spaces as the caption.
local function fixed_image(image)
  for _, name in ipairs({ "alt", "fig-alt" }) do
    if image.attributes[name] then
      image.attributes[name] = fixed_word(image.attributes[name])
    end
  end
  return image
end

function Pandoc(document)
  document.blocks = document.blocks:walk({ Inlines = fixed_inlines, Image = fixed_image })
  return document
end
