/* mwctl's subcommands: each takes argc/argv after the subcommand name, returns an exit code. */
#ifndef MWCTL_COMMANDS_H
#define MWCTL_COMMANDS_H

int cmd_push(int argc, char **argv);         /* push.c: send a report or meeting event */
int cmd_migrate(int argc, char **argv);      /* admin_migrate.c: apply migrations/ */
int cmd_load_schools(int argc, char **argv); /* admin_schools.c: load schools from CSV */
int cmd_stage(int argc, char **argv);        /* admin_stage.c: create/update stages and deadlines */
int cmd_token(int argc, char **argv);        /* admin_token.c: issue, revoke, list tokens */
int cmd_check(int argc, char **argv);        /* admin_check.c: required documents, schedule */

#endif
