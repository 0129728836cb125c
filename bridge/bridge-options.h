/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ptpsync-http's command line
 *
 *   ptpsync-http [--bus=system|ADDRESS] [--v2-listen=HOST:PORT|off]
 *                [--v1-listen=HOST:PORT|off] [--config=FILE] [--help] [--version]
 *
 * The configuration file (--config=FILE, which must exist, else
 * DEFAULT_BRIDGE_CONFIG_FILE if present) is loaded first and the options
 * override it; the checks across keys (bridge_config_check()) are made once
 * more with the options on top.
 */
#pragma once

#include "bridge-config.h"

/*
 * Parses argv (getopt_long(), restarted: it may be called more than once)
 * and loads the configuration into ret, which must come from
 * bridge_config_init(). Returns:
 *
 *    0  to run: ret holds the file's settings with the options on top;
 *    1  when --help or --version was printed on standard output (exit 0);
 *   -1  on error, with *error saying what is wrong (G_OPTION_ERROR for an
 *       option; for the file G_KEY_FILE_ERROR or G_FILE_ERROR, its path in
 *       front; G_KEY_FILE_ERROR_INVALID_VALUE when the options and the file
 *       together fail bridge_config_check()): main prints
 *       "ptpsync-http: <message>" and exits with status 2.
 *
 * Unless 0 is returned, ret is left as it was.
 */
int bridge_options_parse(int argc, char **argv, BridgeConfig *ret, GError **error);

/* The --help text, on standard output. */
void bridge_options_help(void);
