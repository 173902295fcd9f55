-- The house style's blocks, which a report marks with a class (a fenced div, ::: {.class}):
--   own-page  a part on a page of its own in the PDF (the note de synthèse);
--   notice    the illustrative-data notice, in a box;
--   table-title  the numbered title above a table (« Tableau 3 – … »);
--   source    the source line under a figure or a table.
-- HTML keeps the div and its class (reports/report.css styles them); the PDF calls the
-- functions of the Typst house style (reports/typst/typst-template.typ).
if not FORMAT:match("typst") then
  return {}
end

local FUNCTIONS = {
  notice = "impact-notice",
  source = "impact-source",
  ["table-title"] = "impact-table-title",
}

function Div(div)
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
