/* Document type codes of the website check (DOMAIN.md) and the list of required ones. */
#ifndef CHECKER_DOCTYPE_H
#define CHECKER_DOCTYPE_H

#include <stdbool.h>
#include <stdio.h>

/* The codes the district knows; DOC_OTHER is a document that matches none of them. */
enum doc_type {
    DOC_REGULATION,           /* Положение о наставничестве */
    DOC_ROADMAP,              /* дорожная карта / план мероприятий */
    DOC_ORDER_IMPLEMENTATION, /* приказ о внедрении целевой модели */
    DOC_ORDER_CURATOR, /* приказ о назначении куратора (координатора) */
    DOC_ORDER_PAIRS, /* приказ о наставнических парах/группах */
    DOC_PROGRAM,     /* программа наставничества */
    DOC_ORDER_MENTOR_SCHOOL, /* приказ о «Школе наставников» */
    DOC_ORDER_FINAL_EVENT,   /* приказ об итоговом мероприятии */
    DOC_TARGET_MODEL, /* целевая модель наставничества of the school */
    DOC_OTHER,        /* looks like a document, matches no code */
    DOC_TYPE_MAX
};

/* A set of codes as bits (1u << type). */
typedef unsigned doc_type_set;

/* The required codes when the district says nothing (--required): the first six. */
#define DOC_REQUIRED_DEFAULT                                                                       \
    ((1u << DOC_REGULATION) | (1u << DOC_ROADMAP) | (1u << DOC_ORDER_IMPLEMENTATION) |             \
     (1u << DOC_ORDER_CURATOR) | (1u << DOC_ORDER_PAIRS) | (1u << DOC_PROGRAM))

/* The stable code, e.g. "order_curator"; "?" for an out-of-range value. */
const char *doc_type_code(enum doc_type type);

/* Code to type; false when unknown. */
bool doc_type_parse(const char *code, enum doc_type *out) __attribute__((warn_unused_result));

/*
 * A comma-separated list of codes ("regulation,roadmap"; spaces allowed, "other" refused) to a
 * set; false with a message on err naming the bad code. An empty list is the empty set.
 */
bool doc_type_parse_set(const char *list, doc_type_set *out, FILE *err)
    __attribute__((warn_unused_result));

#endif
