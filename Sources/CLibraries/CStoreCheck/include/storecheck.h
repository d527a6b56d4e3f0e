/*
 * CStoreCheck: checks an LMDB data file without trusting it.
 *
 * LMDB maps data.mdb and follows the page numbers and offsets it finds
 * there; a truncated file makes it touch pages past the end of the file
 * (SIGBUS), and a damaged page makes its cursors read outside the map
 * (SIGSEGV). Both kill the host. This walker reads the same structures
 * with pread(2) into its own buffers and checks every number before it
 * uses it, so that afterwards LMDB's cursors only meet what was checked.
 *
 * Its names do not start with nudge_, which libnudge.so exports: this is
 * internal to the store.
 *
 * It follows LMDB 0.9's on-disk format (mdb.c: MDB_meta, MDB_page,
 * MDB_node, MDB_db) for a 64-bit build, the only one Nudge ships.
 */
#ifndef CSTORECHECK_H
#define CSTORECHECK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* storecheck_walk() results. */
#define STORECHECK_OK       0  /* every page reachable from the meta page is sound */
#define STORECHECK_DAMAGED  1  /* msg says what is damaged, and where */
#define STORECHECK_MOVED    2  /* no meta page holds want_txnid any more: retry */
#define STORECHECK_IO       3  /* pread or fstat failed; msg names the call, errno is set */

/*
 * Checks the data file open on fd (read access is enough).
 *
 * fd          An open data.mdb. Only pread(2) and fstat(2) are used, so the
 *             file may be in use by LMDB, in this process or another.
 * want_txnid  0: check the snapshot LMDB would open (the newer valid meta
 *             page), after checking that the file is as long as that meta
 *             page says. Otherwise: check the snapshot of this transaction
 *             id, which the caller keeps alive with a read transaction so
 *             that none of its pages is reused meanwhile.
 * txnid       If not NULL, receives the checked snapshot's transaction id.
 * msg         Receives a NUL-terminated English message on any result but
 *             STORECHECK_OK, e.g. "table enable: page 37: node 2 runs past
 *             the end of the page". Tables are named by their LMDB name;
 *             "the free list" and "the main table" are LMDB's own.
 * msglen      Size of msg, at least 1.
 *
 * Returns a STORECHECK_* code. Allocates memory in proportion to the
 * file's page count (one bit a page) and the tree depth (one page a
 * level); returns STORECHECK_IO with errno ENOMEM when that fails.
 */
int storecheck_walk(int fd, uint64_t want_txnid, uint64_t *txnid, char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif

#endif
