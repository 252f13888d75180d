/* Private to report_validate*.c: the table-driven field checker and the JSONPath it reports at. */
#ifndef MW_VALIDATE_FIELDS_H
#define MW_VALIDATE_FIELDS_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "problems.h"

#define VF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The problem codes of REPORT_FORMAT.md that validation can give (invalid_json is the parser's). */
enum vf_code {
    VC_WRONG_TYPE,
    VC_MISSING_FIELD,
    VC_UNKNOWN_FIELD,
    VC_INVALID_VALUE,
    VC_INVALID_FORMAT,
    VC_INVALID_DATE,
    VC_IMPOSSIBLE_DATE_RANGE,
    VC_OUT_OF_RANGE,
    VC_TOO_LONG,
    VC_TOO_MANY,
    VC_DUPLICATE_ID,
    VC_UNKNOWN_REFERENCE,
    VC_INCONSISTENT_COUNT,
    VC_NAME_WITHOUT_CONSENT,
    VC_MINOR_WITHOUT_GUARDIAN_CONSENT,
    VC_INTERNAL_ERROR, /* out of memory while validating: not the school's fault */
    VC__MAX
};

/*
 * The JSONPath of the value being checked, kept as a stack of segments (a member name borrowed
 * from the tree or the tables, or an array index): pushing and popping cost nothing, and the
 * text is rendered only when a problem is reported. The deepest path of the contract has five
 * segments ($.pairs[1999].meetings[199].feedback); deeper pushes are counted but not kept.
 */
#define VF_DEPTH_MAX 8
#define VF_PATH_MAX  512 /* rendered path, bytes; an unknown member's name is cut to fit */

struct vf_segment {
    const char *member; /* NULL: an array index */
    size_t index;
};

struct vf_ctx {
    struct problem_list *out;
    size_t found; /* problems found by this run, kept or not (the list caps at PROBLEMS_MAX) */
    bool oom;     /* an allocation failed: the result is not to be trusted */
    size_t depth; /* segments pushed; only the first VF_DEPTH_MAX are kept */
    struct vf_segment segs[VF_DEPTH_MAX];
};

/* The kinds of value a field may hold; each has its own check in vf_check_value(). */
enum vf_type {
    VF_STRING,  /* string of min..max Unicode characters */
    VF_ENUM,    /* string from an enumeration (`values`) */
    VF_SCHOOL,  /* school code: min..max characters of A-Z a-z 0-9 _ - */
    VF_YEAR,    /* academic year "YYYY/YYYY", the second the first + 1, first in 2000..2099 */
    VF_DATE,    /* "YYYY-MM-DD", a real calendar date in 2000-01-01..2100-12-31 */
    VF_URL,     /* absolute http(s) URL of at most max characters */
    VF_INTEGER, /* integral number in min..max */
    VF_NUMBER,  /* any number in min..max */
    VF_BOOL,    /* true or false */
    VF_OBJECT,  /* object; its members are checked by the caller with its own table */
    VF_ARRAY,   /* array of min..max items; the items are checked by the caller */
    VF_TYPE_MAX
};

struct vf_enum {
    const char *const *names; /* indexed by the enumeration's C enum */
    size_t count;
    const char *message; /* "Неизвестное значение: допустимы ..." */
};

/*
 * One member of an object. Tables of these are indexed by a per-object C enum through
 * designated initialisers and checked against its *_MAX sentinel with static_assert.
 */
struct vf_field {
    const char *name;
    enum vf_type type;
    bool required;
    double min, max;              /* characters, items or value, depending on the type */
    const struct vf_enum *values; /* VF_ENUM only */
    const char *limit_message;    /* for too_long / too_many / out_of_range; NULL: generic */
};

enum vf_state {
    VF_ABSENT, /* the member is not there */
    VF_BAD,    /* it is there, and a problem about it has been reported */
    VF_OK,     /* it is there and valid: semantic checks may use it */
};

struct vf_value {
    const cJSON *node; /* NULL when absent */
    enum vf_state state;
    int choice; /* VF_ENUM: index of the name when VF_OK, else -1 */
};

/* Appends a problem at the current path. */
void vf_report(struct vf_ctx *ctx, enum vf_code code, const char *message);

/* Records that an allocation failed: an internal_error problem at "$" (best effort). */
void vf_report_oom(struct vf_ctx *ctx);

/* The static code string of a problem code ("wrong_type", ...). */
const char *vf_code_name(enum vf_code code);

/* Path stack: each push returns the depth to pass back to vf_pop. */
size_t vf_push_member(struct vf_ctx *ctx, const char *name);
size_t vf_push_index(struct vf_ctx *ctx, size_t index);
void vf_pop(struct vf_ctx *ctx, size_t saved_depth);

/* True once the problem list is full: callers stop walking big arrays. */
bool vf_full(const struct vf_ctx *ctx);

/* Number of Unicode characters (UTF-8 code points) of s, counting no further than limit + 1. */
size_t vf_utf8_length(const char *s, size_t limit);

/* Checks one value (at the current path) against a field's type and limits. */
enum vf_state vf_check_value(struct vf_ctx *ctx, const cJSON *node, const struct vf_field *field,
                             int *choice);

/*
 * Checks an object's members against a table of n fields: reports unknown members, missing
 * required ones and every value problem, and fills values[0..n) for the semantic checks.
 * Reports wrong_type and returns false when node is not an object.
 */
bool vf_check_object(struct vf_ctx *ctx, const cJSON *node, const struct vf_field *fields, size_t n,
                     struct vf_value *values);

/* Static Russian messages shared by both files. */
extern const char vf_msg_missing[];
extern const char vf_msg_expect_object[];

#endif
