# Full-precision R `survey` results for the paired difference of two items answered by the same
# respondents (tests/statistics/test_paired_reference.py): svycontrast(svymean(~a + b), c(1, -1)),
# t test on the design's degrees of freedom. Run from this folder:
#     Rscript paired_reference.R > paired_reference_values.csv
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")

out <- data.frame(name = character(), value = numeric())
put <- function(name, value) out[nrow(out) + 1, ] <<- list(name, as.numeric(value))
put_paired <- function(prefix, formula, design) {
  contrast <- svycontrast(svymean(formula, design), c(1, -1))
  difference <- coef(contrast)[1]
  se <- SE(contrast)[1]
  df <- degf(design)
  put(paste0(prefix, ".difference"), difference)
  put(paste0(prefix, ".se"), se)
  put(paste0(prefix, ".df"), df)
  put(paste0(prefix, ".p_value"), 2 * pt(-abs(difference / se), df))
}

apistrat <- read.csv("apistrat.csv", stringsAsFactors = TRUE)
apiclus1 <- read.csv("apiclus1.csv", stringsAsFactors = TRUE)
apistrat$award <- as.numeric(apistrat$awards == "Yes")
apistrat$wide <- as.numeric(apistrat$sch.wide == "Yes")

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)

put_paired("strat.api00_api99", ~api00 + api99, dstrat)
put_paired("strat_high.api00_api99", ~api00 + api99, subset(dstrat, stype == "H"))
put_paired("strat.award_wide", ~award + wide, dstrat)
put_paired("clus1.api00_api99", ~api00 + api99, dclus1)
put_paired("clus1_elementary.api00_api99", ~api00 + api99, subset(dclus1, stype == "E"))

write.csv(format(out, digits = 15), row.names = FALSE, quote = TRUE)
