/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a json-glib node is, for the two programs that read JSON from outside
 * (ptpsyncd's gpsd source and ptpsync-http): the checks of a member's type
 * and the words their messages use. Like glib-keyfile.c, a library of its own
 * (it needs json-glib), which libptpsync never links.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <stdbool.h>

/* node is a value (not an object, an array or null) of type: G_TYPE_STRING, G_TYPE_INT64, ... */
bool glib_json_holds(JsonNode *node, GType type);

/*
 * What node is, for messages ("an object", "an array", "null", "a string", "a boolean"; json_node_type_name()
 * says "JsonObject" and "Integer"). A number is "a number"; with integers, one without a fraction or an
 * exponent is "an integer", as json-glib tells them apart.
 */
const char *glib_json_kind(JsonNode *node, bool integers);
