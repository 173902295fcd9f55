# Full-precision R `survey` results on the CSV files of this folder, for
# tests/statistics/test_r_reference.py. Run from this folder:
#     Rscript r_reference.R > r_reference_values.csv
# Produced with R 4.2.2 and survey 4.1-1 (Debian bookworm packages r-base-core, r-cran-survey,
# r-cran-mass for calibrate()).
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")

out <- data.frame(name = character(), value = numeric())
put <- function(name, value) out[nrow(out) + 1, ] <<- list(name, as.numeric(value))
put_stat <- function(prefix, stat) {
  put(paste0(prefix, ".estimate"), coef(stat)[1])
  put(paste0(prefix, ".se"), SE(stat)[1])
}

apistrat <- read.csv("apistrat.csv", stringsAsFactors = TRUE)
apiclus1 <- read.csv("apiclus1.csv", stringsAsFactors = TRUE)
nhanes <- read.csv("nhanes.csv")

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
m <- svymean(~api00, dstrat, deff = "replace")
put_stat("strat.mean_api00", m)
put("strat.mean_api00.deff", deff(m))
put_stat("strat.total_enroll", svytotal(~enroll, dstrat, na.rm = TRUE))

dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
m <- svymean(~api00, dclus1, deff = "replace")
put_stat("clus1.mean_api00", m)
put("clus1.mean_api00.deff", deff(m))
put_stat("clus1.total_enroll", svytotal(~enroll, dclus1))

pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
dclus1p <- postStratify(dclus1, ~stype, pop_types)
put_stat("poststrat.mean_api00", svymean(~api00, dclus1p))
put_stat("poststrat.total_enroll", svytotal(~enroll, dclus1p))

# Raking run to full convergence (R's default stops when the table moves by less than 1).
dclus1r <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide),
                control = list(maxit = 100, epsilon = 1e-12))
put_stat("rake.mean_api00", svymean(~api00, dclus1r))
put_stat("rake.total_enroll", svytotal(~enroll, dclus1r))
raked <- cbind(apiclus1, raked_w = weights(dclus1r))
dfixed <- svydesign(id = ~dnum, weights = ~raked_w, fpc = ~fpc, data = raked)
put_stat("rake_fixed.mean_api00", svymean(~api00, dfixed))

# Domains of the one-stage cluster design, and the difference of two domain means.
by_wide <- svyby(~api00, ~sch.wide, dclus1, svymean, covmat = TRUE)
put("domain.mean_api00.No", coef(by_wide)[1])
put("domain.mean_api00.No.se", SE(by_wide)[1])
put("domain.mean_api00.Yes", coef(by_wide)[2])
put("domain.mean_api00.Yes.se", SE(by_wide)[2])
difference <- svycontrast(by_wide, c(Yes = 1, No = -1))
put_stat("domain.difference_api00_yes_minus_no", difference)
put("domain.df.Yes", degf(subset(dclus1, sch.wide == "Yes")))

# Two-group design-based t test (the difference as a regression coefficient).
test <- svyttest(api00 ~ sch.wide, dclus1)
put("domain.ttest.statistic", test$statistic)
put("domain.ttest.df", test$parameter)
put("domain.ttest.p_value", test$p.value)

# The same on the raked design (calibration residuals in the domain variances). svyby with
# covmat fails on calibrated designs in survey 4.1-1, so the difference comes from svyglm, whose
# coefficient of a two-level factor is the difference of the two domain means.
by_wide_r <- svyby(~api00, ~sch.wide, dclus1r, svymean)
put("rake.domain.mean_api00.No.se", SE(by_wide_r)[1])
fit <- svyglm(api00 ~ sch.wide, dclus1r)
put("rake.domain.difference_api00_yes_minus_no.estimate", coef(fit)["sch.wideYes"])
put("rake.domain.difference_api00_yes_minus_no.se", SE(fit)["sch.wideYes"])

# Calibration with unequal base weights (the stratified design). postStratify and calibrate()
# residualise on the base-weighted regression, as orchestration.statistics does; rake() backfits
# with unweighted means in its variance, which differs slightly here (kept for the record).
pop_compimp <- data.frame(comp.imp = c("No", "Yes"), Freq = c(1712, 4482))
put_stat("strat_poststrat.mean_api00", svymean(~api00, postStratify(dstrat, ~sch.wide, pop_schwide)))
dstrat_g <- calibrate(dstrat, ~sch.wide + comp.imp, c(6194, 5122, 4482), calfun = "raking",
                      epsilon = 1e-12, maxit = 100)
put_stat("strat_calibrate_raking.mean_api00", svymean(~api00, dstrat_g))
dstrat_r <- rake(dstrat, list(~sch.wide, ~comp.imp), list(pop_schwide, pop_compimp),
                 control = list(maxit = 100, epsilon = 1e-12))
put_stat("strat_rake.mean_api00", svymean(~api00, dstrat_r))

dnhanes <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE,
                     data = nhanes)
m <- svymean(~HI_CHOL, dnhanes, na.rm = TRUE, deff = "replace")
put_stat("nhanes.mean_hi_chol", m)
put("nhanes.mean_hi_chol.deff", deff(m))
ci <- confint(m, df = degf(dnhanes))
put("nhanes.mean_hi_chol.ci_low", ci[1])
put("nhanes.mean_hi_chol.ci_high", ci[2])
put("nhanes.degf", degf(dnhanes))
sub <- subset(dnhanes, !is.na(HI_CHOL))
kg <- svyciprop(~I(HI_CHOL == 1), sub, method = "beta")
put("nhanes.ciprop_beta.low", confint(kg)[1])
put("nhanes.ciprop_beta.high", confint(kg)[2])
put("nhanes.ciprop.n", nrow(sub))
put("nhanes.ciprop.df", degf(sub))

# Korn–Graubard from summary numbers, as svyciprop(method = "beta") computes it.
kg_limits <- function(p, se, n, df, level = 0.95) {
  alpha <- 1 - level
  n_eff <- p * (1 - p) / se^2 * (qt(alpha / 2, n - 1) / qt(alpha / 2, df))^2
  c(qbeta(alpha / 2, n_eff * p, n_eff * (1 - p) + 1), qbeta(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))
}
limits <- kg_limits(0.507348258357226, 0.0192309892530454, 922, 921)
put("kg.published.low", limits[1])
put("kg.published.high", limits[2])
limits <- kg_limits(0.15, 0.03, 250, 20, 0.9)
put("kg.small_df.low", limits[1])
put("kg.small_df.high", limits[2])

write.csv(out, stdout(), row.names = FALSE)
