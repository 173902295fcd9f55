# R `survey` figures of the mayors' survey (elus 2020, shipped synthetic sample), raked by the
# pipeline on region and commune-size band, for tests/test_calibrated_estimates.py.
#     Rscript elus_raked.R > elus_raked_r_values.csv
# Input: elus_2020.csv (this folder), written by that test module's `write_r_input` from the
# warehouse: respondent, region, band (the design's strata), base weight and each elus
# indicator's 0/1 value (empty outside its base), computed in SQL from the answers, not by the
# pipeline's Python. Margins: the seeds communes_by_region and commune_size_bands.
# Produced with R 4.2.2, survey 4.1-1, MASS (Debian bookworm packages).
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")

d <- read.csv("elus_2020.csv", colClasses = c(region = "character", band = "character"))
regions <- read.csv("../../../dbt_project/seeds/communes_by_region.csv",
                    colClasses = c(reg = "character"))
bands <- read.csv("../../../dbt_project/seeds/commune_size_bands.csv",
                  colClasses = c(taille_commune = "character"))
total <- sum(regions$communes)
band_totals <- setNames(total * bands$share_of_communes / sum(bands$share_of_communes),
                        bands$taille_commune)
region_totals <- setNames(regions$communes, regions$reg)

d$region <- factor(d$region, levels = regions$reg)
d$band <- factor(d$band, levels = bands$taille_commune)
# Population totals in the order of model.matrix(~region + band): intercept, then every level
# but the first of each factor.
population <- c(total, region_totals[levels(d$region)[-1]], band_totals[levels(d$band)[-1]])
names(population) <- colnames(model.matrix(~region + band, d))

design <- svydesign(ids = ~1, strata = ~band, weights = ~base_weight, data = d)
# The pipeline's bounds on weight / base weight (seed studies: 0.2 and 5).
calibrated <- tryCatch(
  calibrate(design, ~region + band, population, calfun = "raking", bounds = c(0.2, 5),
            maxit = 500, epsilon = 1e-12),
  error = function(e) NULL
)
bounded <- !is.null(calibrated)
if (!bounded) {
  calibrated <- calibrate(design, ~region + band, population, calfun = "raking",
                          maxit = 500, epsilon = 1e-12)
}
g <- weights(calibrated) / d$base_weight

out <- data.frame(indicator_id = character(), geo_code = character(), name = character(),
                  value = numeric())
put <- function(indicator, geo, name, value) {
  out[nrow(out) + 1, ] <<- list(indicator, geo, name, as.numeric(value))
}
put("calibration", "FR", "bounded", bounded)
put("calibration", "FR", "min_g", min(g))
put("calibration", "FR", "max_g", max(g))
put("calibration", "FR", "max_weight_difference", max(abs(weights(calibrated) - d$weight)))

indicators <- setdiff(names(d), c("respondent_id", "region", "band", "base_weight", "weight"))
for (indicator in indicators) {
  f <- as.formula(paste0("~", indicator))
  for (geo in c("FR", levels(d$region))) {
    keep <- !is.na(d[[indicator]]) & (geo == "FR" | d$region == geo)
    if (sum(keep) < 2) next
    sub <- subset(calibrated, keep)
    m <- svymean(f, sub, na.rm = TRUE, deff = "replace")
    ci <- svyciprop(f, sub, method = "beta", na.rm = TRUE)
    put(indicator, geo, "estimate", coef(m)[1])
    put(indicator, geo, "se", SE(m)[1])
    put(indicator, geo, "deff", deff(m)[1])
    put(indicator, geo, "n", sum(keep))
    put(indicator, geo, "df", degf(sub))
    # svyciprop's own interval: its n is nrow(design), which for a subset of a calibrated
    # design still counts the rows outside it (they are kept with zero weight).
    put(indicator, geo, "svyciprop_low", confint(ci)[1])
    put(indicator, geo, "svyciprop_high", confint(ci)[2])
    # The same Korn-Graubard formula (svyciprop's code) with n the domain's respondents.
    p <- coef(m)[1]
    if (p > 0 && p < 1) {
      n_eff <- p * (1 - p) / SE(m)[1]^2 *
        (qt(0.025, sum(keep) - 1) / qt(0.025, degf(sub)))^2
      put(indicator, geo, "kg_low", qbeta(0.025, n_eff * p, n_eff * (1 - p) + 1))
      put(indicator, geo, "kg_high", qbeta(0.975, n_eff * p + 1, n_eff * (1 - p)))
    }
    if (geo != "FR") {
      known <- !is.na(d[[indicator]])
      if (sum(known & d$region == geo) >= 2 && sum(known & d$region != geo) >= 2) {
        calibrated$variables$in_region <- as.numeric(d$region == geo)
        test <- svyttest(as.formula(paste0(indicator, " ~ in_region")),
                         subset(calibrated, known))
        # svyttest's difference is in_region = 1 minus 0: the region minus the rest.
        put(indicator, geo, "vs_rest_difference", test$estimate)
        put(indicator, geo, "vs_rest_p_value", test$p.value)
      }
    }
  }
}
write.csv(out, stdout(), row.names = FALSE)
