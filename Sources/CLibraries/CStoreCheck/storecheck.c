/*
 * A bounded walk over an LMDB 0.9 data file: see storecheck.h.
 *
 * Every page is read with pread into a buffer of our own; every page
 * number is checked against the snapshot's last page, every offset and
 * size against the page, and every page may be reached once only (which
 * also rules out cycles). What LMDB itself asserts on (a branch page with
 * fewer than two keys) is refused here, because its assertions abort.
 */
#define _GNU_SOURCE
#include "storecheck.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mdb.c's layout (64-bit). */
#define PAGEHDRSZ   16u
#define NODESIZE    8u
#define DBSIZE      48u      /* sizeof(MDB_db) */
#define META_MAGIC  0xBEEFC0DEu
#define DATA_VERSION 1u
#define P_BRANCH    0x01u
#define P_LEAF      0x02u
#define P_OVERFLOW  0x04u
#define P_META      0x08u
#define P_LEAF2     0x20u
#define P_SUBP      0x40u
#define P_KINDS     (P_BRANCH | P_LEAF | P_OVERFLOW | P_META | P_LEAF2 | P_SUBP)
#define F_BIGDATA   0x01u
#define F_SUBDATA   0x02u
#define F_DUPDATA   0x04u
#define P_INVALID   (~(uint64_t)0)
/* Table flags that give a table sub-databases: a cursor on the free list
   or the main table with one of them set trips an LMDB assertion (abort). */
#define DUP_FLAGS   (0x04u | 0x10u | 0x20u | 0x40u)   /* DUPSORT, DUPFIXED, INTEGERDUP, REVERSEDUP */
#define MAX_DEPTH   32u      /* CURSOR_STACK */
#define MAX_KEY     511u     /* mdb_env_get_maxkeysize() */

typedef struct {
    uint32_t pad;            /* the page size, in the free list's record */
    uint16_t flags, depth;
    uint64_t branch_pages, leaf_pages, overflow_pages, entries, root;
} db_rec;

typedef struct {
    uint64_t txnid, last_pg;
    uint32_t psize;
    db_rec free_db, main_db;
} meta_rec;

enum tree_kind { TREE_FREE, TREE_MAIN, TREE_TABLE };

typedef struct {
    char name[64];
    db_rec db;
} subdb;

typedef struct {
    int fd;
    uint32_t psize;
    uint64_t last_pg;
    unsigned char *seen;            /* one bit a page */
    unsigned char *level[MAX_DEPTH + 1];
    char *msg;
    size_t msglen;
    subdb *subs;
    size_t nsubs, capsubs;
    /* per tree */
    const char *table;
    enum tree_kind kind;
    uint64_t leaves_entries, branch_pages, leaf_pages, overflow_pages;
} walker;

static uint16_t u16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t u32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int say(walker *w, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, w->msglen, fmt, ap);
    va_end(ap);
    return code;
}

static db_rec read_db(const unsigned char *p) {
    db_rec d;
    d.pad = u32(p);
    d.flags = u16(p + 4);
    d.depth = u16(p + 6);
    d.branch_pages = u64(p + 8);
    d.leaf_pages = u64(p + 16);
    d.overflow_pages = u64(p + 24);
    d.entries = u64(p + 32);
    d.root = u64(p + 40);
    return d;
}

/* Reads exactly len bytes at off; STORECHECK_DAMAGED when the file ends first. */
static int read_at(walker *w, void *buf, size_t len, uint64_t off, uint64_t pgno) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(w->fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return say(w, STORECHECK_IO, "cannot read page %llu: %s", (unsigned long long)pgno, strerror(errno));
        }
        if (n == 0) {
            return say(w, STORECHECK_DAMAGED, "%s: page %llu is past the end of the file", w->table,
                       (unsigned long long)pgno);
        }
        done += (size_t)n;
    }
    return STORECHECK_OK;
}

/* Claims pages [pgno, pgno + count): each must exist and be reached once. */
static int claim(walker *w, uint64_t pgno, uint64_t count, const char *what) {
    if (count == 0 || pgno > w->last_pg || count - 1 > w->last_pg - pgno) {
        return say(w, STORECHECK_DAMAGED, "%s: %s page %llu (+%llu) is beyond the last page %llu", w->table, what,
                   (unsigned long long)pgno, (unsigned long long)(count - 1), (unsigned long long)w->last_pg);
    }
    for (uint64_t p = pgno; p < pgno + count; p++) {
        if (w->seen[p >> 3] & (1u << (p & 7))) {
            return say(w, STORECHECK_DAMAGED, "%s: page %llu is reached twice (a cycle or a shared page)", w->table,
                       (unsigned long long)p);
        }
        w->seen[p >> 3] |= (unsigned char)(1u << (p & 7));
    }
    return STORECHECK_OK;
}

/* A leaf's data stored on overflow pages; *data (if not NULL) receives a
   malloc'd copy, for the free list whose records must be read. */
static int check_overflow(walker *w, uint64_t pgno, uint64_t leaf, unsigned i, uint64_t dsize, unsigned char **data) {
    unsigned char hdr[PAGEHDRSZ];
    int rc;
    if (pgno > w->last_pg) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u points to overflow page %llu, beyond the last page %llu",
                   w->table, (unsigned long long)leaf, i, (unsigned long long)pgno, (unsigned long long)w->last_pg);
    }
    if ((rc = read_at(w, hdr, sizeof hdr, pgno * w->psize, pgno)) != STORECHECK_OK) return rc;
    uint32_t pages = u32(hdr + 12);
    uint64_t need = (PAGEHDRSZ + dsize + w->psize - 1) / w->psize;
    if (u64(hdr) != pgno || (u16(hdr + 10) & P_KINDS) != P_OVERFLOW || pages < need) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u: overflow page %llu is damaged (%u page(s) for %llu bytes)",
                   w->table, (unsigned long long)leaf, i, (unsigned long long)pgno, pages, (unsigned long long)dsize);
    }
    if ((rc = claim(w, pgno, pages, "overflow")) != STORECHECK_OK) return rc;
    w->overflow_pages += pages;
    if (data) {
        *data = malloc(dsize ? dsize : 1);
        if (!*data) { errno = ENOMEM; return say(w, STORECHECK_IO, "out of memory"); }
        if ((rc = read_at(w, *data, dsize, pgno * w->psize + PAGEHDRSZ, pgno)) != STORECHECK_OK) {
            free(*data);
            *data = NULL;
        }
        return rc;
    }
    return STORECHECK_OK;
}

/* A free-list record: a count, then that many page numbers. */
static int check_idl(walker *w, const unsigned char *data, uint64_t dsize, uint64_t leaf, unsigned i) {
    if (dsize < 8 || dsize % 8 != 0 || u64(data) > dsize / 8 - 1) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u is not a page list (%llu bytes)", w->table,
                   (unsigned long long)leaf, i, (unsigned long long)dsize);
    }
    uint64_t n = u64(data);
    for (uint64_t k = 1; k <= n; k++) {
        uint64_t p = u64(data + 8 * k);
        if (p < 2 || p > w->last_pg) {
            return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u lists free page %llu, outside pages 2..%llu",
                       w->table, (unsigned long long)leaf, i, (unsigned long long)p, (unsigned long long)w->last_pg);
        }
    }
    return STORECHECK_OK;
}

static int remember_table(walker *w, const unsigned char *key, unsigned ksize, const unsigned char *rec) {
    if (w->nsubs == w->capsubs) {
        size_t cap = w->capsubs ? w->capsubs * 2 : 16;
        subdb *s = realloc(w->subs, cap * sizeof *s);
        if (!s) { errno = ENOMEM; return say(w, STORECHECK_IO, "out of memory"); }
        w->subs = s;
        w->capsubs = cap;
    }
    subdb *s = &w->subs[w->nsubs++];
    unsigned n = ksize < sizeof s->name - 1 ? ksize : (unsigned)sizeof s->name - 1;
    for (unsigned k = 0; k < n; k++) s->name[k] = (key[k] >= 0x20 && key[k] < 0x7f) ? (char)key[k] : '?';
    s->name[n] = 0;
    s->db = read_db(rec);
    return STORECHECK_OK;
}

static int check_leaf_node(walker *w, const unsigned char *pg, uint64_t pgno, unsigned i, uint32_t off) {
    const unsigned char *node = pg + off;
    uint64_t dsize = (uint64_t)u16(node) | (uint64_t)u16(node + 2) << 16;
    unsigned flags = u16(node + 4), ksize = u16(node + 6);
    const unsigned char *key = node + NODESIZE, *data = key + ksize;
    uint64_t room = w->psize - off - NODESIZE - ksize;   /* bytes after the key; checked >= 0 by the caller */
    unsigned allowed = w->kind == TREE_MAIN ? F_SUBDATA : F_BIGDATA;
    if (ksize == 0 || ksize > MAX_KEY || (w->kind == TREE_FREE && ksize != 8)) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u has a key of %u bytes", w->table,
                   (unsigned long long)pgno, i, ksize);
    }
    if ((flags & ~allowed) != 0 || (w->kind == TREE_MAIN && flags != F_SUBDATA)) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u has flags 0x%x", w->table,
                   (unsigned long long)pgno, i, flags);
    }
    if (flags & F_BIGDATA) {
        if (room < 8) {
            return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u runs past the end of the page", w->table,
                       (unsigned long long)pgno, i);
        }
        unsigned char *copy = NULL;
        int rc = check_overflow(w, u64(data), pgno, i, dsize, w->kind == TREE_FREE ? &copy : NULL);
        if (rc == STORECHECK_OK && copy) rc = check_idl(w, copy, dsize, pgno, i);
        free(copy);
        return rc;
    }
    if (dsize > room) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u (%llu bytes of data) runs past the end of the page",
                   w->table, (unsigned long long)pgno, i, (unsigned long long)dsize);
    }
    if (w->kind == TREE_FREE) return check_idl(w, data, dsize, pgno, i);
    if (w->kind == TREE_MAIN) {
        if (dsize != DBSIZE) {
            return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u is a table record of %llu bytes, not %u",
                       w->table, (unsigned long long)pgno, i, (unsigned long long)dsize, DBSIZE);
        }
        return remember_table(w, key, ksize, data);
    }
    return STORECHECK_OK;
}

static int walk(walker *w, uint64_t pgno, unsigned depth, unsigned want_depth) {
    int rc;
    if (depth > want_depth || depth > MAX_DEPTH) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu is deeper (%u) than the table's depth %u", w->table,
                   (unsigned long long)pgno, depth, want_depth);
    }
    if ((rc = claim(w, pgno, 1, "tree")) != STORECHECK_OK) return rc;
    if (!w->level[depth] && !(w->level[depth] = malloc(w->psize))) {
        errno = ENOMEM;
        return say(w, STORECHECK_IO, "out of memory");
    }
    unsigned char *pg = w->level[depth];
    if ((rc = read_at(w, pg, w->psize, pgno * w->psize, pgno)) != STORECHECK_OK) return rc;
    unsigned kind = u16(pg + 10) & P_KINDS;
    uint16_t lower = u16(pg + 12), upper = u16(pg + 14);
    if (u64(pg) != pgno) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu says it is page %llu", w->table, (unsigned long long)pgno,
                   (unsigned long long)u64(pg));
    }
    if (kind != P_BRANCH && kind != P_LEAF) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu is neither a branch nor a leaf (flags 0x%x)", w->table,
                   (unsigned long long)pgno, u16(pg + 10));
    }
    if (lower < PAGEHDRSZ || lower > upper || upper > w->psize || (lower - PAGEHDRSZ) % 2) {
        return say(w, STORECHECK_DAMAGED, "%s: page %llu has a damaged header (lower %u, upper %u)", w->table,
                   (unsigned long long)pgno, lower, upper);
    }
    unsigned n = (lower - PAGEHDRSZ) / 2;
    if (kind == P_LEAF ? (n < 1 || depth != want_depth) : n < 2) {
        return say(w, STORECHECK_DAMAGED, "%s: %s page %llu has %u key(s) at depth %u of %u", w->table,
                   kind == P_LEAF ? "leaf" : "branch", (unsigned long long)pgno, n, depth, want_depth);
    }
    if (kind == P_LEAF) { w->leaf_pages++; w->leaves_entries += n; } else { w->branch_pages++; }
    for (unsigned i = 0; i < n; i++) {
        uint32_t off = u16(pg + PAGEHDRSZ + 2 * i);
        if (off < upper || off % 2 || off + NODESIZE > w->psize || off + NODESIZE + u16(pg + off + 6) > w->psize) {
            return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u (at offset %u) runs past the end of the page",
                       w->table, (unsigned long long)pgno, i, off);
        }
        if (kind == P_LEAF) {
            if ((rc = check_leaf_node(w, pg, pgno, i, off)) != STORECHECK_OK) return rc;
            continue;
        }
        const unsigned char *node = pg + off;
        uint64_t child = (uint64_t)u16(node) | (uint64_t)u16(node + 2) << 16 | (uint64_t)u16(node + 4) << 32;
        if (u16(node + 6) > MAX_KEY) {
            return say(w, STORECHECK_DAMAGED, "%s: page %llu: node %u has a key of %u bytes", w->table,
                       (unsigned long long)pgno, i, u16(node + 6));
        }
        if ((rc = walk(w, child, depth + 1, want_depth)) != STORECHECK_OK) return rc;
        /* The recursion reused deeper buffers only; pg is intact. */
    }
    return STORECHECK_OK;
}

static int walk_tree(walker *w, const char *table, enum tree_kind kind, const db_rec *db) {
    w->table = table;
    w->kind = kind;
    w->leaves_entries = w->branch_pages = w->leaf_pages = w->overflow_pages = 0;
    /* Nudge opens every table without flags, and the main table too;
       the free list carries MDB_INTEGERKEY and the environment's flags. */
    if ((kind == TREE_FREE ? db->flags & DUP_FLAGS : db->flags) != 0) {
        return say(w, STORECHECK_DAMAGED, "%s: the table record has flags 0x%x", table, db->flags);
    }
    if (db->root == P_INVALID) {
        if (db->depth != 0 || db->entries != 0) {
            return say(w, STORECHECK_DAMAGED, "%s: the table is empty but its record says depth %u, %llu entries",
                       table, db->depth, (unsigned long long)db->entries);
        }
        return STORECHECK_OK;
    }
    if (db->depth == 0) return say(w, STORECHECK_DAMAGED, "%s: the table record says depth 0 but has a root", table);
    int rc = walk(w, db->root, 1, db->depth);
    if (rc != STORECHECK_OK) return rc;
    if (w->leaves_entries != db->entries || w->branch_pages != db->branch_pages || w->leaf_pages != db->leaf_pages ||
        w->overflow_pages != db->overflow_pages) {
        return say(w, STORECHECK_DAMAGED,
                   "%s: the table record says %llu entries on %llu/%llu/%llu branch/leaf/overflow pages, "
                   "the pages hold %llu on %llu/%llu/%llu", table, (unsigned long long)db->entries,
                   (unsigned long long)db->branch_pages, (unsigned long long)db->leaf_pages,
                   (unsigned long long)db->overflow_pages, (unsigned long long)w->leaves_entries,
                   (unsigned long long)w->branch_pages, (unsigned long long)w->leaf_pages,
                   (unsigned long long)w->overflow_pages);
    }
    return STORECHECK_OK;
}

/* Reads the meta page at off; STORECHECK_DAMAGED names what is wrong. */
static int read_meta(walker *w, uint64_t off, unsigned which, meta_rec *m) {
    unsigned char buf[PAGEHDRSZ + 136];
    char table[16];
    snprintf(table, sizeof table, "meta page %u", which);
    w->table = table;
    int rc = read_at(w, buf, sizeof buf, off, which);
    if (rc != STORECHECK_OK) {
        return rc == STORECHECK_DAMAGED ? say(w, rc, "meta page %u is past the end of the file", which) : rc;
    }
    const unsigned char *mm = buf + PAGEHDRSZ;
    if (!(u16(buf + 10) & P_META) || u32(mm) != META_MAGIC || u32(mm + 4) != DATA_VERSION) {
        return say(w, STORECHECK_DAMAGED, "meta page %u is not an LMDB meta page (magic 0x%08x, version %u)", which,
                   u32(mm), u32(mm + 4));
    }
    m->free_db = read_db(mm + 24);
    m->main_db = read_db(mm + 72);
    m->psize = m->free_db.pad;
    m->last_pg = u64(mm + 120);
    m->txnid = u64(mm + 128);
    if (m->psize < 512 || m->psize > 65536 || (m->psize & (m->psize - 1))) {
        return say(w, STORECHECK_DAMAGED, "meta page %u gives a page size of %u", which, m->psize);
    }
    /* LMDB hands transaction ids out as size_t, which Swift reads as Int. */
    if (m->txnid > (UINT64_MAX >> 1)) {
        return say(w, STORECHECK_DAMAGED, "meta page %u gives a transaction id of %llu", which,
                   (unsigned long long)m->txnid);
    }
    if (m->last_pg < 1 || m->last_pg > (UINT64_MAX >> 17)) {
        return say(w, STORECHECK_DAMAGED, "meta page %u gives a last page of %llu", which,
                   (unsigned long long)m->last_pg);
    }
    return STORECHECK_OK;
}

static int check(walker *w, uint64_t want_txnid, uint64_t *txnid) {
    meta_rec metas[2];
    int rc = read_meta(w, 0, 0, &metas[0]);
    if (rc != STORECHECK_OK) return rc;
    if ((rc = read_meta(w, metas[0].psize, 1, &metas[1])) != STORECHECK_OK) return rc;
    if (metas[1].psize != metas[0].psize) {
        return say(w, STORECHECK_DAMAGED, "the meta pages disagree on the page size (%u, %u)", metas[0].psize,
                   metas[1].psize);
    }
    const meta_rec *m;
    if (want_txnid == 0) {
        m = &metas[metas[0].txnid < metas[1].txnid];
    } else if (metas[0].txnid == want_txnid || metas[1].txnid == want_txnid) {
        m = &metas[metas[1].txnid == want_txnid];
    } else {
        return say(w, STORECHECK_MOVED, "transaction %llu is no longer in a meta page", (unsigned long long)want_txnid);
    }
    struct stat st;
    if (fstat(w->fd, &st) != 0) return say(w, STORECHECK_IO, "cannot stat the file: %s", strerror(errno));
    uint64_t need = (m->last_pg + 1) * m->psize;
    if ((uint64_t)st.st_size < need) {
        return say(w, STORECHECK_DAMAGED,
                   "the file is %llu bytes, but its last transaction (%llu) needs %llu: the file was truncated (or its meta page is damaged)",
                   (unsigned long long)st.st_size, (unsigned long long)m->txnid, (unsigned long long)need);
    }
    if (txnid) *txnid = m->txnid;
    w->psize = m->psize;
    w->last_pg = m->last_pg;
    w->seen = calloc(m->last_pg / 8 + 1, 1);
    if (!w->seen) { errno = ENOMEM; return say(w, STORECHECK_IO, "out of memory"); }
    w->seen[0] |= 3;   /* the meta pages belong to no tree */
    if ((rc = walk_tree(w, "the free list", TREE_FREE, &m->free_db)) != STORECHECK_OK) return rc;
    if ((rc = walk_tree(w, "the main table", TREE_MAIN, &m->main_db)) != STORECHECK_OK) return rc;
    for (size_t i = 0; i < w->nsubs; i++) {
        char table[80];
        snprintf(table, sizeof table, "table %s", w->subs[i].name);
        if ((rc = walk_tree(w, table, TREE_TABLE, &w->subs[i].db)) != STORECHECK_OK) return rc;
    }
    return STORECHECK_OK;
}

int storecheck_walk(int fd, uint64_t want_txnid, uint64_t *txnid, char *msg, size_t msglen) {
    char scratch[1];
    walker w;
    memset(&w, 0, sizeof w);
    w.fd = fd;
    w.msg = msg && msglen ? msg : scratch;
    w.msglen = msg && msglen ? msglen : sizeof scratch;
    w.msg[0] = 0;
    int rc = check(&w, want_txnid, txnid);
    int saved = errno;
    free(w.seen);
    free(w.subs);
    for (unsigned i = 0; i <= MAX_DEPTH; i++) free(w.level[i]);
    errno = saved;
    return rc;
}
