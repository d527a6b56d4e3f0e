#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/x509.h>

/* getrandom(2): SecureRandom's fallback when RAND_bytes fails. Swift's Glibc
   module does not export it, and NudgeCrypto may depend only on COpenSSL. */
#include <sys/random.h>

/* A P-256 public key from its 65-byte uncompressed point, built from
   parameters (OpenSSL refuses a point off the curve), or NULL. In C because
   OSSL_PARAM keeps pointers to its key names and values, which Swift's
   temporary C strings would not outlive. */
static inline EVP_PKEY *nudge_p256_public_key(const unsigned char *point, size_t length) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, length),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *key = NULL;
    if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = NULL;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/* An HMAC-SHA-256 context with its digest set, made once: each MAC copies
   it (EVP_MAC_CTX_dup) instead of fetching HMAC and SHA-256 by name, which
   costs more than the MAC of a short input (HKDF takes several per Web
   Push message). NULL if the default provider lacks them. */
static inline EVP_MAC_CTX *nudge_hmac_sha256_template(void) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context keeps its own reference */
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* HMAC-SHA-256 of data under key into out (32 bytes) from the template;
   1 on success. An empty key is a key of length 0, as RFC 2104 allows. */
static inline int nudge_hmac_sha256(const EVP_MAC_CTX *template_ctx, const unsigned char *key, size_t key_length,
                                    const unsigned char *data, size_t length, unsigned char *out) {
    static const unsigned char none = 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(template_ctx);
    if (ctx == NULL) return 0;
    size_t written = 0;
    int ok = EVP_MAC_init(ctx, key_length ? key : &none, key_length, NULL) == 1
        && EVP_MAC_update(ctx, length ? data : &none, length) == 1
        && EVP_MAC_final(ctx, out, &written, 32) == 1 && written == 32;
    EVP_MAC_CTX_free(ctx);
    return ok;
}
