/* The cJSON arena: trees inside a scope come from it; outside, malloc as usual. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_arena.h"
#include "json_strict.h"

static void install(void)
{
    json_arena_install();
}

TestSuite(json_arena, .init = install);

static cJSON *parse(const char *text)
{
    struct json_strict_error err;
    cJSON *tree = json_strict_parse_terminated(text, strlen(text), 64, &err);
    cr_assert_not_null(tree, "parse failed: %s", err.code ? err.code : "?");
    return tree;
}

Test(json_arena, tree_inside_a_scope_is_usable_until_the_end)
{
    struct json_arena arena = {0};
    for (int round = 0; round < 3; round++) {
        json_arena_begin(&arena);
        cJSON *tree = parse("{\"school\":\"СОШ №14\",\"pairs\":[1,2,3],\"ok\":true}");
        cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(tree, "school")->valuestring, "СОШ №14");
        cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(tree, "pairs")), 3);
        cJSON_Delete(tree); /* a no-op inside the scope */
        json_arena_end(&arena);
        cr_assert_not_null(arena.chunks, "the first chunk is kept for the next scope");
        cr_assert_eq(arena.used, 0);
    }
    json_arena_release(&arena);
    cr_assert_null(arena.chunks);
}

Test(json_arena, a_document_bigger_than_a_chunk_gets_its_own_and_gives_it_back)
{
    enum { N = 40000 }; /* ~40,000 nodes: several chunks */
    size_t cap = (size_t)N * 4 + 16;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t at = 0;
    text[at++] = '[';
    for (int i = 0; i < N; i++) {
        text[at++] = '1';
        text[at++] = i + 1 < N ? ',' : ']';
    }
    text[at] = '\0';
    struct json_arena arena = {0};
    json_arena_begin(&arena);
    cJSON *tree = parse(text);
    cr_assert_eq(cJSON_GetArraySize(tree), N);
    cr_assert_gt(json_arena_chunks(&arena), 1, "a big tree spans several chunks");
    cJSON_Delete(tree);
    json_arena_end(&arena);
    cr_assert_eq(json_arena_chunks(&arena), 1, "only the first chunk stays");
    json_arena_release(&arena);
    free(text);
}

Test(json_arena, trees_outside_a_scope_use_malloc_even_when_freed_inside_one)
{
    cJSON *before = parse("{\"a\":[1,2,{\"b\":\"c\"}]}");
    struct json_arena arena = {0};
    json_arena_begin(&arena);
    cJSON_Delete(before); /* malloc'd: really freed (valgrind/ASan would see a leak otherwise) */
    json_arena_end(&arena);
    json_arena_release(&arena);

    cJSON *node = cJSON_CreateString("вне области");
    char *printed = cJSON_PrintUnformatted(node);
    cr_assert_str_eq(printed, "\"вне области\"");
    free(printed); /* plain malloc outside a scope: free() is right */
    cJSON_Delete(node);
}

static void *other_thread(void *arg)
{
    (void)arg;
    /* No scope on this thread: its trees are malloc'd even while the main thread has one. */
    cJSON *tree = cJSON_Parse("{\"x\":1}");
    cJSON_Delete(tree);
    return tree;
}

Test(json_arena, a_scope_belongs_to_its_thread)
{
    struct json_arena arena = {0};
    json_arena_begin(&arena);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
    void *result = NULL;
    pthread_join(t, &result);
    cr_assert_not_null(result);
    cr_assert_eq(arena.chunks, NULL, "the other thread took nothing from this arena");
    json_arena_end(&arena);
    json_arena_release(&arena);
}
