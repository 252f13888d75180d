/* Document type codes: names, parsing, the default required set. */
#include "doctype.h"

#include <assert.h>
#include <string.h>

static const char *const type_codes[] = {
    [DOC_REGULATION] = "regulation",
    [DOC_ROADMAP] = "roadmap",
    [DOC_ORDER_IMPLEMENTATION] = "order_implementation",
    [DOC_ORDER_CURATOR] = "order_curator",
    [DOC_ORDER_PAIRS] = "order_pairs",
    [DOC_PROGRAM] = "program",
    [DOC_ORDER_MENTOR_SCHOOL] = "order_mentor_school",
    [DOC_ORDER_FINAL_EVENT] = "order_final_event",
    [DOC_TARGET_MODEL] = "target_model",
    [DOC_OTHER] = "other",
};
static_assert(sizeof(type_codes) / sizeof(type_codes[0]) == DOC_TYPE_MAX,
              "every document type has a code");
static_assert(DOC_TYPE_MAX <= 32, "a doc_type_set holds every type");

const char *doc_type_code(enum doc_type type)
{
    return (unsigned)type < DOC_TYPE_MAX ? type_codes[type] : "?";
}

bool doc_type_parse(const char *code, enum doc_type *out)
{
    for (int i = 0; i < DOC_TYPE_MAX; i++) {
        if (strcmp(code, type_codes[i]) == 0) {
            *out = (enum doc_type)i;
            return true;
        }
    }
    return false;
}

bool doc_type_parse_set(const char *list, doc_type_set *out, FILE *err)
{
    doc_type_set set = 0;
    const char *p = list;
    while (*p != '\0') {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == 0)
            break;
        char code[32];
        enum doc_type type = DOC_OTHER;
        bool known = n < sizeof(code);
        if (known) {
            memcpy(code, p, n);
            code[n] = '\0';
            known = doc_type_parse(code, &type) && type != DOC_OTHER;
        }
        if (!known) {
            if (err != NULL)
                fprintf(err,
                        "unknown document code \"%.*s\" (known: regulation, roadmap, "
                        "order_implementation, order_curator, order_pairs, program, "
                        "order_mentor_school, order_final_event, target_model)\n",
                        (int)n, p);
            return false;
        }
        set |= 1u << type;
        p += n;
    }
    *out = set;
    return true;
}
