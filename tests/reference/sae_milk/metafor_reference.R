# Second reference of tests/statistics/test_fay_herriot.py: the Fay-Herriot model of sae_reference.R
# as a REML meta-regression (metafor 3.8-1, Debian r-cran-metafor), iterated to convergence.
library(metafor)
milk <- read.csv("milk.csv")
options(digits=15)
r <- rma(yi, SD^2, mods = ~ as.factor(MajorArea), data = milk, method = "REML", control=list(threshold=1e-12, maxiter=1000))
cat(sprintf("%.15g", r$tau2), "\n"); cat(sprintf("%.15g", as.vector(coef(r))), "\n")
b <- blup(r); cat(sprintf("%.15g", b$pred[1:5]), "\n")
r0 <- rma(yi, SD^2, data = milk, method = "REML", control=list(threshold=1e-12, maxiter=1000))
cat(sprintf("%.15g", r0$tau2), "\n"); cat(sprintf("%.15g", blup(r0)$pred[1:5]), "\n")
