/* maintenance.h: verify and backup of the component's store (nudge_admin
 * "verify" and "backup", include/nudge.h).
 *
 * Offline, `nudge-component --verify CONFIG` and `--backup DIR CONFIG`
 * open the engine, run the command, print its JSON reply on stdout and
 * close. While the component runs it holds the store (a second open is
 * NUDGE_ELOCKED), so then SIGUSR2 asks the running one: it verifies, and
 * with component.backup_dir set writes a backup into a new directory
 * there, named by the UTC time; the results go to the log. */
#ifndef NC_MAINTENANCE_H
#define NC_MAINTENANCE_H

#include "config.h"
#include "nudge.h"

/* Offline: backup_dir NULL verifies, otherwise backs up into it. Returns
   the process exit code: 0, 1 when the command failed, 75 (EX_TEMPFAIL)
   when a running component holds the store. */
int maintenance_offline(const struct component_config *cfg, const char *backup_dir);

/* SIGUSR2 in a running component: verify, then the backup if configured. */
void maintenance_live(nudge_engine *engine, const struct component_config *cfg);

#endif
