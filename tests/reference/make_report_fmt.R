# make_report_fmt.R - the cells tests/test_report.c expects from cmeta_fmt_num(x, 4).
# metafor 3.8 prints table numbers with .fcf(x, 4) = formatC(x, digits = 4, format = "f").
# cmeta keeps that for |x| < 1e15 and writes larger magnitudes as formatC(format = "e"), since
# formatC's fixed form there shows digits no double holds (e.g. -3e45 ->
# "-3000000000000000106184517130664004033968078848.0000"). Run: Rscript make_report_fmt.R
x <- c(0, 1e-300, -1e-300, 1e-5, 4.9999e-5, 5.0001e-5, 0.12345, -0.12345, 1, -1, 123.456789,
       99999.99995, 1e14, -1e14, 999999999999999, 1e15, -1e15, 2e100, -3e45, 1e300, -1e300,
       1.7976931348623157e308)
cell <- ifelse(abs(x) < 1e15, formatC(x, digits = 4, format = "f"), formatC(x, digits = 4, format = "e"))
for (i in seq_along(x)) cat(sprintf("    {%s, \"%s\"},\n", sprintf("%.17g", x[i]), cell[i]))
