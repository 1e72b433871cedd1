/* report_mv.c - a multilevel / multivariate fit (cmeta/mv.h) as metafor 3.8's summary of an
 * rma.mv fit prints it (print.rma.mv with showfit = TRUE), and as JSON and CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmeta/mv.h"
#include "cmeta/robust.h"

/* metafor's position of the UN correlation of levels a != b (lower triangle by columns) */
static size_t un_pos(size_t L, size_t a, size_t b)
{
    if (a < b) {
        size_t t = a;
        a = b, b = t;
    }
    return b * L - b * (b + 1) / 2 + (a - b - 1);
}

/* metafor's fit-statistics line: print(fs, quote = FALSE, print.gap = 2) of a named character
 * vector (every entry right-aligned to the widest name or value) through .print.table */
static void fitstats_text(FILE *fp, const cmeta_mv_fit *f)
{
    const char *nm[5] = {"logLik", "Deviance", "AIC", "BIC", "AICc"};
    const double v[5] = {f->ll, f->deviance, f->AIC, f->BIC, f->AICc};
    char cell[5][CMETA_FMT_CELL];
    size_t w = 0;
    for (int i = 0; i < 5; i++) {
        cmeta_fmt_num(cell[i], sizeof cell[i], v[i], 4);
        if (strlen(cell[i]) > w) w = strlen(cell[i]);
        if (strlen(nm[i]) > w) w = strlen(nm[i]);
    }
    for (int i = 0; i < 5; i++) fprintf(fp, "%s%*s", i ? "  " : "", (int)w, nm[i]);
    fputs("   \n", fp);
    for (int i = 0; i < 5; i++) fprintf(fp, "%s%*s", i ? "  " : "", (int)w, cell[i]);
    fputs("   \n", fp);
}

/* R's abbreviate(x) (minlength 4) for the UN table's column names: spaces after the first
 * character dropped, then lower-case vowels from the right, then lower-case letters from the
 * right (a word's first letter kept), then any character from the right but the first. */
static void abbreviate4(const char *x, char *out, size_t cap)
{
    char b[CMETA_FMT_CELL];
    snprintf(b, sizeof b, "%s", x);
    size_t n = strlen(b);
    for (int pass = 0; pass < 4 && n > 4; pass++)
        for (size_t i = n; i-- > 1 && n > 4;) {
            char ch = b[i];
            int first = b[i - 1] == ' ';
            int drop = pass == 0   ? ch == ' '
                       : pass == 1 ? !first && strchr("aeiou", ch) && ch
                       : pass == 2 ? !first && ch >= 'a' && ch <= 'z'
                                   : 1;
            if (drop) {
                memmove(b + i, b + i + 1, n - i);
                n--;
            }
        }
    snprintf(out, cap, "%s", b);
}

/* metafor's print of an `inner | outer` term (print.rma.mv, withG) */
static cmeta_status term_text(FILE *fp, const cmeta_mv_fit *f)
{
    size_t L = f->ninner, nt = f->ntau2, nr = f->nrho;
    cmeta_mv_structure st = f->structure;
    size_t wi = strlen(f->inner_name), wo = strlen(f->outer_name), mw = wi > wo ? wi : wo;
    fputs("outer factor: ", fp);
    cmeta_text_put(fp, f->outer_name);
    fprintf(fp, "%*s (nlvls = %zu)\ninner factor: ", (int)(mw - wo), "", f->nouter);
    cmeta_text_put(fp, f->inner_name);
    fprintf(fp, "%*s (nlvls = %zu)\n\n", (int)(mw - wi), "", L);
    cmeta_status stt = CMETA_OK;
    int hom = st == CMETA_MV_CS || st == CMETA_MV_AR || st == CMETA_MV_ID;
    int onerho = st == CMETA_MV_CS || st == CMETA_MV_AR || st == CMETA_MV_HCS || st == CMETA_MV_HAR;
    size_t nrows = nt + (onerho ? 1 : 0), nc = hom ? 3 : 5;
    cmeta_text_table t;
    if (cmeta_text_table_init(&t, nrows, nc) != CMETA_OK) return CMETA_ENOMEM;
    char **rn = cmeta_calloc(nrows, sizeof *rn), *rbuf = cmeta_calloc(nrows, 32);
    if (!rn || !rbuf) {
        cmeta_free(rn), cmeta_free(rbuf), cmeta_text_table_free(&t);
        return CMETA_ENOMEM;
    }
    for (size_t q = 0; q < nrows; q++) rn[q] = rbuf + 32 * q;
    for (size_t q = 0; q < nt; q++) {
        if (hom) snprintf(rn[q], 32, "tau^2    ");
        else if (nt == 1) snprintf(rn[q], 32, st == CMETA_MV_UN ? "tau^2" : "tau^2   ");
        else snprintf(rn[q], 32, "tau^2.%zu  ", q + 1);
        cmeta_text_table_num(&t, q, 0, f->tau2[q], 4);
        cmeta_text_table_num(&t, q, 1, sqrt(f->tau2[q]), 4);
        if (hom) cmeta_text_table_str(&t, q, 2, f->tau2_fixed[q] ? "yes" : "no");
        else {
            snprintf(t.buf[q * nc + 2], CMETA_FMT_CELL, "%zu", f->k_lvl[q]);
            cmeta_text_table_str(&t, q, 3, f->tau2_fixed[q] ? "yes" : "no");
            cmeta_text_table_str(&t, q, 4, f->inner_labels[q]);
        }
    }
    if (onerho) {
        snprintf(rn[nt], 32, "rho");
        if (nr) cmeta_text_table_num(&t, nt, 0, f->rho[0], 4);
        else cmeta_text_table_str(&t, nt, 0, "0");
        cmeta_text_table_str(&t, nt, hom ? 2 : 3, !nr || f->rho_fixed[0] ? "yes" : "no");
    }
    const char *ch[3] = {"estim", "sqrt", "fixed"}, *cht[5] = {"estim", "sqrt", "k.lvl", "fixed", "level"};
    stt = cmeta_text_frame(fp, (const char *const *)rn, nrows, hom ? ch : cht, nc, t.cell, 2, 80);
    cmeta_free(rn), cmeta_free(rbuf), cmeta_text_table_free(&t);
    if (stt != CMETA_OK || st != CMETA_MV_UN) return stt;
    /* UN: the correlations (lower triangle, 1 on the diagonal) beside, after an empty column,
     * the number of outer levels holding both levels (upper) and whether rho is fixed (lower) */
    fputc('\n', fp);
    size_t n2 = 2 * L + 1, Lr = L < 2 ? 2 : L; /* metafor shows a 2 x 2 table for a single level */
    n2 = 2 * Lr + 1;
    if (cmeta_text_table_init(&t, Lr, n2) != CMETA_OK) return CMETA_ENOMEM;
    char **cn = cmeta_calloc(n2, sizeof *cn), *cbuf = cmeta_calloc(n2, CMETA_FMT_CELL);
    const char **rl = cmeta_calloc(Lr, sizeof *rl);
    if (!cn || !cbuf || !rl) {
        cmeta_free(cn), cmeta_free(cbuf), cmeta_free(rl), cmeta_text_table_free(&t);
        return CMETA_ENOMEM;
    }
    for (size_t a = 0; a < Lr; a++) {
        char ab[CMETA_FMT_CELL - 8];
        const char *lab = a < L ? f->inner_labels[a] : "NA";
        abbreviate4(lab, ab, sizeof ab);
        cn[a] = cbuf + a * CMETA_FMT_CELL, cn[Lr + 1 + a] = cbuf + (Lr + 1 + a) * CMETA_FMT_CELL;
        snprintf(cn[a], CMETA_FMT_CELL, "rho.%s", ab);
        snprintf(cn[Lr + 1 + a], CMETA_FMT_CELL, "%s", ab);
        rl[a] = lab;
    }
    cn[Lr] = cbuf + Lr * CMETA_FMT_CELL;
    for (size_t a = 0; a < Lr; a++)
        for (size_t b = 0; b < Lr; b++) {
            size_t q = a != b && L >= 2 ? un_pos(L, a, b) : 0;
            if (a == b) {
                cmeta_text_table_str(&t, a, b, "1");
                cmeta_text_table_str(&t, a, Lr + 1 + b, "-");
            } else if (a > b) {
                if (L >= 2) cmeta_text_table_num(&t, a, b, f->rho[q], 4);
                cmeta_text_table_str(&t, a, Lr + 1 + b, L >= 2 && !f->rho_fixed[q] ? "no" : "yes");
            } else if (L >= 2)
                snprintf(t.buf[a * n2 + Lr + 1 + b], CMETA_FMT_CELL, "%zu", f->k_comb[q]);
        }
    stt = cmeta_text_frame(fp, rl, Lr, (const char *const *)cn, n2, t.cell, 2, 80);
    cmeta_free(cn), cmeta_free(cbuf), cmeta_free(rl), cmeta_text_table_free(&t);
    return stt;
}

static cmeta_status mv_text(FILE *fp, const cmeta_mv_fit *f, const char *const *coef,
                            const char *const *comp)
{
    char a[CMETA_FMT_CELL], b[64], c[96];
    cmeta_status st;
    fprintf(fp, "\nMultivariate Meta-Analysis Model (k = %zu; method: %s)\n\n", f->k,
            cmeta_method_name(f->method));
    fitstats_text(fp, f);
    fputs("\nVariance Components:\n\n", fp);
    if (f->s) {
        size_t s = f->s;
        const char *cols[5] = {"estim", "sqrt", "nlvls", "fixed", "factor"};
        cmeta_text_table t;
        if (cmeta_text_table_init(&t, s, 5) != CMETA_OK) return CMETA_ENOMEM;
        char **rn = cmeta_calloc(s, sizeof *rn);
        char *rbuf = cmeta_calloc(s, 32);
        if (!rn || !rbuf) {
            cmeta_free(rn), cmeta_free(rbuf), cmeta_text_table_free(&t);
            return CMETA_ENOMEM;
        }
        for (size_t q = 0; q < s; q++) {
            rn[q] = rbuf + 32 * q;
            if (s == 1) snprintf(rn[q], 32, "sigma^2  ");
            else snprintf(rn[q], 32, "sigma^2.%zu", q + 1);
            cmeta_text_table_num(&t, q, 0, f->sigma2[q], 4);
            cmeta_text_table_num(&t, q, 1, sqrt(f->sigma2[q]), 4);
            snprintf(t.buf[q * 5 + 2], CMETA_FMT_CELL, "%zu", f->nlvls[q]);
            cmeta_text_table_str(&t, q, 3, f->sigma2_fixed[q] ? "yes" : "no");
            cmeta_text_table_str(&t, q, 4, comp[q]);
        }
        st = cmeta_text_frame(fp, (const char *const *)rn, s, cols, 5, t.cell, 2, 80);
        cmeta_free(rn), cmeta_free(rbuf), cmeta_text_table_free(&t);
        if (st != CMETA_OK) return st;
        fputc('\n', fp);
    }
    if (f->has_term) {
        if ((st = term_text(fp, f)) != CMETA_OK) return st;
        fputc('\n', fp);
    }
    int intonly = f->intercept && f->p == 1; /* metafor's int.only */
    cmeta_fmt_num(a, sizeof a, f->QE, 4);
    cmeta_fmt_pval_eq(c, sizeof c, "p-val", f->QE_pval);
    if (!intonly)
        fprintf(fp, "Test for Residual Heterogeneity:\nQE(df = %.0f) = %s, %s\n\n", f->QE_df, a, c);
    else
        fprintf(fp, "Test for Heterogeneity:\nQ(df = %.0f) = %s, %s\n\n", f->QE_df, a, c);
    int tt = f->test == CMETA_TEST_T;
    if (!intonly && isfinite(f->QM)) {
        size_t from = f->btt_from;
        if (from == f->p) snprintf(b, sizeof b, "coefficient %zu", from);
        else snprintf(b, sizeof b, "coefficients %zu:%zu", from, f->p);
        cmeta_fmt_num(a, sizeof a, f->QM, 4);
        cmeta_fmt_pval_eq(c, sizeof c, "p-val", f->QM_pval);
        if (tt)
            fprintf(fp, "Test of Moderators (%s):\nF(df1 = %.0f, df2 = %g) = %s, %s\n\n", b, f->QM_df,
                    f->df, a, c);
        else
            fprintf(fp, "Test of Moderators (%s):\nQM(df = %.0f) = %s, %s\n\n", b, f->QM_df, a, c);
    }
    size_t nc = tt ? 8 : 7, p = f->p;
    const char *cols[8];
    size_t n = 0;
    cols[n++] = "estimate";
    cols[n++] = "se";
    cols[n++] = tt ? "tval" : "zval";
    if (tt) cols[n++] = "df";
    cols[n++] = "pval";
    cols[n++] = "ci.lb";
    cols[n++] = "ci.ub";
    cols[n++] = "";
    cmeta_text_table t;
    if (cmeta_text_table_init(&t, p, nc) != CMETA_OK) return CMETA_ENOMEM;
    for (size_t i = 0; i < p; i++) {
        size_t j = 0;
        cmeta_text_table_num(&t, i, j++, f->beta[i], 4);
        cmeta_text_table_num(&t, i, j++, f->se[i], 4);
        cmeta_text_table_num(&t, i, j++, f->stat[i], 4);
        if (tt) snprintf(t.buf[i * nc + j++], CMETA_FMT_CELL, "%g", f->df);
        cmeta_text_table_pval(&t, i, j++, f->pval[i], 4);
        cmeta_text_table_num(&t, i, j++, f->ci_lb[i], 4);
        cmeta_text_table_num(&t, i, j++, f->ci_ub[i], 4);
        cmeta_text_table_str(&t, i, j++, cmeta_signif_stars(f->pval[i]));
    }
    char lv[32];
    cmeta_fmt_level(lv, sizeof lv, f->level);
    fprintf(fp, "Model Results (%s):\n\n", lv);
    /* an intercept-only model's row has no name (metafor prints it so) */
    if (intonly) { /* no row names: R prints the first column without the gap */
        for (int pass = 0; pass < 2; pass++) {
            for (size_t j = 0; j < nc; j++) {
                size_t wj = strlen(cols[j]), wc = strlen(t.cell[j]);
                int width = (int)(wj > wc ? wj : wc) + (j ? 2 : 0);
                fprintf(fp, "%*s", width, pass ? t.cell[j] : cols[j]);
            }
            fputs(" \n", fp);
        }
        st = CMETA_OK;
    } else
        st = cmeta_text_frame(fp, coef, p, cols, nc, t.cell, 2, 80);
    fputs("\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n", fp);
    cmeta_text_table_free(&t);
    return st;
}

/* metafor 3.8's print.anova.rma for two rma.mv fits (type LRT): a data frame printed with
 * print(res.table, quote = FALSE, right = TRUE) through .print.table: row names left-aligned,
 * every column right-aligned to its widest cell or name, one space between, a blank line
 * before and after; the full model's LRT and pval cells are empty. */
static void compare_text(FILE *fp, const cmeta_mv_compare *c)
{
    const char *cols[8] = {"df", "AIC", "BIC", "AICc", "logLik", "LRT", "pval", "QE"};
    char cell[2][8][CMETA_FMT_CELL];
    for (int r = 0; r < 2; r++) {
        snprintf(cell[r][0], CMETA_FMT_CELL, "%.0f", c->df[r]);
        cmeta_fmt_num(cell[r][1], CMETA_FMT_CELL, c->AIC[r], 4);
        cmeta_fmt_num(cell[r][2], CMETA_FMT_CELL, c->BIC[r], 4);
        cmeta_fmt_num(cell[r][3], CMETA_FMT_CELL, c->AICc[r], 4);
        cmeta_fmt_num(cell[r][4], CMETA_FMT_CELL, c->ll[r], 4);
        cmeta_fmt_num(cell[r][7], CMETA_FMT_CELL, c->QE[r], 4);
    }
    cell[0][5][0] = cell[0][6][0] = '\0';
    cmeta_fmt_num(cell[1][5], CMETA_FMT_CELL, c->LRT, 4);
    cmeta_fmt_pval(cell[1][6], CMETA_FMT_CELL, c->pval, 4);
    int w[8];
    for (int j = 0; j < 8; j++) {
        size_t m = strlen(cols[j]);
        for (int r = 0; r < 2; r++)
            if (strlen(cell[r][j]) > m) m = strlen(cell[r][j]);
        w[j] = (int)m;
    }
    fputs("\n       ", fp);
    for (int j = 0; j < 8; j++) fprintf(fp, " %*s", w[j], cols[j]);
    fputs(" \n", fp);
    for (int r = 0; r < 2; r++) {
        fputs(r ? "Reduced" : "Full   ", fp);
        for (int j = 0; j < 8; j++) fprintf(fp, " %*s", w[j], cell[r][j]);
        fputs(" \n", fp);
    }
    fputc('\n', fp);
}

static void compare_json(FILE *fp, const cmeta_mv_compare *c, int *first)
{
    cmeta_json_key(fp, "compare", first);
    fputc('{', fp);
    int f1 = 1;
    for (int r = 0; r < 2; r++) {
        cmeta_json_key(fp, r ? "reduced" : "full", &f1);
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_kv(fp, "df", c->df[r], &f2);
        cmeta_json_kv(fp, "AIC", c->AIC[r], &f2);
        cmeta_json_kv(fp, "BIC", c->BIC[r], &f2);
        cmeta_json_kv(fp, "AICc", c->AICc[r], &f2);
        cmeta_json_kv(fp, "logLik", c->ll[r], &f2);
        cmeta_json_kv(fp, "QE", c->QE[r], &f2);
        fputc('}', fp);
    }
    cmeta_json_kv(fp, "LRT", c->LRT, &f1);
    cmeta_json_kv(fp, "df", c->LRT_df, &f1);
    cmeta_json_kv(fp, "pval", c->pval, &f1);
    fputc('}', fp);
}

static void json_nums(FILE *fp, const char *key, const double *x, size_t n, int *first)
{
    cmeta_json_key(fp, key, first);
    fputc('[', fp);
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', fp);
        cmeta_json_num(fp, x[i]);
    }
    fputc(']', fp);
}

/* rho as JSON: one value (CS, HCS, AR, HAR), none (ID, DIAG), or for UN the L x L matrix as
 * rows (diag: the diagonal's value, 1 for the estimates, null for CIs) */
static void json_rho(FILE *fp, const char *key, const cmeta_mv_fit *f, const double *x, double diag, int *first)
{
    if (f->structure != CMETA_MV_UN) {
        json_nums(fp, key, x, f->nrho, first);
        return;
    }
    size_t L = f->ninner;
    cmeta_json_key(fp, key, first);
    fputc('[', fp);
    for (size_t a = 0; a < L; a++) {
        fputs(a ? ",[" : "[", fp);
        for (size_t b = 0; b < L; b++) {
            if (b) fputc(',', fp);
            cmeta_json_num(fp, a == b ? diag : x[un_pos(L, a, b)]);
        }
        fputc(']', fp);
    }
    fputc(']', fp);
}

static void term_json(FILE *fp, const cmeta_mv_fit *f, int *first)
{
    cmeta_json_key(fp, "struct", first);
    cmeta_json_str(fp, cmeta_mv_structure_name(f->structure));
    cmeta_json_key(fp, "inner", first);
    cmeta_json_str(fp, f->inner_name);
    cmeta_json_key(fp, "outer", first);
    cmeta_json_str(fp, f->outer_name);
    cmeta_json_key(fp, "nlvls_inner", first);
    fprintf(fp, "%zu", f->ninner);
    cmeta_json_key(fp, "nlvls_outer", first);
    fprintf(fp, "%zu", f->nouter);
    cmeta_json_key(fp, "inner_levels", first);
    fputc('[', fp);
    for (size_t a = 0; a < f->ninner; a++) {
        if (a) fputc(',', fp);
        cmeta_json_str(fp, f->inner_labels[a]);
    }
    fputc(']', fp);
    cmeta_json_key(fp, "k_lvl", first);
    fputc('[', fp);
    for (size_t a = 0; a < f->ninner; a++) fprintf(fp, a ? ",%zu" : "%zu", f->k_lvl[a]);
    fputc(']', fp);
    json_nums(fp, "tau2", f->tau2, f->ntau2, first);
    cmeta_json_key(fp, "tau2_fixed", first);
    fputc('[', fp);
    for (size_t q = 0; q < f->ntau2; q++) fprintf(fp, "%s%s", q ? "," : "", f->tau2_fixed[q] ? "true" : "false");
    fputc(']', fp);
    json_nums(fp, "tau2_ci_lb", f->tau2_ci_lb, f->ntau2, first);
    json_nums(fp, "tau2_ci_ub", f->tau2_ci_ub, f->ntau2, first);
    json_rho(fp, "rho", f, f->rho, 1, first);
    cmeta_json_key(fp, "rho_fixed", first);
    fputc('[', fp);
    if (f->structure == CMETA_MV_UN)
        for (size_t a = 0; a < f->ninner; a++) {
            fputs(a ? ",[" : "[", fp);
            for (size_t b = 0; b < f->ninner; b++)
                fprintf(fp, "%s%s", b ? "," : "",
                        a == b ? "true" : f->rho_fixed[un_pos(f->ninner, a, b)] ? "true" : "false");
            fputc(']', fp);
        }
    else
        for (size_t q = 0; q < f->nrho; q++) fprintf(fp, "%s%s", q ? "," : "", f->rho_fixed[q] ? "true" : "false");
    fputc(']', fp);
    json_rho(fp, "rho_ci_lb", f, f->rho_ci_lb, NAN, first);
    json_rho(fp, "rho_ci_ub", f, f->rho_ci_ub, NAN, first);
}

static void mv_json(FILE *fp, const cmeta_mv_fit *f, const char *const *coef,
                    const char *const *comp, const char *measure, const cmeta_mv_compare *cmp,
                    const cmeta_robust_result *r, const char *cluster, const cmeta_warnings *w)
{
    int first = 1;
    fputc('{', fp);
    cmeta_json_key(fp, "k", &first);
    fprintf(fp, "%zu", f->k);
    if (measure) {
        cmeta_json_key(fp, "measure", &first);
        cmeta_json_str(fp, measure);
    }
    cmeta_json_key(fp, "method", &first);
    cmeta_json_str(fp, cmeta_method_name(f->method));
    cmeta_json_key(fp, "test", &first);
    cmeta_json_str(fp, cmeta_test_name(f->test));
    cmeta_json_key(fp, "level", &first);
    cmeta_json_num(fp, f->level);
    cmeta_json_key(fp, "coefficients", &first);
    fputc('[', fp);
    for (size_t i = 0; i < f->p; i++) {
        int f2 = 1;
        fputs(i ? ",{" : "{", fp);
        cmeta_json_key(fp, "name", &f2);
        cmeta_json_str(fp, coef[i]);
        const char *k[] = {"estimate", "se", "stat", "pval", "ci_lb", "ci_ub"};
        const double v[] = {f->beta[i], f->se[i], f->stat[i], f->pval[i], f->ci_lb[i], f->ci_ub[i]};
        for (int j = 0; j < 6; j++) cmeta_json_kv(fp, k[j], v[j], &f2);
        fputc('}', fp);
    }
    fputc(']', fp);
    cmeta_json_key(fp, "sigma2", &first);
    fputc('[', fp);
    for (size_t q = 0; q < f->s; q++) {
        int f2 = 1;
        fputs(q ? ",{" : "{", fp);
        cmeta_json_key(fp, "name", &f2);
        cmeta_json_str(fp, comp[q]);
        cmeta_json_kv(fp, "estimate", f->sigma2[q], &f2);
        cmeta_json_key(fp, "nlvls", &f2);
        fprintf(fp, "%zu", f->nlvls[q]);
        cmeta_json_kv(fp, "ci_lb", f->sigma2_ci_lb[q], &f2);
        cmeta_json_kv(fp, "ci_ub", f->sigma2_ci_ub[q], &f2);
        fputc('}', fp);
    }
    fputc(']', fp);
    if (f->has_term) term_json(fp, f, &first);
    cmeta_json_key(fp, "I2", &first);
    {
        int f2 = 1;
        fputc('{', fp);
        cmeta_json_kv(fp, "total", f->I2_total, &f2);
        for (size_t q = 0; q < f->s; q++) cmeta_json_kv(fp, comp[q], f->I2[q], &f2);
        fputc('}', fp);
    }
    int tt = f->test == CMETA_TEST_T;
    struct { const char *k; double v; } kv[] = {
        {"df", tt ? f->df : NAN}, {"QE", f->QE}, {"QE_df", f->QE_df}, {"QE_pval", f->QE_pval},
        {"QM", f->QM}, {"QM_df", f->QM_df}, {"QM_df2", tt ? f->df : NAN}, {"QM_pval", f->QM_pval},
        {"ll", f->ll}, {"deviance", f->deviance}, {"AIC", f->AIC}, {"BIC", f->BIC}, {"AICc", f->AICc}};
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++) cmeta_json_kv(fp, kv[i].k, kv[i].v, &first);
    if (cmp) compare_json(fp, cmp, &first);
    if (r) cmeta_report_robust_json(fp, r, coef, cluster, &first);
    cmeta_json_warnings(fp, w, &first);
    fputs("}\n", fp);
}

static void mv_csv(FILE *fp, const cmeta_mv_fit *f, const char *const *coef, const char *const *comp,
                   const cmeta_robust_result *r)
{
    fputs(r ? "name,estimate,se,stat,pval,ci_lb,ci_ub,robust_se,robust_stat,robust_df,robust_pval,robust_ci_lb,"
              "robust_ci_ub\n"
            : "name,estimate,se,stat,pval,ci_lb,ci_ub\n",
          fp);
    for (size_t i = 0; i < f->p; i++) {
        cmeta_csv_field(fp, coef[i]);
        const double v[] = {f->beta[i], f->se[i], f->stat[i], f->pval[i], f->ci_lb[i], f->ci_ub[i]};
        for (size_t j = 0; j < 6; j++) {
            fputc(',', fp);
            cmeta_csv_num(fp, v[j]);
        }
        if (r) {
            const double rv[] = {r->se[i], r->stat[i], r->df[i], r->pval[i], r->ci_lb[i], r->ci_ub[i]};
            for (size_t j = 0; j < 6; j++) {
                fputc(',', fp);
                cmeta_csv_num(fp, rv[j]);
            }
        }
        fputc('\n', fp);
    }
    (void)comp;
}

cmeta_status cmeta_report_mv_compare(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                                     const char *const *coef, const char *const *comp, const char *measure,
                                     const cmeta_mv_compare *cmp, const cmeta_warnings *w)
{
    return cmeta_report_mv_robust(fp, fmt, f, coef, comp, measure, cmp, NULL, NULL, w);
}

cmeta_status cmeta_report_mv_robust(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                                    const char *const *coef, const char *const *comp, const char *measure,
                                    const cmeta_mv_compare *cmp, const cmeta_robust_result *r,
                                    const char *cluster, const cmeta_warnings *w)
{
    if (!fp || !f || !coef || !comp) return CMETA_EUSAGE;
    cmeta_status st;
    switch (fmt) {
    case CMETA_REPORT_TEXT:
        st = mv_text(fp, f, coef, comp);
        if (st == CMETA_OK && cmp) {
            fputs("Likelihood-ratio test (full model above against the reduced model):\n", fp);
            compare_text(fp, cmp);
        }
        if (st == CMETA_OK && r) st = cmeta_report_robust_text(fp, r, coef, cluster);
        return st;
    case CMETA_REPORT_JSON:
        mv_json(fp, f, coef, comp, measure, cmp, r, cluster, w);
        return CMETA_OK;
    case CMETA_REPORT_CSV:
        mv_csv(fp, f, coef, comp, r);
        return CMETA_OK;
    }
    return CMETA_EUSAGE;
}

cmeta_status cmeta_report_mv(FILE *fp, cmeta_report_format fmt, const cmeta_mv_fit *f,
                             const char *const *coef, const char *const *comp, const char *measure,
                             const cmeta_warnings *w)
{
    return cmeta_report_mv_compare(fp, fmt, f, coef, comp, measure, NULL, w);
}
