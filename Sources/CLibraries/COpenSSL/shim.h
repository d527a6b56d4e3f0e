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
