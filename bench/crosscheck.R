# bench/crosscheck.R - held-out cross-check of build/cmeta against R metafor 3.8 on published
# data sets from metadat that no test in tests/ uses (see bench/README.md, "Held-out cross-check").
#
# Usage: Rscript bench/crosscheck.R path/to/cmeta [table.md]
# For every data set: writes a CSV in cmeta's columns (temporary directory), runs cmeta escalc,
# pool (9 estimators x z/knha), loo, cumul, regress (when there is a moderator), influence and
# bias (REML), MH and Peto (binary data), and compares every number with metafor fitted with tight
# convergence. The difference of one number a (cmeta) from b (metafor) is |a - b| / |b|, or
# |a - b| when |b| < 1e-10 (absolute floor near 0); two missing values agree, one missing is Inf.
# Tolerance per check: 1e-8 for closed forms, 1e-6 where an iterative step is involved
# (ML REML EB PM, and the Q-profile tau^2/I^2 intervals of every estimator).
# Exit status 1 when any check exceeds its tolerance.

suppressPackageStartupMessages({library(metafor); library(metadat); library(jsonlite)})
options(warn = -1)
args <- commandArgs(TRUE)
cmeta <- if (length(args) >= 1) args[1] else "build/cmeta"
mdout <- if (length(args) >= 2) args[2] else ""
tmp <- tempfile("crosscheck"); dir.create(tmp)
on.exit(unlink(tmp, recursive = TRUE))

CTL <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)   # rma.uni: Fisher scoring, uniroot
CCTL <- list(tol = 1e-12, maxiter = 10000)                    # confint: Q-profile uniroot
TOL <- c(closed = 1e-8, iter = 1e-6)
ITER <- c("ML", "REML", "EB", "PM")

## ---- the data sets (none of them used in tests/) ---------------------------------------------
D <- list()
add <- function(name, measure, data, mods = NULL, binary = FALSE) {
    D[[length(D) + 1]] <<- list(name = name, measure = measure, data = data, mods = mods, binary = binary)
}
cont <- function(x, lab) data.frame(study = lab, m1i = x$m1i, sd1i = x$sd1i, n1i = x$n1i,
                                    m2i = x$m2i, sd2i = x$sd2i, n2i = x$n2i)
bin <- function(x, lab) data.frame(study = lab, ai = x$ai, n1i = x$n1i, ci = x$ci, n2i = x$n2i)

x <- dat.curtis1998
add("curtis1998", "ROM", cbind(cont(x, paste(x$paper, x$id)), time = x$time), "time")
add("curtis1998", "SMD", cbind(cont(x, paste(x$paper, x$id)), pot = x$pot), "pot")
x <- dat.gibson2002[1:15, ]                       # 13 continuous studies + 2 with missing means
add("gibson2002", "SMD", cbind(cont(x, x$author), year = x$year), "year")
x <- dat.li2007;          add("li2007", "OR", cbind(bin(x, x$study), year = x$year), "year", TRUE)
x <- dat.lee2004;         add("lee2004", "RR", cbind(bin(x, x$study), year = x$year), "year", TRUE)
x <- dat.hine1989;        add("hine1989", "RD", bin(x, x$source), NULL, TRUE)
x <- dat.laopaiboon2015;  add("laopaiboon2015", "RR", cbind(bin(x, x$author), age = x$age), "age", TRUE)
x <- dat.linde2005        # two studies without counts: left out by both
add("linde2005", "OR", cbind(bin(x, x$study), duration = x$duration), "duration", TRUE)
x <- dat.pagliaro1992
add("pagliaro1992", "PLO", data.frame(study = paste(x$study, x$trt), xi = x$xi, ni = x$ni, trt = x$trt), "trt")
add("pagliaro1992", "PFT", data.frame(study = paste(x$study, x$trt), xi = x$xi, ni = x$ni, trt = x$trt), "trt")
x <- dat.mcdaniel1994     # type missing for 3 studies: left out of the regression only
add("mcdaniel1994", "ZCOR", data.frame(study = x$study, ri = x$ri, ni = x$ni, type = x$type), "type")
x <- dat.cohen1981;       add("cohen1981", "COR", data.frame(study = x$study, ri = x$ri, ni = x$ni))
x <- dat.crede2010;       add("crede2010", "ZCOR", data.frame(study = paste(x$studyid, x$sampleid), ri = x$ri, ni = x$ni, year = x$year), "year")
x <- dat.konstantopoulos2011
add("konstantopoulos2011", "GEN", data.frame(study = paste(x$district, x$school), yi = x$yi, vi = x$vi, year = x$year), "year")
x <- dat.baskerville2012
add("baskerville2012", "GEN", data.frame(study = x$author, yi = x$smd, sei = x$se, score = x$score), "score")
x <- dat.ishak2007        # y1i missing for 22 studies
add("ishak2007", "GEN", data.frame(study = x$study, yi = x$y1i, vi = x$v1i, mdur = x$mdur), "mdur")

## ---- helpers ----------------------------------------------------------------------------------
R <- NULL   # one row per check
rdiff <- function(a, b, scale = NULL) {
    a <- suppressWarnings(as.numeric(unlist(a))); b <- suppressWarnings(as.numeric(unlist(b)))
    if (!length(a)) a <- NA_real_            # JSON null
    if (!length(b)) b <- NA_real_
    if (length(a) != length(b)) return(Inf)
    den <- if (is.null(scale)) abs(b) else pmax(abs(b), scale)
    d <- ifelse(is.na(a) & is.na(b), 0,
         ifelse(is.na(a) | is.na(b), Inf,
         ifelse(den < 1e-10, abs(a - b), abs(a - b) / den)))
    d[a == b & !is.na(a) & !is.na(b)] <- 0          # equal infinities
    if (length(d)) max(d) else 0
}
# all keys of c against m; an interval bound (ci_lb ci_ub pi_lb pi_ub) is compared relative to
# max(|bound|, half-width of the interval): a bound near 0 is the difference of two larger numbers
# and carries their absolute error, not a relative one
diffs_of <- function(c, m) {
    sapply(names(m), function(k) {
        sc <- NULL
        if (k %in% c("ci_lb", "ci_ub", "pi_lb", "pi_ub")) {
            p <- if (k %in% c("ci_lb", "ci_ub")) c("ci_lb", "ci_ub") else c("pi_lb", "pi_ub")
            if (all(p %in% names(m))) sc <- abs(as.numeric(unlist(m[[p[2]]])) - as.numeric(unlist(m[[p[1]]]))) / 2
        }
        rdiff(c[[k]], m[[k]], sc)
    })
}
# metafor's ML/REML/EB/PM stop at a tiny positive tau^2 where cmeta sets exactly 0 (a documented
# difference): the metafor values with tau^2, I^2, H^2 put at the boundary (0, 0, 1) for those rows
at_boundary <- function(c, m, t2 = "tau2") {
    if (is.null(m[[t2]]) || is.null(c[[t2]])) return(NULL)
    mt <- as.numeric(unlist(m[[t2]])); ct <- as.numeric(unlist(c[[t2]]))
    if (length(mt) != length(ct)) return(NULL)
    i <- which(!is.na(mt) & mt > 0 & mt < 1e-10 & !is.na(ct) & ct == 0)
    if (!length(i)) return(NULL)
    m[[t2]][i] <- 0
    if ("tau" %in% names(m)) m$tau[i] <- 0
    if ("I2" %in% names(m)) m$I2[i] <- 0
    if ("H2" %in% names(m)) m$H2[i] <- 1
    m
}

# check: c = cmeta's values, m = metafor's, by key. alt (optional) = the same quantities from a
# better-conditioned computation, used only when metafor's own values are known to lose digits
# (uncentred moderators; R's exact Kendall upper tail): the check then passes as "ok*" when cmeta
# is within tolerance of alt, and both differences are reported. "ok0": the same for metafor's
# tiny positive tau^2 where cmeta truncates to exactly 0 (at_boundary).
check <- function(ds, cmd, c, m, cls, alt = NULL) {
    diffs <- diffs_of(c, m)
    bnd <- at_boundary(c, m)
    if (is.null(alt) && !is.null(bnd)) alt <- structure(bnd, label = "ok0")
    worst <- names(diffs)[which.max(diffs)]
    mx <- max(diffs)
    ok <- is.finite(mx) && mx <= TOL[[cls]]
    verdict <- if (ok) "ok" else "FAIL"
    altd <- NA_real_
    if (!ok && !is.null(alt)) {
        altd <- max(diffs_of(c, alt))
        if (is.finite(altd) && altd <= TOL[[cls]]) verdict <- if (is.null(attr(alt, "label"))) "ok*" else attr(alt, "label")
    }
    R <<- rbind(R, data.frame(dataset = ds, check = cmd, keys = length(diffs), n = length(unlist(m)),
                              maxdiff = mx, worst = worst, tol = TOL[[cls]], altdiff = altd,
                              ok = verdict != "FAIL", verdict = verdict, stringsAsFactors = FALSE))
}
# Kendall's exact two-sided p-value with the smaller tail summed directly (the counts of
# permutations by number of inversions in double, fine for k <= 170); R's cor.test takes
# 1 - P(T <= q - 1) for the upper tail and loses digits when p is small.
kendall_p <- function(tau, n) {
    cnt <- 1
    for (m in 2:n) { L <- length(cnt); new <- numeric(L + m - 1)
        for (j in 0:(m - 1)) new[(1:L) + j] <- new[(1:L) + j] + cnt   # positive sums only
        cnt <- new }
    N <- n * (n - 1) / 2; q <- round((tau + 1) * N / 2)   # concordant pairs
    tail <- if (q > N / 2) sum(cnt[(q:N) + 1]) else sum(cnt[(0:q) + 1])
    min(1, 2 * tail / prod(as.numeric(1:n)))
}
cm <- function(...) {
    out <- suppressWarnings(system2(cmeta, c(...), stdout = TRUE, stderr = FALSE))
    st <- attr(out, "status")
    if (!is.null(st) && st != 0) stop("cmeta ", paste(c(...), collapse = " "), " exited ", st)
    paste(out, collapse = "\n")
}
cj <- function(...) fromJSON(cm(..., "--format", "json"))
pickm <- function(fit) {   # pool keys from an rma fit
    p <- predict(fit)
    list(estimate = fit$beta[1], se = fit$se, stat = fit$zval, pval = fit$pval, ci_lb = fit$ci.lb,
         ci_ub = fit$ci.ub, tau2 = fit$tau2, tau = sqrt(fit$tau2), I2 = fit$I2, H2 = fit$H2,
         I2_Q = max(0, (fit$QE - (fit$k - 1)) / fit$QE) * 100, Q = fit$QE, Q_pval = fit$QEp,
         pi_lb = if (is.null(p$pi.lb)) p$ci.lb else p$pi.lb, pi_ub = if (is.null(p$pi.ub)) p$ci.ub else p$pi.ub)
}
colsm <- function(df, map) setNames(lapply(map, function(k) df[[k]]), names(map))

## ---- the checks -------------------------------------------------------------------------------
for (d in D) {
    ds <- paste(d$name, d$measure)
    f <- file.path(tmp, "data.csv")
    write.csv(d$data, f, row.names = FALSE, na = "NA")
    x <- d$data
    ms <- c("--measure", d$measure)

    # escalc
    es <- read.csv(text = cm("escalc", f, ms))
    e <- switch(d$measure,
        GEN = escalc("GEN", yi = x$yi, vi = if (is.null(x$vi)) x$sei^2 else x$vi),
        OR = , RR = , RD = escalc(d$measure, ai = x$ai, n1i = x$n1i, ci = x$ci, n2i = x$n2i),
        PLO = , PFT = escalc(d$measure, xi = x$xi, ni = x$ni),
        COR = , ZCOR = escalc(d$measure, ri = x$ri, ni = x$ni),
        escalc(d$measure, m1i = x$m1i, sd1i = x$sd1i, n1i = x$n1i, m2i = x$m2i, sd2i = x$sd2i, n2i = x$n2i))
    check(ds, "escalc", list(yi = es$yi, vi = es$vi), list(yi = as.numeric(e$yi), vi = as.numeric(e$vi)), "closed")
    ok <- !is.na(e$yi) & !is.na(e$vi)
    yi <- as.numeric(e$yi)[ok]; vi <- as.numeric(e$vi)[ok]; xk <- x[ok, , drop = FALSE]

    # pool: every estimator x test
    for (meth in c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")) for (tst in c("z", "knha")) {
        j <- cj("pool", f, ms, "--method", meth, "--test", tst)
        fit <- rma(yi, vi, method = meth, test = tst, control = CTL)
        m <- pickm(fit)
        m$weight <- as.numeric(weights(fit))
        c <- j; c$weight <- j$studies$weight
        cls <- if (meth %in% ITER) "iter" else "closed"
        check(ds, paste("pool", meth, tst), c, m, cls)
        if (meth != "FE") {
            ci <- confint(fit, control = CCTL)$random
            check(ds, paste("pool", meth, tst, "QP CI"), j,
                  list(tau2_ci_lb = ci[1, 2], tau2_ci_ub = ci[1, 3], I2_ci_lb = ci[3, 2], I2_ci_ub = ci[3, 3]), "iter")
        }
    }

    fit <- rma(yi, vi, method = "REML", control = CTL)
    # loo / cumul (REML, z)
    map <- c(estimate = "estimate", se = "se", stat = "zval", pval = "pval", ci_lb = "ci.lb", ci_ub = "ci.ub",
             Q = "Q", Q_pval = "Qp", tau2 = "tau2", I2 = "I2", H2 = "H2")
    j <- cj("loo", f, ms)
    check(ds, "loo REML", colsm(j$leave1out, setNames(names(map), names(map))),
          colsm(as.data.frame(leave1out(fit)), map), "iter")
    j <- cj("cumul", f, ms)
    map["pval"] <- "pvals"                       # cumul's column name
    check(ds, "cumul REML", colsm(j$cumulative, setNames(names(map), names(map))),
          colsm(as.data.frame(cumul(fit)), map), "iter")

    # influence (REML)
    j <- cj("influence", f, ms)
    inf <- influence(fit)
    imap <- c(rstudent = "rstudent", dffits = "dffits", cook_d = "cook.d", cov_r = "cov.r",
              tau2_del = "tau2.del", QE_del = "QE.del", hat = "hat", weight = "weight")
    mi <- colsm(as.data.frame(inf$inf), imap)
    mi$dfbetas <- inf$dfbs[[1]]
    mi$influential <- as.numeric(inf$is.infl)
    ci <- colsm(j$influence, setNames(names(imap), names(imap)))
    ci$dfbetas <- j$influence$dfbetas[[1]]
    ci$influential <- as.numeric(j$influence$influential)
    check(ds, "influence REML", ci, mi, "iter")

    # bias: Egger (classical), Begg, trim and fill (REML), fail-safe N
    j <- cj("bias", f, ms)
    eg <- regtest(fit, model = "lm")
    check(ds, "bias egger", j$egger, list(stat = eg$zval, df = eg$dfs, pval = eg$pval, intercept = eg$est,
          ci_lb = eg$ci.lb, ci_ub = eg$ci.ub, slope = coef(eg$fit)[2], slope_se = sqrt(diag(vcov(eg$fit)))[2]), "closed")
    rk <- ranktest(fit)
    ties <- any(duplicated(yi)) || any(duplicated(vi))
    check(ds, "bias begg", j$begg, list(tau = rk$tau, pval = rk$pval), "closed",
          alt = if (!ties && length(yi) <= 170) list(tau = rk$tau, pval = kendall_p(rk$tau, length(yi))))
    tf <- trimfill(fit, control = CTL)
    jt <- j$trimfill
    jt$side <- as.numeric(jt$side == tf$side)
    check(ds, "bias trimfill REML", jt, list(k0 = tf$k0, side = 1, estimate = tf$beta[1], se = tf$se,
          pval = tf$pval, ci_lb = tf$ci.lb, ci_ub = tf$ci.ub, tau2 = tf$tau2), "iter")
    fr <- fsn(yi, vi); fo <- fsn(yi, vi, type = "Orwin")
    check(ds, "bias failsafe", j$failsafe, list(rosenthal = fr$fsnum, rosenthal_pval = fr$pval,
          orwin = fo$fsnum, orwin_mean = fo$meanes, orwin_target = fo$target), "closed")

    # regress: every estimator x test
    if (!is.null(d$mods)) {
        mv <- xk[[d$mods]]
        for (meth in c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")) for (tst in c("z", "knha")) {
            j <- cj("regress", f, ms, "--mods", d$mods, "--method", meth, "--test", tst)
            fr <- rma(yi, vi, mods = ~ mv, method = meth, test = tst, control = CTL)
            m <- list(coef = as.numeric(fr$beta), se = fr$se, stat = fr$zval, pval = fr$pval, ci_lb = fr$ci.lb,
                      ci_ub = fr$ci.ub, QM = fr$QM, QM_pval = fr$QMp, QE = fr$QE, QE_pval = fr$QEp,
                      tau2 = fr$tau2, I2 = fr$I2, H2 = fr$H2)
            if (meth != "FE") m$R2 <- fr$R2
            co <- j$coefficients
            c <- c(list(coef = co$estimate, se = co$se, stat = co$stat, pval = co$pval, ci_lb = co$ci_lb,
                        ci_ub = co$ci_ub), j[c("QM", "QM_pval", "QE", "QE_pval", "tau2", "I2", "H2", "R2")])
            alt <- NULL
            if (is.numeric(mv)) {     # the same model with the moderator centred; intercept mapped back
                mb <- mean(mv)
                fc <- rma(yi, vi, mods = ~ I(mv - mb), method = meth, test = tst, control = CTL)
                b <- as.numeric(fc$beta); V <- vcov(fc)
                b[1] <- b[1] - mb * b[2]
                se <- c(sqrt(V[1, 1] - 2 * mb * V[1, 2] + mb^2 * V[2, 2]), sqrt(V[2, 2]))
                crit <- if (tst == "knha") qt(0.975, fc$dfs) else qnorm(0.975)
                pv <- if (tst == "knha") 2 * pt(-abs(b / se), fc$dfs) else 2 * pnorm(-abs(b / se))
                alt <- list(coef = b, se = se, stat = b / se, pval = pv, ci_lb = b - crit * se, ci_ub = b + crit * se,
                            QM = fc$QM, QM_pval = fc$QMp, QE = fc$QE, QE_pval = fc$QEp, tau2 = fc$tau2, I2 = fc$I2, H2 = fc$H2)
                if (meth != "FE") alt$R2 <- fc$R2
            }
            check(ds, paste("regress", meth, tst), c, m, if (meth %in% ITER) "iter" else "closed", alt)
        }
    }

    # Mantel-Haenszel and Peto
    if (d$binary) {
        b <- x[!is.na(x$ai), ]
        mm <- function(fit) list(estimate = fit$beta[1], se = fit$se, stat = fit$zval, pval = fit$pval,
                                 ci_lb = fit$ci.lb, ci_ub = fit$ci.ub, Q = fit$QE, Q_pval = fit$QEp, I2 = fit$I2, H2 = fit$H2)
        j <- cj("pool", f, ms, "--method", "MH")
        check(ds, "pool MH", j, mm(rma.mh(ai = b$ai, n1i = b$n1i, ci = b$ci, n2i = b$n2i, measure = d$measure)), "closed")
        if (d$measure == "OR") {
            j <- cj("pool", f, ms, "--method", "PETO")
            check(ds, "pool PETO", j, mm(rma.peto(ai = b$ai, n1i = b$n1i, ci = b$ci, n2i = b$n2i)), "closed")
        }
    }
}

## ---- report -----------------------------------------------------------------------------------
fmt <- function(v) formatC(v, format = "e", digits = 1)
cat(sprintf("%-24s %-26s %5s %6s %10s %-14s %7s %-7s %s\n", "dataset", "check", "keys", "values", "max diff", "worst key", "tol", "verdict", "(vs better-conditioned)"))
for (i in seq_len(nrow(R))) with(R[i, ], cat(sprintf("%-24s %-26s %5d %6d %10s %-14s %7s %-7s %s\n",
    dataset, check, keys, n, fmt(maxdiff), worst, fmt(tol), verdict, if (is.na(altdiff)) "" else fmt(altdiff))))

# summary per command family (pool, pool QP CI, loo, cumul, ...)
fam <- sub(" (FE|DL|HE|HS|SJ|ML|REML|EB|PM|MH|PETO)( (z|knha))?", "", R$check)
fam <- ifelse(grepl("QP CI", R$check), "pool tau2/I2 CI (Q-profile)", fam)
fam[R$check %in% c("pool MH", "pool PETO")] <- R$check[R$check %in% c("pool MH", "pool PETO")]
fam[fam == "pool"] <- ifelse(grepl(paste(ITER, collapse = "|"), R$check[fam == "pool"]), "pool ML REML EB PM", "pool FE DL HE HS SJ")
fam[fam == "regress"] <- ifelse(grepl(paste(ITER, collapse = "|"), R$check[fam == "regress"]), "regress ML REML EB PM", "regress FE DL HE HS SJ")
S <- do.call(rbind, lapply(split(seq_len(nrow(R)), factor(fam, levels = unique(fam))), function(i)
    data.frame(command = fam[i[1]], datasets = length(unique(R$dataset[i])), checks = length(i),
               values = sum(R$n[i]), maxdiff = max(R$maxdiff[i]), tol = max(R$tol[i]), fails = sum(!R$ok[i]),
               star = sum(R$verdict[i] %in% c("ok*", "ok0")),
               altmax = if (any(R$verdict[i] %in% c("ok*", "ok0"))) fmt(max(R$altdiff[i], na.rm = TRUE)) else "-")))
cat("\nper command:\n")
cat(sprintf("%-30s %8s %7s %7s %10s %7s %5s %s\n", "command", "datasets", "checks", "values", "max diff", "tol", "fails", "ok* (max diff vs better-conditioned)"))
for (i in seq_len(nrow(S))) with(S[i, ], cat(sprintf("%-30s %8d %7d %7d %10s %7s %5d %d (%s)\n",
    command, datasets, checks, values, fmt(maxdiff), fmt(tol), fails, star, altmax)))
cat(sprintf("\n%d data sets, %d checks, %d values compared; %d beyond tolerance (FAIL), %d ok* (metafor loses digits; cmeta within tolerance of the better-conditioned computation), %d ok0 (metafor's tiny tau^2 vs cmeta's 0); largest difference %s (%s, %s)\n",
    length(unique(R$dataset)), nrow(R), sum(R$n), sum(!R$ok), sum(R$verdict == "ok*"), sum(R$verdict == "ok0"), fmt(max(R$maxdiff)),
    R$dataset[which.max(R$maxdiff)], R$check[which.max(R$maxdiff)]))

if (nzchar(mdout)) {
    P <- do.call(rbind, lapply(split(seq_len(nrow(R)), factor(R$dataset, levels = unique(R$dataset))), function(i) {
        cl <- i[R$tol[i] == TOL[["closed"]]]; it <- i[R$tol[i] == TOL[["iter"]]]
        data.frame(dataset = R$dataset[i[1]], checks = length(i), values = sum(R$n[i]),
                   closed = if (length(cl)) fmt(max(R$maxdiff[cl])) else "-",
                   iter = if (length(it)) fmt(max(R$maxdiff[it])) else "-", fails = sum(!R$ok[i]),
                   star = sum(R$verdict[i] %in% c("ok*", "ok0")))
    }))
    con <- file(mdout, "w")
    writeLines(c("| data set, measure | checks | values | max diff, closed forms (tol 1e-8) | max diff, iterative (tol 1e-6) | FAIL | ok* or ok0 |",
                 "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
                 sprintf("| %s | %d | %d | %s | %s | %d | %d |", P$dataset, P$checks, P$values, P$closed, P$iter, P$fails, P$star), "",
                 "| command | data sets | checks | values | max diff vs metafor | tol | FAIL | ok* or ok0 (max diff vs the better-conditioned or boundary reference) |",
                 "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                 sprintf("| %s | %d | %d | %d | %s | %s | %d | %d (%s) |", S$command, S$datasets, S$checks, S$values,
                         fmt(S$maxdiff), fmt(S$tol), S$fails, S$star, S$altmax)), con)
    close(con)
}
quit(status = if (all(R$ok)) 0 else 1)
