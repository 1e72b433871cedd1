/* cmd_report.c - `cmeta report FILE [analysis options] -o report.html`: one self-contained HTML
 * file with everything a reader needs to check a meta-analysis: the data as read (and the rows
 * left out, with the reason), the effect sizes, the model and its heterogeneity, the forest
 * plot, the funnel plot with the small-study tests, leave-one-out and influence tables, a
 * methods paragraph naming every convention used, and a reproducibility record (cmeta version,
 * command line, SHA-256 of the input, date in UTC).
 *
 * Every number comes from the same library calls as the commands that print it: the model as
 * `cmeta pool`, the leave-one-out rows as `cmeta loo`, the diagnostics as `cmeta influence`,
 * the small-study tests as `cmeta bias` (with the report's options; --subgroup applies to the
 * pool and the forest plot, which `loo`, `influence` and `bias` do not take: they use every
 * study). Each number cell carries the value the JSON of that command prints and its JSON path
 * (cli_html.h), so tests/cli/t_htmlreport.sh checks the report against the JSON number by
 * number. The HTML is the program's (it states program facts: the command line, the input's
 * digest, the date); the numbers, plots and their SVG are the library's.
 *
 * The page is inline: CSS in <style>, the plots as inline SVG with text as <text> (src/lib/
 * plot_svg.c), no script, no font file, no network address. The date is the time of the run,
 * or SOURCE_DATE_EPOCH when set (reproducible builds' convention: a fixed date gives the same
 * bytes on every run). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_html.h"

/* ---- the analyses ------------------------------------------------------------------------- */

typedef struct {
    cli_opts *o;
    int argc;
    char **argv;
    const cli_report_ctx *ctx;
    char sha[65];             /* the input's SHA-256, "" when not available */
    const char *sha_note;     /* why not */
    cmeta_table *t;
    cmeta_data *d;
    cmeta_warnings w;         /* reading and pooling (as cmeta pool's) */
    cmeta_model_choice mc;
    cmeta_fit_opts fo;        /* the options every analysis uses (the model chosen) */
    /* pool */
    cli_split sp;             /* --subgroup */
    int have_sp;
    cmeta_fit *fit;           /* every study (the pool fit without --subgroup; the funnel's) */
    const cmeta_data *pd;     /* the studies of the pool: d, or sp.d */
    const cmeta_fit *pf;      /* the pool's overall fit */
    /* leave-one-out */
    cmeta_summary *loo;
    cmeta_warnings wloo;
    char loo_note[512];
    /* influence */
    cmeta_influence *inf;
    cmeta_warnings winf;
    char inf_note[512];
    /* small-study effects */
    cmeta_bias_report bias;
    int have_bias;
    cmeta_warnings wbias;
    char bias_note[512];
    /* pictures (SVG text, owned) */
    char *forest_svg, *funnel_svg;
    size_t forest_len, funnel_len;
} report;

static void note_err(char *buf, size_t n, const cmeta_error *err, cmeta_status st)
{
    cmeta_error e = *err;
    if (e.status == CMETA_OK) e.status = st;
    if (!e.message[0]) snprintf(e.message, sizeof e.message, "%s", cmeta_strerror(e.status));
    cmeta_error_format(&e, buf, n);
}

/* SHA-256 of the input: the named file, or standard input when it is a regular file (read,
 * then rewound for the table reader); a pipe cannot be read twice and is not hashed. */
static void hash_input(report *r, const char *path)
{
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    r->sha[0] = '\0';
    if (fd < 0) {
        r->sha_note = "the file could not be opened";
        return;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        r->sha_note = "not a regular file (read from a pipe or device): no digest";
        close(fd);
        return;
    }
    off_t start = lseek(fd, 0, SEEK_CUR);
    if (strcmp(path, "-") == 0 && start != 0) {
        r->sha_note = "standard input was not at its start: no digest";
        close(fd);
        return;
    }
    cmeta_sha256_ctx c;
    cmeta_sha256_init(&c);
    char buf[65536];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) != 0) {
        if (got < 0) {
            if (errno == EINTR) continue;
            r->sha_note = "read error: no digest";
            close(fd);
            return;
        }
        cmeta_sha256_update(&c, buf, (size_t)got);
    }
    if (strcmp(path, "-") == 0 && lseek(fd, 0, SEEK_SET) != 0) { /* shares the offset with stdin */
        r->sha_note = "standard input could not be rewound: no digest";
        close(fd);
        return;
    }
    close(fd);
    unsigned char dg[32];
    cmeta_sha256_final(&c, dg);
    cmeta_sha256_hex(dg, r->sha);
}

/* A laid-out plot as SVG text (text as <text>, src/lib/plot_svg.c) without the XML
 * declaration (the SVG is inline in HTML). 0, or the exit code (message printed). */
static int plot_svg(const cmeta_plot *p, char **out, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&buf, &n);
    if (!fp) return cli_failf(4, "out of memory");
    cmeta_render_opts ro;
    cmeta_render_opts_default(&ro);
    ro.svg_text_outline = 0;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st = cmeta_plot_render_stream_opts(p, CMETA_PLOT_SVG, fp, &ro, &err);
    if (fclose(fp) != 0 && st == CMETA_OK) st = cmeta_error_set(&err, CMETA_ENOMEM, "out of memory");
    if (st != CMETA_OK) {
        free(buf);
        return cli_fail_status(st, &err);
    }
    char *s = buf;
    if (!strncmp(s, "<?xml", 5)) {
        char *e = strstr(s, "?>");
        if (e) s = e + 2;
        while (*s == '\n') s++;
    }
    *len = n - (size_t)(s - buf);
    memmove(buf, s, *len + 1);
    *out = buf;
    return 0;
}

/* The forest plot of the pool (with its subgroups) and the funnel plot of every study (with
 * the studies trim and fill imputes, when it imputed any). */
static int make_plots(report *r)
{
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_text_measurer *tm = NULL;
    cmeta_plot plot;
    memset(&plot, 0, sizeof plot);
    size_t *order = NULL;
    cli_annot annot;
    memset(&annot, 0, sizeof annot);
    cmeta_forest_group *groups = NULL;
    size_t *gidx = NULL;
    int rc = 0;
    if (cmeta_plot_backend_ready(&err) != CMETA_OK) return cli_fail(&err);
    if (cmeta_text_measurer_new(&tm) != CMETA_OK) return cli_failf(4, "out of memory");
    cmeta_forest_opts fopt;
    cmeta_forest_opts_default(&fopt);
    fopt.random = r->mc.is_random;
    if (r->o->preset_revman5) fopt.layout = CMETA_FOREST_REVMAN5;
    fopt.revman_exact = r->o->preset_revman5;
    cmeta_forest_subgroups fs;
    memset(&fs, 0, sizeof fs);
    if (r->have_sp) {
        size_t ng = r->sp.ngroups, n = r->sp.d->k, m = 0;
        groups = calloc(ng ? ng : 1, sizeof *groups);
        gidx = malloc((n ? n : 1) * sizeof *gidx);
        if (!groups || !gidx) {
            rc = cli_failf(4, "out of memory");
            goto done;
        }
        for (size_t j = 0; j < ng; j++) {
            groups[j].name = r->sp.lev[j];
            groups[j].idx = gidx + m;
            groups[j].fit = r->sp.g->fits[j];
            for (size_t i = 0; i < n; i++)
                if (r->sp.grp[i] == j) gidx[m++] = i;
            groups[j].n = (size_t)(gidx + m - groups[j].idx);
        }
        fs.ngroups = ng;
        fs.group = groups;
        fs.Q_between = r->sp.g->Q_between;
        fs.Q_between_df = r->sp.g->Q_between_df;
        fs.Q_between_pval = r->sp.g->Q_between_pval;
    }
    if ((rc = cli_forest_opts(r->o, r->t, r->pd, r->pf, &fopt, &order, &annot))) goto done;
    if (cmeta_forest_layout(r->pd, r->pf, r->have_sp ? &fs : NULL, &fopt, cmeta_text_measure_cairo, tm, &plot,
                            &err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    if ((rc = plot_svg(&plot, &r->forest_svg, &r->forest_len))) goto done;
    cmeta_plot_free(&plot);
    memset(&plot, 0, sizeof plot);

    cmeta_funnel_fill fill = {0, NULL, NULL, NAN};
    const cmeta_trimfill_result *tf = r->have_bias ? r->bias.tf : NULL;
    if (tf && tf->k0 > 0) {
        fill.n = tf->k0;
        fill.yi = tf->fill_yi;
        fill.vi = tf->fill_vi;
        fill.estimate = tf->fit->beta[0];
    }
    cmeta_funnel_opts uopt;
    cmeta_funnel_opts_default(&uopt);
    uopt.level = r->fo.level;
    if (cmeta_funnel_layout(r->d, r->fit, fill.n ? &fill : NULL, &uopt, cmeta_text_measure_cairo, tm, &plot,
                            &err) != CMETA_OK) {
        rc = cli_fail(&err);
        goto done;
    }
    rc = plot_svg(&plot, &r->funnel_svg, &r->funnel_len);
done:
    free(order);
    free(groups);
    free(gidx);
    cli_annot_free(&annot);
    cmeta_plot_free(&plot);
    cmeta_text_measurer_free(tm);
    return rc;
}

/* Everything computed before the output is opened: a failure leaves no file. */
static int analyse(report *r)
{
    cli_opts *o = r->o;
    cmeta_error err;
    cmeta_error_clear(&err);
    cmeta_status st;
    int rc;
    hash_input(r, o->inputs[0]);
    if ((rc = cli_load(o, o->inputs[0], &r->t, &r->d, &r->w))) return rc;
    cmeta_data *d = r->d;
    if (d->k == 0) return cli_failf(2, "%s: no study left to analyse", o->inputs[0]);
    cmeta_studies s;
    cmeta_studies_from_data(d, &o->data.escalc, &s);
    if ((rc = cli_choose_model(o, &s, &r->mc))) return rc;
    r->fo = r->mc.opts;
    /* the model of every study (cmeta pool without --subgroup) */
    size_t *idx = malloc(d->k * sizeof *idx);
    if (!idx) return cli_failf(4, "out of memory");
    for (size_t i = 0; i < d->k; i++) idx[i] = i;
    st = cmeta_fit_subset(&s, idx, d->k, &r->fo, &r->fit, &r->w, &err);
    free(idx);
    if (st != CMETA_OK) return cli_fail_status(st, &err);
    r->pd = d;
    r->pf = r->fit;
    if (o->subgroup) {
        r->have_sp = 1; /* sp is freed even when the split fails */
        if ((rc = cli_split_subgroups(o, r->t, d, &r->fo, &r->sp, &r->w))) return rc;
        r->pd = r->sp.d;
        r->pf = r->sp.g->overall;
    } else if (d->k == 1 && cmeta_warn(&r->w, "k = 1: the result is the single study itself (nothing to pool, "
                                              "no heterogeneity)") != CMETA_OK)
        return cli_failf(4, "out of memory");

    /* leave-one-out (cmeta loo: the chosen model, no Q-profile CI of tau^2) */
    if (d->k < 2) snprintf(r->loo_note, sizeof r->loo_note, "needs at least 2 studies (k = %zu)", d->k);
    else {
        cmeta_fit_opts fl = r->fo;
        fl.no_ci_tau2 = 1;
        r->loo = calloc(d->k, sizeof *r->loo);
        if (!r->loo) return cli_failf(4, "out of memory");
        if ((st = cmeta_leave1out(&s, &fl, r->loo, &r->wloo, &err)) != CMETA_OK) {
            if (st == CMETA_ENOMEM || st == CMETA_EINTR) return cli_fail_status(st, &err);
            note_err(r->loo_note, sizeof r->loo_note, &err, st);
            free(r->loo);
            r->loo = NULL;
        }
    }
    /* influence and small-study effects (cmeta influence, cmeta bias): inverse-variance models */
    int iv = !cmeta_method_is_2x2(r->fo.method);
    if (!iv) {
        snprintf(r->inf_note, sizeof r->inf_note, "not available with --method %s (as cmeta influence: use FE or a "
                                                  "tau^2 estimator)", cmeta_method_name(r->fo.method));
        snprintf(r->bias_note, sizeof r->bias_note, "not available with --method %s (as cmeta bias: use FE or a "
                                                    "tau^2 estimator)", cmeta_method_name(r->fo.method));
    } else {
        cmeta_fit_opts fi = r->fo;
        fi.intercept = 1;
        cmeta_error_clear(&err);
        if ((st = cmeta_influence_compute(d->yi, d->vi, d->k, NULL, 0, &fi, &r->inf, &r->winf, &err)) != CMETA_OK) {
            if (st == CMETA_ENOMEM || st == CMETA_EINTR) return cli_fail_status(st, &err);
            note_err(r->inf_note, sizeof r->inf_note, &err, st);
            cmeta_influence_free(r->inf);
            r->inf = NULL;
        }
        if (d->k < 3)
            snprintf(r->bias_note, sizeof r->bias_note,
                     "the tests for small-study effects need at least 3 studies (k = %zu)", d->k);
        else {
            cmeta_bias_report *b = &r->bias;
            if (d->k < 10 && cmeta_warn(&r->wbias, "only %zu studies: tests for funnel-plot asymmetry have little "
                                                   "power with fewer than 10 (Sterne et al. 2011)", d->k) != CMETA_OK)
                return cli_failf(4, "out of memory");
            cmeta_error_clear(&err);
            if ((st = cmeta_regtest(d->yi, d->vi, d->k, r->fo.level, &b->eg, &err)) != CMETA_OK ||
                (st = cmeta_ranktest(d->yi, d->vi, d->k, &b->rk, &r->wbias, &err)) != CMETA_OK ||
                (st = cmeta_trimfill(d->yi, d->vi, d->k, &r->fo, CMETA_TF_L0, CMETA_TF_AUTO, 0, &b->tf, &r->wbias,
                                     &err)) != CMETA_OK ||
                (st = cmeta_failsafe(d->yi, d->vi, d->k, 0.05, NAN, &b->fs, &err)) != CMETA_OK) {
                if (st == CMETA_ENOMEM || st == CMETA_EINTR) return cli_fail_status(st, &err);
                note_err(r->bias_note, sizeof r->bias_note, &err, st);
            } else
                r->have_bias = 1;
        }
    }
    return make_plots(r);
}

/* ---- the page ----------------------------------------------------------------------------- */

static void h(FILE *fp, const char *s) { cli_html_text(fp, s); }

static void th(FILE *fp, const char *cls, const char *text)
{
    fprintf(fp, "<th%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    h(fp, text);
    fputs("</th>", fp);
}

static void td_text(FILE *fp, const char *text)
{
    fputs("<td>", fp);
    h(fp, text);
    fputs("</td>", fp);
}

static void warnings_list(FILE *fp, const cmeta_warnings *w, const char *id)
{
    if (!w->n) return;
    fprintf(fp, "<ul class=\"warn\" id=\"%s\">\n", id);
    for (size_t i = 0; i < w->n; i++) {
        fputs("<li>", fp);
        h(fp, w->text[i]);
        fputs("</li>\n", fp);
    }
    fputs("</ul>\n", fp);
}

/* The warning that says why the study labelled `label` was left out ('label' ... left out). */
static const char *left_out_reason(const cmeta_warnings *w, const char *label)
{
    size_t n = strlen(label);
    for (size_t i = 0; i < w->n; i++) {
        const char *q = w->text[i];
        while ((q = strchr(q, '\'')) != NULL) {
            if (!strncmp(q + 1, label, n) && q[1 + n] == '\'' && strstr(q, "left out")) return w->text[i];
            q++;
        }
    }
    return NULL;
}

static void section_data(FILE *fp, const report *r)
{
    const cmeta_table *t = r->t;
    const cmeta_data *d = r->d;
    size_t nr = cmeta_table_nrows(t), nc = cmeta_table_ncols(t);
    /* row status: 0 left out, 1 analysed, 2 left out of the subgroup analysis, 3 merged */
    unsigned char *st = calloc(nr ? nr : 1, 1);
    if (!st) return;
    for (size_t i = 0; i < d->k; i++) st[d->row[i]] = r->have_sp ? 2 : 1;
    if (r->have_sp)
        for (size_t i = 0; i < r->sp.d->k; i++) st[r->sp.d->row[i]] = 1;
    for (size_t i = 0; i < nr; i++)
        if (!st[i] && d->row_yi_from && d->row_yi_from[i] && !strcmp(d->row_yi_from[i], "merged")) st[i] = 3;
    size_t nout = 0;
    for (size_t i = 0; i < nr; i++) nout += st[i] != 1 && st[i] != 3;
    fputs("<section id=\"data\">\n<h2>1. Data as read</h2>\n<p>", fp);
    fprintf(fp, "<span id=\"n-rows\">%zu</span> rows of <code>", nr);
    h(fp, cmeta_table_name(t));
    fprintf(fp, "</code> (%zu columns); <span id=\"n-studies\">%zu</span> studies analysed, "
                "<span id=\"n-left-out\">%zu</span> left out.</p>\n",
            nc, r->pd->k, nout);
    fputs("<div class=\"scroll\"><table id=\"data-table\">\n<thead><tr><th class=\"num\">line</th>", fp);
    for (size_t c = 0; c < nc; c++) th(fp, NULL, cmeta_table_colname(t, c));
    fputs("<th>status</th></tr></thead>\n<tbody>\n", fp);
    for (size_t i = 0; i < nr; i++) {
        fprintf(fp, "<tr%s data-row=\"%zu\"><td class=\"num\">%ld</td>", st[i] == 1 || st[i] == 3 ? "" : " class=\"out\"",
                i, cmeta_table_row_line(t, i));
        for (size_t c = 0; c < nc; c++) td_text(fp, cmeta_table_cell(t, i, c));
        td_text(fp, st[i] == 1 ? "analysed" : st[i] == 2 ? "left out of the subgroups" : st[i] == 3 ? "merged (--combine)"
                                                                                             : "left out");
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table></div>\n", fp);
    fputs("<h3>Studies left out</h3>\n", fp);
    if (!nout) fputs("<p id=\"left-out\" class=\"note\">None: every row was analysed.</p>\n", fp);
    else {
        fputs("<ul id=\"left-out\">\n", fp);
        for (size_t i = 0; i < nr; i++) {
            if (st[i] == 1 || st[i] == 3) continue;
            const char *lab = d->row_label ? d->row_label[i] : NULL;
            const char *why = lab ? left_out_reason(&r->w, lab) : NULL;
            fprintf(fp, "<li data-row=\"%zu\">line %ld, <span class=\"study\">", i, cmeta_table_row_line(t, i));
            h(fp, lab ? lab : "?");
            fputs("</span>: ", fp);
            h(fp, why ? why : "left out (see the warnings below)");
            fputs("</li>\n", fp);
        }
        fputs("</ul>\n", fp);
    }
    if (r->w.n) {
        fputs("<h3>Warnings</h3>\n", fp);
        warnings_list(fp, &r->w, "warnings");
    }
    fputs("</section>\n", fp);
    free(st);
}

static const char *const LEVEL_FMT = "%g%% CI";

static void section_effects(FILE *fp, const report *r)
{
    const cmeta_data *d = r->pd;
    const cmeta_fit *f = r->pf;
    int from = d->row_yi_from != NULL, mixed = d->measures != NULL;
    char lv[32];
    snprintf(lv, sizeof lv, LEVEL_FMT, f->level);
    fputs("<section id=\"effects\">\n<h2>2. Effect sizes</h2>\n<p>", fp);
    fprintf(fp, "Measure <strong>%s</strong>", cmeta_measure_name(d->measure));
    if (mixed) {
        char mix[256];
        fputs(" (a measure column: ", fp);
        h(fp, cmeta_data_mix(d, mix, sizeof mix));
        fputc(')', fp);
    }
    fprintf(fp, "; y<sub>i</sub> and v<sub>i</sub> on the analysis scale, the %s of each study "
                "y<sub>i</sub> &#177; z<sub>1&#8722;&#945;/2</sub>&#8201;&#8730;v<sub>i</sub>, and its weight in the "
                "pooled estimate (percent). As <code>cmeta pool --format json</code> (<code>studies</code>).</p>\n",
            lv);
    fputs("<div class=\"scroll\"><table id=\"effects-table\">\n<thead><tr><th>study</th>", fp);
    if (r->have_sp) th(fp, NULL, r->o->subgroup);
    if (mixed) th(fp, NULL, "measure");
    th(fp, "num", "yi");
    th(fp, "num", "vi");
    th(fp, "num", "ci.lb");
    th(fp, "num", "ci.ub");
    th(fp, "num", "weight (%)");
    if (from) th(fp, NULL, "yi from");
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (size_t i = 0; i < d->k; i++) {
        double lo, hi;
        cmeta_study_ci(d->yi[i], d->vi[i], f->level, &lo, &hi);
        fprintf(fp, "<tr data-i=\"%zu\">", i);
        fputs("<td class=\"study\">", fp);
        h(fp, d->label[i]);
        fputs("</td>", fp);
        if (r->have_sp) td_text(fp, r->sp.lev[r->sp.grp[i]]);
        if (mixed) td_text(fp, cmeta_measure_name(d->measures[i]));
        cli_html_num(fp, "pool", 4, d->yi[i], "$.studies[%zu].yi", i);
        cli_html_num(fp, "pool", 4, d->vi[i], "$.studies[%zu].vi", i);
        cli_html_num(fp, "pool", 4, lo, "$.studies[%zu].ci_lb", i);
        cli_html_num(fp, "pool", 4, hi, "$.studies[%zu].ci_ub", i);
        cli_html_num(fp, "pool", 2, f->weight ? f->weight[i] : NAN, "$.studies[%zu].weight", i);
        if (from) td_text(fp, d->row_yi_from[d->row[i]] ? d->row_yi_from[d->row[i]] : "");
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table></div>\n</section>\n", fp);
}

/* one row of a key-value table: label, the number (JSON path prefix + key) */
static void kv_row(FILE *fp, const char *label, const char *src, int digits, double x, const char *prefix,
                   const char *key)
{
    fputs("<tr><th scope=\"row\">", fp);
    h(fp, label);
    fputs("</th>", fp);
    cli_html_num(fp, src, digits, x, "%s%s", prefix, key);
    fputs("</tr>\n", fp);
}

/* the summary keys of one fit, as cmeta pool's JSON (prefix "$." or "$.subgroups[j].") */
static void fit_table(FILE *fp, const report *r, const cmeta_fit *f, const char *prefix, const char *id)
{
    int random = r->mc.is_random;
    const char *stat = f->test == CMETA_TEST_Z ? "z" : "t";
    char lab[96];
    fprintf(fp, "<div class=\"scroll\"><table class=\"kv\" id=\"%s\">\n<tbody>\n", id);
    kv_row(fp, "studies (k)", "pool", 0, (double)f->k, prefix, "k");
    kv_row(fp, "estimate", "pool", 4, f->beta[0], prefix, "estimate");
    kv_row(fp, "standard error", "pool", 4, f->se[0], prefix, "se");
    snprintf(lab, sizeof lab, "test statistic (%s)", stat);
    kv_row(fp, lab, "pool", 4, f->stat[0], prefix, "stat");
    kv_row(fp, "p-value", "pool", -1, f->pval[0], prefix, "pval");
    snprintf(lab, sizeof lab, "CI lower bound (%g%%)", f->level);
    kv_row(fp, lab, "pool", 4, f->ci_lb[0], prefix, "ci_lb");
    snprintf(lab, sizeof lab, "CI upper bound (%g%%)", f->level);
    kv_row(fp, lab, "pool", 4, f->ci_ub[0], prefix, "ci_ub");
    if (random) {
        kv_row(fp, "tau\xc2\xb2 (between-study variance)", "pool", 4, f->tau2, prefix, "tau2");
        kv_row(fp, "tau", "pool", 4, f->tau, prefix, "tau");
        kv_row(fp, "tau\xc2\xb2 CI lower bound (Q-profile)", "pool", 4, f->tau2_ci_lb, prefix, "tau2_ci_lb");
        kv_row(fp, "tau\xc2\xb2 CI upper bound (Q-profile)", "pool", 4, f->tau2_ci_ub, prefix, "tau2_ci_ub");
    }
    kv_row(fp, "I\xc2\xb2 (%, from tau\xc2\xb2)", "pool", 2, f->I2, prefix, "I2");
    if (random) {
        kv_row(fp, "I\xc2\xb2 CI lower bound (%)", "pool", 2, f->I2_ci_lb, prefix, "I2_ci_lb");
        kv_row(fp, "I\xc2\xb2 CI upper bound (%)", "pool", 2, f->I2_ci_ub, prefix, "I2_ci_ub");
    }
    kv_row(fp, "H\xc2\xb2", "pool", 2, f->H2, prefix, "H2");
    kv_row(fp, "I\xc2\xb2 (%, from Q: (Q \xe2\x88\x92 df)/Q)", "pool", 2, f->I2_Q, prefix, "I2_Q");
    kv_row(fp, "Cochran's Q", "pool", 4, f->Q, prefix, "Q");
    kv_row(fp, "Q degrees of freedom", "pool", 0, f->Q_df, prefix, "Q_df");
    kv_row(fp, "Q p-value", "pool", -1, f->Q_pval, prefix, "Q_pval");
    if (random) {
        kv_row(fp, "prediction interval lower bound", "pool", 4, f->pi_lb, prefix, "pi_lb");
        kv_row(fp, "prediction interval upper bound", "pool", 4, f->pi_ub, prefix, "pi_ub");
    }
    cmeta_transform_kind tk = cmeta_measure_transform(r->pd->measure);
    if (tk != CMETA_TRANS_NONE) {
        double n = cmeta_harmonic_n(r->pd);
        char pre[128];
        snprintf(pre, sizeof pre, "%stransformed.", prefix);
        const char *tl = cmeta_transform_label(tk);
        snprintf(lab, sizeof lab, "estimate, back-transformed (%s)", tl);
        kv_row(fp, lab, "pool", 4, cmeta_back_transform(tk, f->beta[0], n), pre, "estimate");
        kv_row(fp, "CI lower bound, back-transformed", "pool", 4, cmeta_back_transform(tk, f->ci_lb[0], n), pre, "ci_lb");
        kv_row(fp, "CI upper bound, back-transformed", "pool", 4, cmeta_back_transform(tk, f->ci_ub[0], n), pre, "ci_ub");
        if (random) {
            kv_row(fp, "prediction interval lower bound, back-transformed", "pool", 4,
                   cmeta_back_transform(tk, f->pi_lb, n), pre, "pi_lb");
            kv_row(fp, "prediction interval upper bound, back-transformed", "pool", 4,
                   cmeta_back_transform(tk, f->pi_ub, n), pre, "pi_ub");
        }
    }
    fputs("</tbody></table></div>\n", fp);
}

static void section_model(FILE *fp, const report *r)
{
    const cmeta_fit *f = r->pf;
    fputs("<section id=\"model\">\n<h2>3. Model and heterogeneity</h2>\n<p>", fp);
    if (!r->mc.is_random)
        fprintf(fp, "Fixed-effect model (%s)",
                f->method == CMETA_METHOD_MH ? "Mantel-Haenszel" : f->method == CMETA_METHOD_PETO ? "Peto" : "inverse variance");
    else if (f->method == CMETA_METHOD_MH || f->method == CMETA_METHOD_PETO)
        fprintf(fp, "Random-effects model (tau\xc2\xb2 by DerSimonian-Laird around the %s estimate)",
                cmeta_method_name(f->method));
    else fprintf(fp, "Random-effects model (tau\xc2\xb2 estimator %s)", cmeta_method_name(f->method));
    fprintf(fp, ", test %s, %g%% confidence intervals; <span id=\"k\">%zu</span> studies%s. As <code>cmeta pool "
                "--format json</code>.</p>\n",
            cmeta_test_name(f->test), f->level, f->k, r->have_sp ? " with a subgroup" : "");
    if (r->mc.automatic) {
        fputs("<p id=\"model-choice\">Model chosen by <code>--model auto</code>: ", fp);
        h(fp, r->mc.reason);
        fputs(".</p>\n<div class=\"scroll\"><table class=\"kv\"><tbody>\n", fp);
        kv_row(fp, "fixed-effect Q", "pool", 4, r->mc.Q, "$.model_choice.", "Q");
        kv_row(fp, "fixed-effect Q p-value", "pool", -1, r->mc.Q_pval, "$.model_choice.", "Q_pval");
        fputs("</tbody></table></div>\n", fp);
    }
    if (r->have_sp) fputs("<h3>Overall</h3>\n", fp);
    fit_table(fp, r, f, "$.", "model-table");
    if (r->have_sp) {
        const cmeta_subgroups *g = r->sp.g;
        fputs("<h3>Subgroups by <code>", fp);
        h(fp, r->o->subgroup);
        fputs("</code></h3>\n", fp);
        if (g->tau_common) {
            fputs("<p>Subgroups share one tau\xc2\xb2 (--tau-common):</p>\n<div class=\"scroll\"><table class=\"kv\"><tbody>\n", fp);
            kv_row(fp, "common tau\xc2\xb2", "pool", 4, g->tau2_common, "$.", "tau2_common");
            fputs("</tbody></table></div>\n", fp);
        }
        fputs("<div class=\"scroll\"><table id=\"subgroups-table\">\n<thead><tr><th>subgroup</th>", fp);
        const char *cols[] = {"k", "estimate", "se", "pval", "ci.lb", "ci.ub", "tau\xc2\xb2", "I\xc2\xb2 (%)", "Q", "Q p-value"};
        for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) th(fp, "num", cols[c]);
        fputs("</tr></thead>\n<tbody>\n", fp);
        for (size_t j = 0; j < g->ngroups; j++) {
            const cmeta_fit *fj = g->fits[j];
            fprintf(fp, "<tr data-i=\"%zu\"><td>", j);
            h(fp, r->sp.lev[j]);
            fputs("</td>", fp);
            cli_html_num(fp, "pool", 0, (double)g->k[j], "$.subgroups[%zu].k", j);
            cli_html_num(fp, "pool", 4, fj->beta[0], "$.subgroups[%zu].estimate", j);
            cli_html_num(fp, "pool", 4, fj->se[0], "$.subgroups[%zu].se", j);
            cli_html_num(fp, "pool", -1, fj->pval[0], "$.subgroups[%zu].pval", j);
            cli_html_num(fp, "pool", 4, fj->ci_lb[0], "$.subgroups[%zu].ci_lb", j);
            cli_html_num(fp, "pool", 4, fj->ci_ub[0], "$.subgroups[%zu].ci_ub", j);
            cli_html_num(fp, "pool", 4, fj->tau2, "$.subgroups[%zu].tau2", j);
            cli_html_num(fp, "pool", 2, fj->I2, "$.subgroups[%zu].I2", j);
            cli_html_num(fp, "pool", 4, fj->Q, "$.subgroups[%zu].Q", j);
            cli_html_num(fp, "pool", -1, fj->Q_pval, "$.subgroups[%zu].Q_pval", j);
            fputs("</tr>\n", fp);
        }
        fputs("</tbody></table></div>\n<h3>Test for subgroup differences</h3>\n"
              "<div class=\"scroll\"><table class=\"kv\" id=\"subgroup-test\"><tbody>\n", fp);
        kv_row(fp, "Q between subgroups", "pool", 4, g->Q_between, "$.", "Q_between");
        kv_row(fp, "degrees of freedom", "pool", 0, g->Q_between_df, "$.", "Q_between_df");
        kv_row(fp, "p-value", "pool", -1, g->Q_between_pval, "$.", "Q_between_pval");
        kv_row(fp, "Q within subgroups", "pool", 4, g->Q_within, "$.", "Q_within");
        kv_row(fp, "degrees of freedom (within)", "pool", 0, g->Q_within_df, "$.", "Q_within_df");
        kv_row(fp, "p-value (within)", "pool", -1, g->Q_within_pval, "$.", "Q_within_pval");
        fputs("</tbody></table></div>\n", fp);
    }
    fputs("</section>\n", fp);
}

static void figure(FILE *fp, const char *id, const char *svg, size_t len, const char *caption)
{
    fprintf(fp, "<figure id=\"%s\">\n", id);
    fwrite(svg, 1, len, fp);
    fputs("<figcaption>", fp);
    h(fp, caption);
    fputs("</figcaption>\n</figure>\n", fp);
}

static void section_forest(FILE *fp, const report *r)
{
    char cap[256];
    snprintf(cap, sizeof cap, "Forest plot: each study's estimate and %g%% CI (squares sized by weight), the pooled "
                              "estimate (diamond)%s%s.",
             r->pf->level, r->mc.is_random ? " and the prediction interval" : "",
             r->have_sp ? ", by subgroup with the test for subgroup differences" : "");
    fputs("<section id=\"forest\">\n<h2>4. Forest plot</h2>\n", fp);
    figure(fp, "forest-plot", r->forest_svg, r->forest_len, cap);
    fputs("</section>\n", fp);
}

static void section_bias(FILE *fp, const report *r)
{
    const cmeta_bias_report *b = &r->bias;
    fputs("<section id=\"bias\">\n<h2>5. Funnel plot and small-study effects</h2>\n", fp);
    char cap[320];
    const cmeta_trimfill_result *tf = r->have_bias ? b->tf : NULL;
    snprintf(cap, sizeof cap, "Funnel plot: estimates against their standard errors, with the %g%% pseudo-confidence "
                              "region around the estimate of all %zu studies%s.",
             r->fo.level, r->d->k,
             tf && tf->k0 ? "; open circles: the studies trim and fill imputes, and the line its adjusted estimate" : "");
    figure(fp, "funnel-plot", r->funnel_svg, r->funnel_len, cap);
    if (!r->have_bias) {
        fputs("<p class=\"note\" id=\"bias-note\">Tests not computed: ", fp);
        h(fp, r->bias_note);
        fputs(".</p>\n</section>\n", fp);
        return;
    }
    fputs("<p>Every study (as <code>cmeta bias --format json</code>).</p>\n", fp);
    warnings_list(fp, &r->wbias, "bias-warnings");
    fputs("<h3>Egger's regression test</h3>\n<div class=\"scroll\"><table class=\"kv\" id=\"egger\"><tbody>\n", fp);
    kv_row(fp, "t statistic (slope on the standard error)", "bias", 4, b->eg.stat, "$.egger.", "stat");
    kv_row(fp, "degrees of freedom", "bias", 0, b->eg.df, "$.egger.", "df");
    kv_row(fp, "p-value", "bias", -1, b->eg.pval, "$.egger.", "pval");
    kv_row(fp, "limit estimate (intercept, se \xe2\x86\x92 0)", "bias", 4, b->eg.intercept, "$.egger.", "intercept");
    kv_row(fp, "its standard error", "bias", 4, b->eg.intercept_se, "$.egger.", "intercept_se");
    kv_row(fp, "its CI lower bound", "bias", 4, b->eg.ci_lb, "$.egger.", "ci_lb");
    kv_row(fp, "its CI upper bound", "bias", 4, b->eg.ci_ub, "$.egger.", "ci_ub");
    kv_row(fp, "slope", "bias", 4, b->eg.slope, "$.egger.", "slope");
    kv_row(fp, "slope standard error", "bias", 4, b->eg.slope_se, "$.egger.", "slope_se");
    fputs("</tbody></table></div>\n<h3>Rank correlation test (Begg &amp; Mazumdar)</h3>\n"
          "<div class=\"scroll\"><table class=\"kv\" id=\"begg\"><tbody>\n", fp);
    kv_row(fp, "Kendall's tau", "bias", 4, b->rk.tau, "$.begg.", "tau");
    kv_row(fp, b->rk.exact ? "p-value (exact)" : "p-value (normal approximation)", "bias", -1, b->rk.pval, "$.begg.",
           "pval");
    fputs("</tbody></table></div>\n<h3>Trim and fill (L0)</h3>\n", fp);
    fprintf(fp, "<p>Estimated missing on the <span id=\"tf-side\">%s</span> side: <span id=\"tf-k0\">%zu</span> "
                "stud%s.</p>\n<div class=\"scroll\"><table class=\"kv\" id=\"trimfill\"><tbody>\n",
            tf->side == CMETA_TF_RIGHT ? "right" : "left", tf->k0, tf->k0 == 1 ? "y" : "ies");
    kv_row(fp, "studies imputed (k0)", "bias", 0, (double)tf->k0, "$.trimfill.", "k0");
    kv_row(fp, "standard error of k0", "bias", 4, tf->se_k0, "$.trimfill.", "se_k0");
    kv_row(fp, "studies in the adjusted model", "bias", 0, (double)tf->fit->k, "$.trimfill.", "k");
    kv_row(fp, "adjusted estimate", "bias", 4, tf->fit->beta[0], "$.trimfill.", "estimate");
    kv_row(fp, "standard error", "bias", 4, tf->fit->se[0], "$.trimfill.", "se");
    kv_row(fp, "p-value", "bias", -1, tf->fit->pval[0], "$.trimfill.", "pval");
    kv_row(fp, "CI lower bound", "bias", 4, tf->fit->ci_lb[0], "$.trimfill.", "ci_lb");
    kv_row(fp, "CI upper bound", "bias", 4, tf->fit->ci_ub[0], "$.trimfill.", "ci_ub");
    kv_row(fp, "tau\xc2\xb2", "bias", 4, tf->fit->tau2, "$.trimfill.", "tau2");
    fputs("</tbody></table></div>\n", fp);
    if (tf->k0) {
        fputs("<div class=\"scroll\"><table id=\"trimfill-filled\">\n<thead><tr><th>mirrors</th>", fp);
        th(fp, "num", "yi");
        th(fp, "num", "vi");
        fputs("</tr></thead>\n<tbody>\n", fp);
        for (size_t j = 0; j < tf->k0; j++) {
            fprintf(fp, "<tr data-i=\"%zu\">", j);
            td_text(fp, r->d->label[tf->fill_of[j]]);
            cli_html_num(fp, "bias", 4, tf->fill_yi[j], "$.trimfill.filled[%zu].yi", j);
            cli_html_num(fp, "bias", 4, tf->fill_vi[j], "$.trimfill.filled[%zu].vi", j);
            fputs("</tr>\n", fp);
        }
        fputs("</tbody></table></div>\n", fp);
    }
    fputs("<h3>Fail-safe N</h3>\n<div class=\"scroll\"><table class=\"kv\" id=\"failsafe\"><tbody>\n", fp);
    kv_row(fp, "Rosenthal's fail-safe N", "bias", 0, b->fs.rosenthal, "$.failsafe.", "rosenthal");
    kv_row(fp, "p-value of the combined studies", "bias", -1, b->fs.rosenthal_pval, "$.failsafe.", "rosenthal_pval");
    kv_row(fp, "Orwin's fail-safe N", "bias", 0, b->fs.orwin, "$.failsafe.", "orwin");
    kv_row(fp, "Orwin: mean effect", "bias", 4, b->fs.orwin_mean, "$.failsafe.", "orwin_mean");
    kv_row(fp, "Orwin: target effect", "bias", 4, b->fs.orwin_target, "$.failsafe.", "orwin_target");
    fputs("</tbody></table></div>\n</section>\n", fp);
}

static void section_loo(FILE *fp, const report *r)
{
    fputs("<section id=\"loo\">\n<h2>6. Leave-one-out</h2>\n", fp);
    if (!r->loo) {
        fputs("<p class=\"note\" id=\"loo-note\">Not computed: ", fp);
        h(fp, r->loo_note);
        fputs(".</p>\n</section>\n", fp);
        return;
    }
    fputs("<p>The model refitted without each study in turn, every study (as <code>cmeta loo --format json</code>).</p>\n",
          fp);
    warnings_list(fp, &r->wloo, "loo-warnings");
    fputs("<div class=\"scroll\"><table id=\"loo-table\">\n<thead><tr><th>omitted</th>", fp);
    const char *cols[] = {"k", "estimate", "se", "stat", "pval", "ci.lb", "ci.ub", "Q", "Q p-value", "tau\xc2\xb2",
                          "I\xc2\xb2 (%)", "H\xc2\xb2"};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) th(fp, "num", cols[c]);
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (size_t i = 0; i < r->d->k; i++) {
        const cmeta_summary *s = &r->loo[i];
        fprintf(fp, "<tr data-i=\"%zu\">", i);
        td_text(fp, r->d->label[i]);
        cli_html_num(fp, "loo", 0, (double)s->k, "$.leave1out[%zu].k", i);
        cli_html_num(fp, "loo", 4, s->estimate, "$.leave1out[%zu].estimate", i);
        cli_html_num(fp, "loo", 4, s->se, "$.leave1out[%zu].se", i);
        cli_html_num(fp, "loo", 4, s->stat, "$.leave1out[%zu].stat", i);
        cli_html_num(fp, "loo", -1, s->pval, "$.leave1out[%zu].pval", i);
        cli_html_num(fp, "loo", 4, s->ci_lb, "$.leave1out[%zu].ci_lb", i);
        cli_html_num(fp, "loo", 4, s->ci_ub, "$.leave1out[%zu].ci_ub", i);
        cli_html_num(fp, "loo", 4, s->Q, "$.leave1out[%zu].Q", i);
        cli_html_num(fp, "loo", -1, s->Q_pval, "$.leave1out[%zu].Q_pval", i);
        cli_html_num(fp, "loo", 4, s->tau2, "$.leave1out[%zu].tau2", i);
        cli_html_num(fp, "loo", 2, s->I2, "$.leave1out[%zu].I2", i);
        cli_html_num(fp, "loo", 2, s->H2, "$.leave1out[%zu].H2", i);
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table></div>\n</section>\n", fp);
}

static void section_influence(FILE *fp, const report *r)
{
    const cmeta_influence *inf = r->inf;
    fputs("<section id=\"influence\">\n<h2>7. Influence diagnostics</h2>\n", fp);
    if (!inf) {
        fputs("<p class=\"note\" id=\"influence-note\">Not computed: ", fp);
        h(fp, r->inf_note);
        fputs(".</p>\n</section>\n", fp);
        return;
    }
    fputs("<p>Case diagnostics of the model of every study (as <code>cmeta influence --format json</code>; "
          "influential: metafor's rule, Viechtbauer &amp; Cheung 2010).</p>\n",
          fp);
    warnings_list(fp, &r->winf, "influence-warnings");
    fputs("<div class=\"scroll\"><table id=\"influence-table\">\n<thead><tr><th>study</th>", fp);
    const char *cols[] = {"rstudent", "dffits", "cook.d", "cov.r", "tau\xc2\xb2.del", "QE.del", "hat", "weight (%)",
                          "dfbetas"};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) th(fp, "num", cols[c]);
    th(fp, NULL, "influential");
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (size_t i = 0; i < inf->k; i++) {
        fprintf(fp, "<tr data-i=\"%zu\">", i);
        td_text(fp, r->d->label[i]);
        cli_html_num(fp, "influence", 4, inf->rstudent[i], "$.influence[%zu].rstudent", i);
        cli_html_num(fp, "influence", 4, inf->dffits[i], "$.influence[%zu].dffits", i);
        cli_html_num(fp, "influence", 4, inf->cook_d[i], "$.influence[%zu].cook_d", i);
        cli_html_num(fp, "influence", 4, inf->cov_r[i], "$.influence[%zu].cov_r", i);
        cli_html_num(fp, "influence", 4, inf->tau2_del[i], "$.influence[%zu].tau2_del", i);
        cli_html_num(fp, "influence", 4, inf->QE_del[i], "$.influence[%zu].QE_del", i);
        cli_html_num(fp, "influence", 4, inf->hat[i], "$.influence[%zu].hat", i);
        cli_html_num(fp, "influence", 2, inf->weight[i], "$.influence[%zu].weight", i);
        cli_html_num(fp, "influence", 4, inf->dfbetas[i * inf->p], "$.influence[%zu].dfbetas.intrcpt", i);
        cli_html_bool(fp, "influence", inf->influential[i], "$.influence[%zu].influential", i);
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table></div>\n</section>\n", fp);
}

/* ---- methods: every convention, with its source ------------------------------------------ */

typedef struct {
    const char *what, *variance;
} measure_text;

/* what each measure is and its sampling variance (vtype LS unless said), as src/lib/effect.c
 * computes them from metafor 3.8's escalc */
static measure_text measure_info(cmeta_measure m, const cmeta_escalc_opts *eo)
{
    switch (m) {
    case CMETA_SMD:
        if (eo->revman_smd)
            return (measure_text){"the standardized mean difference, Hedges' g with RevMan 5's approximate correction "
                                  "J = 1 \xe2\x88\x92 3/(4N \xe2\x88\x92 9) (Cochrane Handbook 5.1, 9.2.3.2)",
                                  "v = N/(n1 n2) + g\xc2\xb2/(2(N \xe2\x88\x92 3.94))"};
        return (measure_text){"the standardized mean difference, Hedges' g = J(m) (m1 \xe2\x88\x92 m2)/s_pooled with the "
                              "exact correction J(m) = \xce\x93(m/2)/(\xe2\x88\x9a(m/2) \xce\x93((m \xe2\x88\x92 1)/2)), "
                              "m = n1 + n2 \xe2\x88\x92 2 (Hedges 1981)",
                              "v = 1/n1 + 1/n2 + g\xc2\xb2/(2(n1 + n2))"};
    case CMETA_SMDH:
        return (measure_text){"the standardized mean difference with heteroscedastic groups, g = J(N \xe2\x88\x92 2) "
                              "(m1 \xe2\x88\x92 m2)/\xe2\x88\x9a((s1\xc2\xb2 + s2\xc2\xb2)/2) (Bonett 2009)",
                              "Bonett's (2009) large-sample variance"};
    case CMETA_SMD1:
        return (measure_text){"the mean difference standardized by the control group's SD (Glass's \xce\x94, with the "
                              "small-sample correction)",
                              "as metafor's escalc (measure SMD1)"};
    case CMETA_MD:
        return (measure_text){"the raw mean difference m1 \xe2\x88\x92 m2",
                              eo->vtype == CMETA_VTYPE_HO ? "v = s_pooled\xc2\xb2 (1/n1 + 1/n2)" : "v = s1\xc2\xb2/n1 + s2\xc2\xb2/n2"};
    case CMETA_ROM:
        return (measure_text){"the log ratio of means log(m1/m2) (Hedges, Gurevitch & Curtis 1999)",
                              "v = s1\xc2\xb2/(n1 m1\xc2\xb2) + s2\xc2\xb2/(n2 m2\xc2\xb2)"};
    case CMETA_MC:
        return (measure_text){"the raw mean change m1 \xe2\x88\x92 m2 (follow-up minus baseline)",
                              "v = (s1\xc2\xb2 + s2\xc2\xb2 \xe2\x88\x92 2 r s1 s2)/n"};
    case CMETA_SMCC:
        return (measure_text){"the standardized mean change with change-score standardization, g = J(n \xe2\x88\x92 1) "
                              "(m1 \xe2\x88\x92 m2)/s_change (Gibbons et al. 1993)",
                              "v = 1/n + g\xc2\xb2/(2n)"};
    case CMETA_SMCR:
        return (measure_text){"the standardized mean change with raw-score standardization, g = J(n \xe2\x88\x92 1) "
                              "(m1 \xe2\x88\x92 m2)/s (Becker 1988)",
                              "v = 2(1 \xe2\x88\x92 r)/n + g\xc2\xb2/(2n)"};
    case CMETA_SMCRH:
        return (measure_text){"the standardized mean change with raw-score standardization, heteroscedastic (Bonett 2008)",
                              "v = J\xc2\xb2 (s_change\xc2\xb2/(s\xc2\xb2 (n \xe2\x88\x92 1)) + g\xc2\xb2/(2(n \xe2\x88\x92 1)))"};
    case CMETA_ROMC:
        return (measure_text){"the log ratio of means of paired measurements (Lajeunesse 2011)",
                              "v = s1\xc2\xb2/(n m1\xc2\xb2) + s2\xc2\xb2/(n m2\xc2\xb2) \xe2\x88\x92 2 r s1 s2/(n m1 m2)"};
    case CMETA_OR: return (measure_text){"the log odds ratio", "v = 1/a + 1/b + 1/c + 1/d (Woolf 1955)"};
    case CMETA_RR: return (measure_text){"the log risk ratio", "v = 1/a \xe2\x88\x92 1/n1 + 1/c \xe2\x88\x92 1/n2"};
    case CMETA_RD:
        return (measure_text){"the risk difference p1 \xe2\x88\x92 p2", "v = p1(1 \xe2\x88\x92 p1)/n1 + p2(1 \xe2\x88\x92 p2)/n2"};
    case CMETA_PETO:
        return (measure_text){"Peto's log odds ratio (a \xe2\x88\x92 E)/V (Yusuf et al. 1985)",
                              "v = 1/V, V the hypergeometric variance of a"};
    case CMETA_AS:
        return (measure_text){"the arcsine square-root risk difference (R\xc3\xbc" "cker et al. 2009)", "v = 1/(4 n1) + 1/(4 n2)"};
    case CMETA_PR: return (measure_text){"the raw proportion p = x/n", "v = p(1 \xe2\x88\x92 p)/n"};
    case CMETA_PLN: return (measure_text){"the log proportion log(x/n)", "v = 1/x \xe2\x88\x92 1/n"};
    case CMETA_PLO: return (measure_text){"the logit proportion log(x/(n \xe2\x88\x92 x))", "v = 1/x + 1/(n \xe2\x88\x92 x)"};
    case CMETA_PAS: return (measure_text){"the arcsine square-root proportion", "v = 1/(4n)"};
    case CMETA_PFT:
        return (measure_text){"the Freeman-Tukey double arcsine proportion (Freeman & Tukey 1950; back-transformed as "
                              "Miller 1978 with the harmonic mean of the n)",
                              "v = 1/(4n + 2)"};
    case CMETA_COR: return (measure_text){"the correlation r", "v = (1 \xe2\x88\x92 r\xc2\xb2)\xc2\xb2/(n \xe2\x88\x92 1)"};
    case CMETA_UCOR:
        return (measure_text){"the unbiased correlation (Olkin & Pratt 1958)", "v = (1 \xe2\x88\x92 r_u\xc2\xb2)\xc2\xb2/(n \xe2\x88\x92 1)"};
    case CMETA_ZCOR: return (measure_text){"Fisher's z = atanh(r) (Fisher 1921)", "v = 1/(n \xe2\x88\x92 3)"};
    default: return (measure_text){"effect sizes given in the file (yi with vi or sei)", "v = vi, or sei\xc2\xb2, as given"};
    }
}

static const char *method_text(cmeta_method m)
{
    switch (m) {
    case CMETA_METHOD_FE: return "the fixed-effect (common-effect) model with inverse-variance weights";
    case CMETA_METHOD_DL: return "a random-effects model with the DerSimonian-Laird estimator of tau\xc2\xb2 (DerSimonian & Laird 1986)";
    case CMETA_METHOD_HE: return "a random-effects model with the Hedges estimator of tau\xc2\xb2 (Hedges & Olkin 1985)";
    case CMETA_METHOD_HS: return "a random-effects model with the Hunter-Schmidt estimator of tau\xc2\xb2 (Hunter & Schmidt 2004)";
    case CMETA_METHOD_SJ: return "a random-effects model with the Sidik-Jonkman estimator of tau\xc2\xb2 (Sidik & Jonkman 2005)";
    case CMETA_METHOD_ML: return "a random-effects model with the maximum-likelihood estimator of tau\xc2\xb2 (Viechtbauer 2005)";
    case CMETA_METHOD_REML:
        return "a random-effects model with the restricted maximum-likelihood (REML) estimator of tau\xc2\xb2 "
               "(Viechtbauer 2005)";
    case CMETA_METHOD_EB: return "a random-effects model with the empirical Bayes estimator of tau\xc2\xb2 (Morris 1983)";
    case CMETA_METHOD_PM: return "a random-effects model with the Paule-Mandel estimator of tau\xc2\xb2 (Paule & Mandel 1982)";
    case CMETA_METHOD_MH:
        return "the Mantel-Haenszel method (Mantel & Haenszel 1959; variance of the log odds ratio: Robins, Breslow & "
               "Greenland 1986)";
    case CMETA_METHOD_PETO: return "Peto's one-step method (Yusuf et al. 1985)";
    default: return "";
    }
}

static const char *test_text(cmeta_test t)
{
    switch (t) {
    case CMETA_TEST_Z: return "Wald-type z tests and intervals from the standard normal distribution";
    case CMETA_TEST_T: return "tests and intervals from the t distribution with k \xe2\x88\x92 1 degrees of freedom";
    case CMETA_TEST_KNHA:
        return "the Knapp-Hartung (Hartung-Knapp-Sidik-Jonkman) adjustment: the variance scaled by the weighted "
               "residual sum of squares over k \xe2\x88\x92 1, with t quantiles on k \xe2\x88\x92 1 degrees of freedom "
               "(Hartung & Knapp 2001; Sidik & Jonkman 2002)";
    default:
        return "the Knapp-Hartung adjustment with its factor truncated at 1 (Knapp & Hartung 2003), t quantiles on "
               "k \xe2\x88\x92 1 degrees of freedom";
    }
}

/* Methods, first sentences: the software, the measure and its sampling variance, the data's
 * conventions (vtype, zero cells, pre/post correlation, converted statistics). */
static void methods_data(FILE *fp, const report *r)
{
    const cmeta_data *d = r->d;
    const cli_opts *o = r->o;
    measure_text mt = measure_info(d->measure, &d->escalc);
    cmeta_family fam = cmeta_measure_family(d->measure);
    fprintf(fp, "The analysis used cmeta %s, which follows the conventions of the R package metafor 3.8 "
                "(Viechtbauer 2010) unless said otherwise. ",
            cmeta_version());
    if (d->measures) {
        char mix[256];
        fputs("Each row's measure was read from its measure column (", fp);
        h(fp, cmeta_data_mix(d, mix, sizeof mix));
        fputs("), all on one scale; the first row's measure is ", fp);
    } else
        fputs("The effect measure is ", fp);
    fprintf(fp, "%s (<code>%s</code>), with sampling variance ", cmeta_measure_name(d->measure), cmeta_measure_name(d->measure));
    h(fp, mt.variance);
    fputs("; ", fp);
    h(fp, mt.what);
    fputs(". ", fp);
    if (d->escalc.vtype != CMETA_VTYPE_LS && fam != CMETA_FAMILY_GEN) {
        static const char *const vt[] = {"LS", "UB", "HO", "AV", "LS2", "AVHO"};
        fprintf(fp, "Sampling variances use metafor's vtype = \"%s\". ", vt[d->escalc.vtype]);
    }
    if (fam == CMETA_FAMILY_BIN2 || fam == CMETA_FAMILY_PROP) {
        static const char *const to[] = {"only0", "all", "if0all", "none"};
        fprintf(fp, "Zero cells: a continuity correction of %g added as metafor's escalc (to = \"%s\"%s)%s. ",
                d->escalc.add, to[d->escalc.to],
                d->escalc.add_explicit ? "" : "; AS, PAS and PFT get none unless --add is given",
                d->escalc.drop00 ? "; studies with no events or only events in both groups left out (drop00)" : "");
    }
    if (fam == CMETA_FAMILY_PREPOST) {
        fprintf(fp, "Pre/post measures: m1i, sd1i are the follow-up and m2i, sd2i the baseline measurement; r is the "
                    "pre-post correlation (the ri column");
        if (o->data.ri_set) fprintf(fp, "; ri = %g from --ri where it has none", o->data.ri);
        fputs("). ", fp);
    }
    if (d->row_yi_from)
        fputs("Studies reporting summary statistics other than the measure's inputs were converted as the "
              "<em>yi from</em> column of the effect sizes says (routes and sources: the cmeta README, "
              "\xe2\x80\x9cReported statistics\xe2\x80\x9d). ",
              fp);
}

/* Methods, the model: pooling method, tests and intervals, heterogeneity, prediction interval,
 * model choice, presets, subgroups, and the sensitivity and small-study analyses. */
static void methods_model(FILE *fp, const report *r)
{
    const cli_opts *o = r->o;
    const cmeta_fit *f = r->pf;
    int random = r->mc.is_random;
    fputs("The studies were pooled with ", fp);
    h(fp, method_text(f->method));
    if (random && (f->method == CMETA_METHOD_MH || f->method == CMETA_METHOD_PETO))
        fputs(", random effects with tau\xc2\xb2 by DerSimonian-Laird from Q around that estimate, as RevMan 5", fp);
    fprintf(fp, "; %g%% confidence intervals and the test of the summary effect use ", f->level);
    h(fp, test_text(f->test));
    fputs(". ", fp);
    if (random && f->method != CMETA_METHOD_MH && f->method != CMETA_METHOD_PETO)
        fputs("The confidence interval of tau\xc2\xb2 is the Q-profile interval (Viechtbauer 2007). ", fp);
    fputs("Heterogeneity: Cochran's Q with k \xe2\x88\x92 1 degrees of freedom; I\xc2\xb2 = 100 tau\xc2\xb2/(tau\xc2\xb2 + "
          "v\xcc\x83), with v\xcc\x83 the typical within-study variance, and H\xc2\xb2 = (tau\xc2\xb2 + v\xcc\x83)/v\xcc\x83 "
          "(Higgins & Thompson 2002), as metafor; I\xc2\xb2 from Q, (Q \xe2\x88\x92 df)/Q, is also given. ",
          fp);
    if (random)
        fprintf(fp, "The prediction interval is estimate &#177; %s \xe2\x88\x9a(SE\xc2\xb2 + tau\xc2\xb2) (as metafor's "
                    "predict; Riley, Higgins & Deeks 2011). ",
                f->test == CMETA_TEST_Z ? "z" : "t(k \xe2\x88\x92 1)");
    if (r->mc.automatic) {
        fprintf(fp, "The model was chosen by the heterogeneity test of the fixed-effect model (--model auto, "
                    "--het-p %g): ", r->mc.het_p);
        h(fp, r->mc.reason);
        fputs(". ", fp);
    }
    if (o->preset_revman5) fputs("Preset revman5: RevMan 5's conventions where no option said otherwise. ", fp);
    if (o->preset_revmanweb)
        fputs("Preset revmanweb: the random-effects methods of RevMan Web since 2025 (Cochrane Methods) where no option "
              "said otherwise. ",
              fp);
    if (r->have_sp) {
        fputs("Subgroups by the column <code>", fp);
        h(fp, o->subgroup);
        fprintf(fp, "</code>, each fitted on its own%s; the test for subgroup differences is the Q test between the "
                    "subgroup estimates (Borenstein et al. 2009). ",
                r->sp.g->tau_common ? " with one common tau\xc2\xb2" : "");
    }
    fputs("Sensitivity and small-study analyses use every study: leave-one-out refits (metafor leave1out); case "
          "diagnostics (Viechtbauer & Cheung 2010); Egger's regression test, a weighted regression of the estimates "
          "on their standard errors (Egger et al. 1997; metafor regtest, model \"lm\"); the rank correlation test "
          "(Begg & Mazumdar 1994); trim and fill with the L0 estimator (Duval & Tweedie 2000); the fail-safe N of "
          "Rosenthal (1979) and Orwin (1983). Each table states the cmeta command whose JSON output holds the same "
          "numbers.</p>\n",
          fp);
}

/* The reference of the pooling method's estimator (none for FE and the others without one). */
static void method_reference(FILE *fp, cmeta_method method, int random)
{
    switch (method) {
    case CMETA_METHOD_DL:
        fputs("<li>DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Controlled Clinical Trials "
              "7:177-188.</li>\n", fp);
        break;
    case CMETA_METHOD_REML:
    case CMETA_METHOD_ML:
        fputs("<li>Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the "
              "random-effects model. Journal of Educational and Behavioral Statistics 30:261-293.</li>\n", fp);
        break;
    case CMETA_METHOD_PM:
        fputs("<li>Paule RC, Mandel J (1982). Consensus values and weighting factors. Journal of Research of the "
              "National Bureau of Standards 87:377-385.</li>\n", fp);
        break;
    case CMETA_METHOD_SJ:
        fputs("<li>Sidik K, Jonkman JN (2005). Simple heterogeneity variance estimation for meta-analysis. Journal "
              "of the Royal Statistical Society C 54:367-384.</li>\n", fp);
        break;
    case CMETA_METHOD_HE:
        fputs("<li>Hedges LV, Olkin I (1985). Statistical Methods for Meta-Analysis. Academic Press.</li>\n", fp);
        break;
    case CMETA_METHOD_HS:
        fputs("<li>Hunter JE, Schmidt FL (2004). Methods of Meta-Analysis, 2nd ed. Sage.</li>\n", fp);
        break;
    case CMETA_METHOD_EB:
        fputs("<li>Morris CN (1983). Parametric empirical Bayes inference. Journal of the American Statistical "
              "Association 78:47-55.</li>\n", fp);
        break;
    case CMETA_METHOD_MH:
        fputs("<li>Mantel N, Haenszel W (1959). Statistical aspects of the analysis of data from retrospective "
              "studies of disease. Journal of the National Cancer Institute 22:719-748.</li>\n", fp);
        if (random)
            fputs("<li>DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Controlled Clinical Trials "
                  "7:177-188.</li>\n", fp);
        break;
    case CMETA_METHOD_PETO:
        fputs("<li>Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and after myocardial "
              "infarction. Progress in Cardiovascular Diseases 27:335-371.</li>\n", fp);
        break;
    default: break;
    }
}

/* Methods, the references: metafor, the method's estimator, the tests and analyses the report uses. */
static void methods_references(FILE *fp, const report *r)
{
    const cmeta_data *d = r->d;
    const cmeta_fit *f = r->pf;
    int random = r->mc.is_random;
    fputs("<h3>References</h3>\n<ol class=\"refs\">\n"
          "<li>Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of Statistical "
          "Software 36(3):1-48. doi:10.18637/jss.v036.i03</li>\n",
          fp);
    method_reference(fp, f->method, random);
    if (f->test == CMETA_TEST_KNHA || f->test == CMETA_TEST_ADHOC)
        fputs("<li>Hartung J, Knapp G (2001). A refined method for the meta-analysis of controlled clinical trials "
              "with binary outcome. Statistics in Medicine 20:3875-3889.</li>\n", fp);
    if (random && f->method != CMETA_METHOD_MH && f->method != CMETA_METHOD_PETO)
        fputs("<li>Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in meta-analysis. "
              "Statistics in Medicine 26:37-52.</li>\n", fp);
    fputs("<li>Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis. Statistics in Medicine "
          "21:1539-1558.</li>\n",
          fp);
    if (random)
        fputs("<li>Riley RD, Higgins JPT, Deeks JJ (2011). Interpretation of random effects meta-analyses. BMJ "
              "342:d549.</li>\n", fp);
    fputs("<li>Viechtbauer W, Cheung MWL (2010). Outlier and influence diagnostics for meta-analysis. Research "
          "Synthesis Methods 1:112-125.</li>\n"
          "<li>Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected by a simple, "
          "graphical test. BMJ 315:629-634.</li>\n"
          "<li>Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test for publication "
          "bias. Biometrics 50:1088-1101.</li>\n"
          "<li>Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of testing and adjusting "
          "for publication bias in meta-analysis. Biometrics 56:455-463.</li>\n"
          "<li>Rosenthal R (1979). The file drawer problem and tolerance for null results. Psychological Bulletin "
          "86:638-641. Orwin RG (1983). A fail-safe N for effect size in meta-analysis. Journal of Educational "
          "Statistics 8:157-159.</li>\n",
          fp);
    if (r->have_bias && d->k < 10)
        fputs("<li>Sterne JAC et al. (2011). Recommendations for examining and interpreting funnel plot asymmetry "
              "in meta-analyses of randomised controlled trials. BMJ 343:d4002.</li>\n", fp);
    fputs("</ol>\n</section>\n", fp);
}

/* Section 8, Methods: what was done, with the references. */
static void section_methods(FILE *fp, const report *r)
{
    fputs("<section id=\"methods\">\n<h2>8. Methods</h2>\n<p id=\"methods-text\">", fp);
    methods_data(fp, r);
    methods_model(fp, r);
    methods_references(fp, r);
}

static void section_record(FILE *fp, const report *r)
{
    const cli_report_ctx *ctx = r->ctx;
    fputs("<section id=\"reproducibility\">\n<h2>9. Reproducibility record</h2>\n<dl class=\"record\">\n", fp);
    fprintf(fp, "<dt>software</dt><dd id=\"rec-version\">cmeta %s</dd>\n", cmeta_version());
    fputs("<dt>command</dt><dd><code id=\"rec-command\">cmeta", fp);
    for (int i = 0; i < r->argc; i++) {
        fputc(' ', fp);
        const char *a = r->argv[i];
        /* batch: the report's final path, not the staging file it was written to */
        if (ctx && ctx->shown_output && i > 0 && (!strcmp(r->argv[i - 1], "-o") || !strcmp(r->argv[i - 1], "--output")))
            a = ctx->shown_output;
        cli_html_shell_arg(fp, a);
    }
    fputs("</code></dd>\n", fp);
    if (ctx && ctx->batch_cmdline) {
        fputs("<dt>run by</dt><dd><code id=\"rec-batch\">", fp);
        h(fp, ctx->batch_cmdline);
        fputs("</code></dd>\n", fp);
    }
    fputs("<dt>input</dt><dd><code id=\"rec-input\">", fp);
    h(fp, strcmp(r->o->inputs[0], "-") ? r->o->inputs[0] : "standard input");
    fputs("</code></dd>\n<dt>SHA-256</dt><dd>", fp);
    if (r->sha[0]) fprintf(fp, "<code class=\"sha256\" id=\"rec-sha256\">%s</code>", r->sha);
    else {
        fputs("<span id=\"rec-sha256\">", fp);
        h(fp, r->sha_note);
        fputs("</span>", fp);
    }
    fputs("</dd>\n", fp);
    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    int fixed = 0;
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (!errno && !*end && v >= 0) now = (time_t)v, fixed = 1;
    }
    struct tm tmv;
    char date[64] = "unknown";
    if (gmtime_r(&now, &tmv)) strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    fprintf(fp, "<dt>date (UTC)</dt><dd id=\"rec-date\">%s%s</dd>\n", date, fixed ? " (SOURCE_DATE_EPOCH)" : "");
    fputs("</dl>\n<p class=\"note\">Re-running the command on a file with the same SHA-256 gives the same numbers "
          "(<code>sha256sum FILE</code> prints the digest). The numbers of each table are those of the cmeta command "
          "it names, with --format json.</p>\n</section>\n",
          fp);
}

static void write_page(FILE *fp, const report *r)
{
    const char *in = strcmp(r->o->inputs[0], "-") ? r->o->inputs[0] : "standard input";
    char title[600];
    snprintf(title, sizeof title, "Meta-analysis report: %s", in);
    cli_html_head(fp, title);
    fputs("<header>\n<h1>Meta-analysis report</h1>\n<p class=\"note\">Input <code id=\"input-name\">", fp);
    h(fp, in);
    fprintf(fp, "</code>; written by cmeta %s.</p>\n", cmeta_version());
    fputs("<nav><ol>\n<li><a href=\"#data\">Data as read</a></li>\n<li><a href=\"#effects\">Effect sizes</a></li>\n"
          "<li><a href=\"#model\">Model and heterogeneity</a></li>\n<li><a href=\"#forest\">Forest plot</a></li>\n"
          "<li><a href=\"#bias\">Funnel plot and small-study effects</a></li>\n<li><a href=\"#loo\">Leave-one-out</a></li>\n"
          "<li><a href=\"#influence\">Influence diagnostics</a></li>\n<li><a href=\"#methods\">Methods</a></li>\n"
          "<li><a href=\"#reproducibility\">Reproducibility record</a></li>\n</ol></nav>\n</header>\n",
          fp);
    section_data(fp, r);
    section_effects(fp, r);
    section_model(fp, r);
    section_forest(fp, r);
    section_bias(fp, r);
    section_loo(fp, r);
    section_influence(fp, r);
    section_methods(fp, r);
    section_record(fp, r);
    cli_html_foot(fp);
}

int cli_report_main(int argc, char **argv, const cli_report_ctx *ctx)
{
    cli_opts o;
    int rc = cli_start(argc, argv, &o);
    if (rc >= 0) return rc;
    report r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.argc = argc;
    r.argv = argv;
    r.ctx = ctx;
    cmeta_warnings_init(&r.w);
    cmeta_warnings_init(&r.wloo);
    cmeta_warnings_init(&r.winf);
    cmeta_warnings_init(&r.wbias);
    if ((rc = analyse(&r)) == 0) {
        cli_out out;
        if ((rc = cli_out_open(&out, o.output)) == 0) {
            write_page(out.fp, &r);
            rc = cli_out_commit(&out);
        }
    }
    if (rc == 0) {
        cli_print_warnings(&r.w);
        cli_print_warnings(&r.wloo);
        cli_print_warnings(&r.winf);
        cli_print_warnings(&r.wbias);
        if (o.model_auto) fprintf(stderr, "cmeta: model chosen by --model auto: %s\n", r.mc.reason);
    }
    free(r.forest_svg);
    free(r.funnel_svg);
    free(r.loo);
    cmeta_influence_free(r.inf);
    cmeta_trimfill_free(r.bias.tf);
    if (r.have_sp) cli_split_free(&r.sp);
    cmeta_fit_free(r.fit);
    cmeta_data_free(r.d);
    cmeta_table_free(r.t);
    cmeta_warnings_free(&r.w);
    cmeta_warnings_free(&r.wloo);
    cmeta_warnings_free(&r.winf);
    cmeta_warnings_free(&r.wbias);
    cmeta_plot_cleanup_at_exit();
    cli_opts_free(&o);
    return rc;
}

int cmeta_cmd_report(int argc, char **argv) { return cli_report_main(argc, argv, NULL); }
