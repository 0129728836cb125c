/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "common/glib-json.h"

bool glib_json_holds(JsonNode *node, GType type) {
        return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

const char *glib_json_kind(JsonNode *node, bool integers) {
        switch (json_node_get_node_type(node)) {
        case JSON_NODE_OBJECT:
                return "an object";
        case JSON_NODE_ARRAY:
                return "an array";
        case JSON_NODE_NULL:
                return "null";
        case JSON_NODE_VALUE:
                break;
        }
        switch (json_node_get_value_type(node)) {
        case G_TYPE_STRING:
                return "a string";
        case G_TYPE_BOOLEAN:
                return "a boolean";
        case G_TYPE_INT64:
                return integers ? "an integer" : "a number";
        case G_TYPE_DOUBLE:
                return "a number";
        default:
                /* No parser makes one: only a node built by hand holds another type. */
                return integers ? "a value" : "a number";
        }
}
