/*
 * hmac.c: the webhook signature, HMAC-SHA256 through OpenSSL's libcrypto
 * (HMAC() is not among the functions OpenSSL 3 deprecated).
 */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common.h"

int
hmac_sha256_hex(const char *key, size_t keylen, const char *data, size_t len,
    char out[65])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;

	out[0] = '\0';
	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data,
	    len, md, &mdlen) == NULL || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
	return 0;
}
