/* A list of validation problems (code, JSONPath, Russian message) and its JSON error answer. */
#include "problems.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define PROBLEMS_INITIAL_CAPACITY 16

void problems_init(struct problem_list *list)
{
    list->items = NULL;
    list->count = 0;
    list->capacity = 0;
    list->truncated = false;
}

void problems_free(struct problem_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].path);
    free(list->items);
    problems_init(list);
}

static bool problems_grow(struct problem_list *list)
{
    size_t capacity = list->capacity ? list->capacity * 2 : PROBLEMS_INITIAL_CAPACITY;
    if (capacity > PROBLEMS_MAX)
        capacity = PROBLEMS_MAX;
    struct problem *items = realloc(list->items, capacity * sizeof(*items));
    if (items == NULL)
        return false;
    list->items = items;
    list->capacity = capacity;
    return true;
}

bool problems_add(struct problem_list *list, const char *code, const char *path,
                  const char *message)
{
    if (list->count >= PROBLEMS_MAX) {
        list->truncated = true; /* the caller learns it from the list, not from a failure */
        return true;
    }
    if (list->count == list->capacity && !problems_grow(list))
        return false;
    char *copy = strdup(path != NULL ? path : "$");
    if (copy == NULL)
        return false;
    list->items[list->count++] = (struct problem){.code = code, .path = copy, .message = message};
    return true;
}

/* Adds {"code","path","message"} to `errors`; false when out of memory. */
static bool add_error_item(cJSON *errors, const struct problem *p)
{
    cJSON *item = cJSON_CreateObject();
    if (item == NULL)
        return false;
    if (!cJSON_AddItemToArray(errors, item)) {
        cJSON_Delete(item);
        return false;
    }
    return cJSON_AddStringToObject(item, "code", p->code) != NULL &&
           cJSON_AddStringToObject(item, "path", p->path) != NULL &&
           cJSON_AddStringToObject(item, "message", p->message) != NULL;
}

char *problems_to_json(const struct problem_list *list, const char *code, const char *message)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    char *text = NULL;
    cJSON *errors = NULL;
    if (cJSON_AddStringToObject(root, "code", code) == NULL ||
        cJSON_AddStringToObject(root, "message", message) == NULL ||
        (errors = cJSON_AddArrayToObject(root, "errors")) == NULL)
        goto out;
    for (size_t i = 0; i < list->count; i++) {
        if (!add_error_item(errors, &list->items[i]))
            goto out;
    }
    if (list->truncated && cJSON_AddTrueToObject(root, "truncated") == NULL)
        goto out;
    text = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return text;
}
