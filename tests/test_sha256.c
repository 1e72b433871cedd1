/* test_sha256.c - SHA-256 (src/lib/sha256.c) against the examples of FIPS 180-2 (appendix B)
 * and the NIST test vectors, and independence from how the message is split into updates.
 * The program's digests of whole files are compared with sha256sum in tests/cli/t_htmlreport.sh. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "cmeta/sha256.h"

static void digest_of(const void *p, size_t n, char hex[65])
{
    cmeta_sha256_ctx c;
    unsigned char d[32];
    cmeta_sha256_init(&c);
    cmeta_sha256_update(&c, p, n);
    cmeta_sha256_final(&c, d);
    cmeta_sha256_hex(d, hex);
}

static void test_vectors(void)
{
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
        {"The quick brown fox jumps over the lazy dog",
         "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char hex[65];
        digest_of(v[i].msg, strlen(v[i].msg), hex);
        CU_ASSERT_STRING_EQUAL(hex, v[i].hex);
    }
}

/* one million times 'a' (FIPS 180-2 B.3), given in pieces of 1000 */
static void test_million(void)
{
    char a[1000], hex[65];
    unsigned char d[32];
    memset(a, 'a', sizeof a);
    cmeta_sha256_ctx c;
    cmeta_sha256_init(&c);
    for (int i = 0; i < 1000; i++) cmeta_sha256_update(&c, a, sizeof a);
    cmeta_sha256_final(&c, d);
    cmeta_sha256_hex(d, hex);
    CU_ASSERT_STRING_EQUAL(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* every length 0..200 (the padding's edge cases 55, 56, 63, 64, 119, 120 among them), each
 * split at every point into two updates and fed byte by byte: one digest */
static void test_splits(void)
{
    unsigned char m[200];
    for (size_t i = 0; i < sizeof m; i++) m[i] = (unsigned char)(i * 131 + 7);
    size_t bad = 0;
    for (size_t n = 0; n <= sizeof m; n++) {
        char whole[65], part[65];
        digest_of(m, n, whole);
        for (size_t s = 0; s <= n; s++) {
            cmeta_sha256_ctx c;
            unsigned char d[32];
            cmeta_sha256_init(&c);
            cmeta_sha256_update(&c, m, s);
            cmeta_sha256_update(&c, m + s, n - s);
            cmeta_sha256_final(&c, d);
            cmeta_sha256_hex(d, part);
            bad += strcmp(whole, part) != 0;
        }
        cmeta_sha256_ctx c;
        unsigned char d[32];
        cmeta_sha256_init(&c);
        for (size_t i = 0; i < n; i++) cmeta_sha256_update(&c, m + i, 1);
        cmeta_sha256_final(&c, d);
        cmeta_sha256_hex(d, part);
        bad += strcmp(whole, part) != 0;
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* 64 bytes of 'a' (one block of message, then a block of padding alone) */
    char hex[65];
    digest_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64, hex);
    CU_ASSERT_STRING_EQUAL(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("SHA-256 (FIPS 180-4)", NULL, NULL);
    CU_add_test(s, "FIPS 180-2 and NIST vectors", test_vectors);
    CU_add_test(s, "one million 'a'", test_million);
    CU_add_test(s, "split points and padding edges", test_splits);
    return tu_run();
}
