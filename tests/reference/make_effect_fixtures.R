# make_effect_fixtures.R - reference yi/vi from R metafor 3.8 escalc() for tests/test_effect.c.
#
# Run from the source tree root:  Rscript tests/reference/make_effect_fixtures.R
# Writes tests/reference/effect/<name>_input.csv (the study inputs) and
# tests/reference/effect/<name>_results.csv (one row per configuration x study:
# measure, vtype, add (NA = not given: metafor's default), to, drop00, study (1-based), yi, vi),
# numbers at 17 significant digits.
suppressMessages({ library(metafor); library(metadat) })
stopifnot(packageVersion("metafor") >= "3.8")
out <- "tests/reference/effect"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
f17 <- function(x) ifelse(is.na(x), "NA", format(x, digits = 17))

write_input <- function(name, df) {
  d <- as.data.frame(lapply(df, f17), stringsAsFactors = FALSE)
  write.csv(d, file.path(out, paste0(name, "_input.csv")), row.names = FALSE, quote = FALSE)
}

# configs: data frame with measure, vtype, add (NA = default), to, drop00
run <- function(name, df, args, configs) {
  write_input(name, df)
  rows <- list()
  for (j in seq_len(nrow(configs))) {
    cf <- configs[j, ]
    a <- c(list(measure = cf$measure, vtype = cf$vtype, to = cf$to, drop00 = cf$drop00,
                data = df), args)
    if (!is.na(cf$add)) a$add <- cf$add
    es <- suppressWarnings(do.call(escalc, a))
    rows[[j]] <- data.frame(measure = cf$measure, vtype = cf$vtype,
                            add = ifelse(is.na(cf$add), "NA", format(cf$add)),
                            to = cf$to, drop00 = as.integer(cf$drop00),
                            study = seq_len(nrow(df)), yi = f17(as.vector(es$yi)),
                            vi = f17(as.vector(es$vi)), stringsAsFactors = FALSE)
  }
  res <- do.call(rbind, rows)
  write.csv(res, file.path(out, paste0(name, "_results.csv")), row.names = FALSE, quote = FALSE)
  cat(name, ":", nrow(configs), "configurations,", nrow(res), "rows\n")
}

grid <- function(mv, add = NA, to = "only0", drop00 = FALSE) {
  g <- do.call(rbind, lapply(names(mv), function(m)
    expand.grid(measure = m, vtype = mv[[m]], add = add, to = to, drop00 = drop00,
                stringsAsFactors = FALSE)))
  g
}

## two groups, continuous: Normand (1999), length of hospital stay
d <- dat.normand1999[, c("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")]
run("cont2_normand1999", d,
    list(m1i = quote(m1i), sd1i = quote(sd1i), n1i = quote(n1i),
         m2i = quote(m2i), sd2i = quote(sd2i), n2i = quote(n2i)),
    grid(list(SMD = c("LS", "UB", "LS2", "AV"), SMD1 = c("LS", "UB", "LS2", "AV"),
              SMDH = c("LS", "LS2"), MD = c("LS", "UB", "HO"),
              ROM = c("LS", "HO", "AV", "AVHO"))))

## one group, pre/post: Morris (2008), five training studies from Carlson & Schmidt (1999),
## treatment then control groups (published means, SDs, n and the pre-post r).
## m1i sd1i = post-test, m2i sd2i = pre-test.
mp <- data.frame(
  m_pre   = c(30.6, 23.5, 0.5, 53.4, 35.6, 23.1, 24.9, 0.6, 55.7, 34.8),
  m_post  = c(38.5, 26.8, 0.7, 75.9, 36.0, 19.7, 25.3, 0.6, 60.7, 33.4),
  sd_pre  = c(15.0, 3.1, 0.1, 14.5, 4.7, 13.8, 4.1, 0.2, 17.3, 3.1),
  sd_post = c(11.6, 4.1, 0.1, 4.4, 4.6, 14.8, 3.3, 0.2, 17.9, 6.9),
  ni      = c(20, 50, 9, 10, 14, 20, 42, 9, 11, 14),
  ri      = c(0.47, 0.64, 0.77, 0.89, 0.44, 0.47, 0.64, 0.77, 0.89, 0.44))
d <- data.frame(m1i = mp$m_post, sd1i = mp$sd_post, m2i = mp$m_pre, sd2i = mp$sd_pre,
                ni = mp$ni, ri = mp$ri)
pp <- list(m1i = quote(m1i), sd1i = quote(sd1i), m2i = quote(m2i), sd2i = quote(sd2i),
           ni = quote(ni), ri = quote(ri))
run("prepost_morris2008", d, pp,
    grid(list(MC = "LS", SMCC = c("LS", "LS2"), SMCR = c("LS", "LS2"), SMCRH = "LS",
              ROMC = "LS")))
## the same with sd1i = pre-test SD (metafor's own Morris 2008 example for SMCR)
d2 <- data.frame(m1i = mp$m_post, sd1i = mp$sd_pre, m2i = mp$m_pre, sd2i = mp$sd_post,
                 ni = mp$ni, ri = mp$ri)
run("prepost_morris2008_sdpre", d2, pp,
    grid(list(SMCR = c("LS", "LS2"), SMCRH = "LS")))

## two groups, binary
bin <- list(OR = "LS", RR = "LS", RD = c("LS", "UB", "AV"), PETO = "LS", AS = "LS")
tos <- c("only0", "all", "if0all", "none")
bingrid <- rbind(grid(bin, add = c(NA, 1), to = tos, drop00 = c(FALSE, TRUE)))
ab <- list(ai = quote(ai), bi = quote(bi), ci = quote(ci), di = quote(di))
# BCG vaccine trials (Colditz et al. 1994)
d <- with(dat.bcg, data.frame(ai = tpos, bi = tneg, ci = cpos, di = cneg))
run("bin2_bcg", d, ab, bingrid)
# central venous catheters (Niel-Weise et al. 2007): zero cells and one double-zero table
d <- with(dat.nielweise2007, data.frame(ai = ai, bi = n1i - ai, ci = ci, di = n2i - ci))
run("bin2_nielweise2007", d, ab, bingrid)
# diuretics in pregnancy, stillbirth (Collins et al. 1985): zero cells, double zeros, a missing study
d <- with(dat.collins1985b, data.frame(ai = stb.xti, bi = fup.nti - stb.xti,
                                       ci = stb.xci, di = fup.nci - stb.xci))
run("bin2_collins1985b", d, ab, bingrid)

## one group, proportions
prop <- list(PR = c("LS", "UB", "AV"), PLN = c("LS", "AV"), PLO = c("LS", "AV"),
             PAS = "LS", PFT = "LS")
propgrid <- grid(prop, add = c(NA, 1), to = tos)
xn <- list(xi = quote(xi), ni = quote(ni))
# Pritz (1997): includes studies with xi = ni
run("prop_pritz1997", dat.pritz1997[, c("xi", "ni")], xn, propgrid)
run("prop_debruin2009", dat.debruin2009[, c("xi", "ni")], xn, propgrid)
# treated arm of Niel-Weise (2007): includes xi = 0
d <- with(dat.nielweise2007, data.frame(xi = ai, ni = n1i))
run("prop_nielweise2007", d, xn, propgrid)

## correlations: Molloy et al. (2014), conscientiousness and medication adherence
d <- dat.molloy2014[, c("ri", "ni")]
run("cor_molloy2014", d, list(ri = quote(ri), ni = quote(ni)),
    grid(list(COR = c("LS", "AV"), UCOR = c("LS", "UB", "AV"), ZCOR = "LS")))

## precomputed: log risk ratios of the BCG trials given as yi with vi, and as yi with sei
es <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
d <- data.frame(yi = as.vector(es$yi), vi = as.vector(es$vi), sei = sqrt(as.vector(es$vi)))
run("gen_bcg_vi", d, list(yi = quote(yi), vi = quote(vi)), grid(list(GEN = "LS")))
run("gen_bcg_sei", d, list(yi = quote(yi), sei = quote(sei)), grid(list(GEN = "LS")))

## large samples: SMD with n = 1e7 per arm (the exact J must neither overflow nor lose digits).
## vtype UB is left out: metafor forms 1 - (m-2)/(m J^2) ~ 1/(2m) by cancellation and keeps only
## about 3 digits of it at this n; cmeta computes it without cancellation (test_effect.c checks
## it against the asymptotic 1/(2m) instead).
d <- data.frame(m1i = c(10.3, 5), sd1i = c(2.1, 1), n1i = c(1e7, 3000),
                m2i = c(10.1, 4.5), sd2i = c(2.3, 1.2), n2i = c(1e7, 2500))
run("cont2_large", d,
    list(m1i = quote(m1i), sd1i = quote(sd1i), n1i = quote(n1i),
         m2i = quote(m2i), sd2i = quote(sd2i), n2i = quote(n2i)),
    grid(list(SMD = c("LS", "LS2"), SMDH = "LS")))
