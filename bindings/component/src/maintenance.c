/* maintenance.c: see maintenance.h. */
#define _GNU_SOURCE
#include "maintenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "outq.h"
#include "router.h"

#define EXIT_TEMPFAIL 75   /* sysexits EX_TEMPFAIL: try again (through the running component) */

/* {"command":"verify"} or {"command":"backup","path":dir}; NULL when out of memory. */
static char *request(const char *backup_dir) {
    json_t *r = backup_dir ? json_pack("{s:s, s:s}", "command", "backup", "path", backup_dir)
                           : json_pack("{s:s}", "command", "verify");
    char *text = r ? json_dumps(r, JSON_COMPACT) : NULL;
    json_decref(r);
    return text;
}

/* Runs one command; *reply is the engine's JSON (free with nudge_free). */
static int run_admin(nudge_engine *e, const char *backup_dir, char **reply) {
    char *req = request(backup_dir);
    *reply = NULL;
    if (!req) return NUDGE_ENOMEM;
    int rc = nudge_admin(e, req, reply);
    free(req);
    return rc;
}

int maintenance_offline(const struct component_config *cfg, const char *backup_dir) {
    nudge_engine *e = NULL;
    char *err = NULL;
    int rc = nudge_open(cfg->engine_json, &e, &err);
    if (rc != NUDGE_OK) {
        if (rc == NUDGE_ELOCKED)
            log_msg(NC_LOG_ERR, "%s; while nudge-component runs, send it SIGUSR2 to verify%s (results in its log)",
                    err ? err : nudge_strerror(rc), backup_dir ? " and back up into component.backup_dir" : "");
        else
            log_msg(NC_LOG_ERR, "cannot open the engine: %s", err ? err : nudge_strerror(rc));
        nudge_free(err);
        return rc == NUDGE_ELOCKED ? EXIT_TEMPFAIL : 1;
    }
    char *reply = NULL;
    rc = run_admin(e, backup_dir, &reply);
    if (reply) printf("%s\n", reply);
    nudge_free(reply);
    /* The engine's own log lines (the open's, and the command's). */
    struct outq unsent;
    outq_init(&unsent, 1 << 20);
    struct router r = {.engine = e, .queue = &unsent, .domain = cfg->domain};
    router_drain_events(&r);
    outq_free(&unsent);
    nudge_close(e);
    return rc == NUDGE_OK ? 0 : 1;
}

void maintenance_live(nudge_engine *engine, const struct component_config *cfg) {
    char *reply = NULL;
    int rc = run_admin(engine, NULL, &reply);
    log_msg(rc == NUDGE_OK ? NC_LOG_INFO : NC_LOG_ERR, "verify: %s", reply ? reply : nudge_strerror(rc));
    nudge_free(reply);
    if (rc != NUDGE_OK || !cfg->backup_dir) return;
    char stamp[32], *dir = NULL;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (asprintf(&dir, "%s/%s", cfg->backup_dir, stamp) < 0) {
        log_msg(NC_LOG_ERR, "backup: out of memory");
        return;
    }
    rc = run_admin(engine, dir, &reply);
    log_msg(rc == NUDGE_OK ? NC_LOG_INFO : NC_LOG_ERR, "backup: %s", reply ? reply : nudge_strerror(rc));
    nudge_free(reply);
    free(dir);
}
