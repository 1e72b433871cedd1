/* cli_lazy.c - open a shared library on first use and resolve a table of its symbols.
 *
 * The program (not the library) is linked without OpenBLAS (cli_blas.c) and without cairo and
 * fontconfig (cli_cairo.c): it defines the symbols the library calls as stand-ins that open
 * the real shared library on their first call, under pthread_once, and forward every call to
 * the library's own routine. See cli.h. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_lazy_open(const char *soname, const char *const *names, cli_lazy_fn *fns, size_t n)
{
    void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    for (size_t i = 0; i < n; i++) {
        void *p = h ? dlsym(h, names[i]) : NULL;
        if (!p) {
            const char *e = dlerror();
            fprintf(stderr, "cmeta: cannot load %s (%s): %s\n", soname, names[i],
                    e ? e : "symbol not found");
            fflush(stderr);
            cli_remove_tmp_files();
            _Exit(4);
        }
        /* POSIX: dlsym's object pointer holds a function's address; copy its bits */
        memcpy(&fns[i], &p, sizeof p);
    }
}
