-- The house style's blocks, which a report marks with a class (a fenced div, ::: {.class}):
--   own-page     a part on a page of its own in the PDF (the note de synthèse);
--   notice       the illustrative-data notice, in a box;
--   table-title  the numbered title above a table (« Tableau 3 – … »);
--   source       the source line under a figure or a table.
-- HTML keeps the div and its class (reports/report.css styles them); the PDF calls the
-- functions of the Typst house style (reports/typst/typst-template.typ), and keeps a short
-- table or a figure on one page with its title and its source line.
if not FORMAT:match("typst") then
  return {}
end

local FUNCTIONS = {
  notice = "impact-notice",
  source = "impact-source",
  ["table-title"] = "impact-table-title",
}
-- A table longer than this may break across pages (its header row repeats); a shorter one
-- stays whole, with its title and source.
local SHORT_TABLE_ROWS = 8

local function is_div(block, class)
  return block ~= nil and block.t == "Div" and block.classes:includes(class)
end

local function rows(table_block)
  local count = 0
  for _, body in ipairs(table_block.bodies) do
    count = count + #body.body
  end
  return count
end

-- The blocks from ``index`` that make one whole: [title] table [source] or figure [source];
-- nil when the block at ``index`` starts none or is a long table.
local function whole_at(blocks, index)
  local last = index
  if is_div(blocks[last], "table-title") then
    last = last + 1
  end
  local block = blocks[last]
  if block == nil or not (block.t == "Table" or block.t == "Figure") then
    return nil
  end
  if block.t == "Table" and rows(block) > SHORT_TABLE_ROWS then
    return nil
  end
  if is_div(blocks[last + 1], "source") then
    last = last + 1
  end
  return last
end

local function keep_together(blocks)
  local result = pandoc.Blocks({})
  local index = 1
  while index <= #blocks do
    local last = whole_at(blocks, index)
    if last then
      result:insert(pandoc.RawBlock("typst", "#block(breakable: false, width: 100%)["))
      for position = index, last do
        result:insert(blocks[position])
      end
      result:insert(pandoc.RawBlock("typst", "]"))
      index = last + 1
    else
      result:insert(blocks[index])
      index = index + 1
    end
  end
  return result
end

local function styled(div)
  if div.classes:includes("own-page") then
    local blocks = { pandoc.RawBlock("typst", "#pagebreak(weak: true)") }
    blocks[#blocks + 1] = div
    blocks[#blocks + 1] = pandoc.RawBlock("typst", "#pagebreak(weak: true)")
    return blocks
  end
  for class, name in pairs(FUNCTIONS) do
    if div.classes:includes(class) then
      local blocks = { pandoc.RawBlock("typst", "#" .. name .. "[") }
      for _, block in ipairs(div.content) do
        blocks[#blocks + 1] = block
      end
      blocks[#blocks + 1] = pandoc.RawBlock("typst", "]")
      return blocks
    end
  end
end

-- Grouped first, while the classes are still there; then each marked block set.
return { { Blocks = keep_together }, { Div = styled } }
