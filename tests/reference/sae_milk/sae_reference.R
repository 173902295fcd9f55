# Reference figures of tests/statistics/test_fay_herriot.py: R sae 1.3's eblupFH/mseFH
# (REML, the defaults MAXITER=100, PRECISION=1e-4) on its milk data.
# Run from this folder with sae installed, or with its R/eblupFH.R and R/mseFH.R sourced
# (cran/sae at commit c5904ed07bd6bfb5219e7f209d63fa0937443cbb, version 1.3): sae is not in Debian.
if (!requireNamespace("sae", quietly = TRUE)) {
  source("eblupFH.R")
  source("mseFH.R")
} else {
  library(sae)
}
milk <- read.csv("milk.csv")
milk$var <- milk$SD^2
show <- function(name, values) cat(name, "=", paste(sprintf("%.15g", values), collapse = ", "), "\n")
for (model in c("yi ~ as.factor(MajorArea)", "yi ~ 1")) {
  result <- mseFH(as.formula(model), var, data = milk)
  cat(model, "\n")
  show("sigma2_u", result$est$fit$refvar)
  show("iterations", result$est$fit$iterations)
  show("beta", result$est$fit$estcoef$beta)
  show("beta_se", result$est$fit$estcoef$std.error)
  show("eblup", result$est$eblup)
  show("mse", result$mse)
}
