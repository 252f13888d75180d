/* Validation of term reports and meeting events against contract v1: the tables and the rules. */
#include "report_validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validate_enums.h"
#include "validate_fields.h"

/* ---- limits and messages ------------------------------------------------------------------- */

static const char len32[] = "Слишком длинное значение: не более 32 символов";
static const char len64[] = "Слишком длинное значение: не более 64 символов";
static const char len200[] = "Слишком длинное значение: не более 200 символов";
static const char len500[] = "Слишком длинное значение: не более 500 символов";
static const char len2000[] = "Слишком длинное значение: не более 2000 символов";
static const char len4000[] = "Слишком длинное значение: не более 4000 символов";
static const char items20[] = "Слишком много элементов: не более 20";
static const char items50[] = "Слишком много элементов: не более 50";
static const char items200[] = "Слишком много элементов: не более 200";
static const char items500[] = "Слишком много элементов: не более 500";
static const char items2000[] = "Слишком много элементов: не более 2000";
static const char items5000[] = "Слишком много элементов: не более 5000";
static const char range_staff[] = "Допустимо целое число от 0 до 100000";
static const char range_10000[] = "Допустимо целое число от 0 до 10000";
static const char range_percent[] = "Допустимо число от 0 до 100 (процентов)";

/* Shorthands for table rows; every row still names its member explicitly. */
#define REQ true
#define OPT false
// clang-format off
#define F_STRING(n, req, lo, hi, msg)                                      \
    {.name = (n), .type = VF_STRING, .required = (req), .min = (lo), .max = (hi), \
     .limit_message = (msg)}
#define F_ENUM(n, req, e) {.name = (n), .type = VF_ENUM, .required = (req), .values = &(e)}
#define F_DATE(n, req)    {.name = (n), .type = VF_DATE, .required = (req)}
#define F_BOOL(n, req)    {.name = (n), .type = VF_BOOL, .required = (req)}
#define F_OBJECT(n, req)  {.name = (n), .type = VF_OBJECT, .required = (req)}
#define F_URL(n, req)                                                      \
    {.name = (n), .type = VF_URL, .required = (req), .min = 1, .max = 2000, \
     .limit_message = len2000}
#define F_INTEGER(n, req, lo, hi, msg)                                     \
    {.name = (n), .type = VF_INTEGER, .required = (req), .min = (lo), .max = (hi), \
     .limit_message = (msg)}
#define F_PERCENT(n)                                                       \
    {.name = (n), .type = VF_NUMBER, .required = OPT, .min = 0, .max = 100, \
     .limit_message = range_percent}
#define F_ARRAY(n, req, lo, hi, msg)                                       \
    {.name = (n), .type = VF_ARRAY, .required = (req), .min = (lo), .max = (hi), \
     .limit_message = (msg)}
#define F_SCHOOL(n)                                                        \
    {.name = (n), .type = VF_SCHOOL, .required = REQ, .min = 1, .max = 32, \
     .limit_message = len32}
#define F_YEAR(n) {.name = (n), .type = VF_YEAR, .required = REQ}
// clang-format on

/* The most members any object of the contract has: sizes the value arrays below. */
#define FIELDS_MAX 16
#define FIELD_TABLE_CHECK(table, max)                                                              \
    static_assert(VF_ARRAY_LEN(table) == (max), #table " has a row for every member");             \
    static_assert((max) <= FIELDS_MAX, #table " fits FIELDS_MAX")

/* ---- object tables ------------------------------------------------------------------------- */

enum report_field {
    RF_SCHOOL,
    RF_ACADEMIC_YEAR,
    RF_STAGE,
    RF_STAFF,
    RF_MENTORS,
    RF_MENTEES,
    RF_PAIRS,
    RF_MONITORING,
    RF_ROADMAP,
    RF_DOCUMENTS,
    RF_PRACTICES,
    RF_COMPETITIONS,
    RF_INCENTIVES,
    RF_COMMENT,
    RF_MAX
};
static const struct vf_field report_fields[] = {
    [RF_SCHOOL] = F_SCHOOL("school"),
    [RF_ACADEMIC_YEAR] = F_YEAR("academic_year"),
    [RF_STAGE] = F_ENUM("stage", REQ, vf_stage_enum),
    [RF_STAFF] = F_OBJECT("staff", REQ),
    [RF_MENTORS] = F_ARRAY("mentors", REQ, 0, 2000, items2000),
    [RF_MENTEES] = F_ARRAY("mentees", REQ, 0, 5000, items5000),
    [RF_PAIRS] = F_ARRAY("pairs", REQ, 0, 2000, items2000),
    [RF_MONITORING] = F_OBJECT("monitoring", OPT),
    [RF_ROADMAP] = F_ARRAY("roadmap", REQ, 0, 500, items500),
    [RF_DOCUMENTS] = F_ARRAY("documents", REQ, 0, 200, items200),
    [RF_PRACTICES] = F_ARRAY("practices", OPT, 0, 200, items200),
    [RF_COMPETITIONS] = F_ARRAY("competitions", OPT, 0, 200, items200),
    [RF_INCENTIVES] = F_ARRAY("incentives", OPT, 0, 200, items200),
    [RF_COMMENT] = F_STRING("comment", OPT, 0, 4000, len4000),
};
FIELD_TABLE_CHECK(report_fields, RF_MAX);

enum staff_field { SF_TEACHERS_TOTAL, SF_YOUNG_TEACHERS, SF_YOUNG_TEACHERS_MENTORED, SF_MAX };
static const struct vf_field staff_fields[] = {
    [SF_TEACHERS_TOTAL] = F_INTEGER("teachers_total", REQ, 0, 100000, range_staff),
    [SF_YOUNG_TEACHERS] = F_INTEGER("young_teachers", REQ, 0, 100000, range_staff),
    [SF_YOUNG_TEACHERS_MENTORED] =
        F_INTEGER("young_teachers_mentored", REQ, 0, 100000, range_staff),
};
FIELD_TABLE_CHECK(staff_fields, SF_MAX);

/* Mentors and mentees share the first rows; only mentors have the training rows. */
enum participant_field {
    PF_ID,
    PF_CATEGORY,
    PF_MINOR,
    PF_CONSENT,
    PF_NAME,
    PF_MENTEE_MAX, /* mentees end here */
    PF_TRAINED = PF_MENTEE_MAX,
    PF_TRAINED_ON,
    PF_MAX
};
static const struct vf_field mentor_fields[] = {
    [PF_ID] = F_STRING("id", REQ, 1, 64, len64),
    [PF_CATEGORY] = F_ENUM("category", REQ, vf_mentor_category_enum),
    [PF_MINOR] = F_BOOL("minor", REQ),
    [PF_CONSENT] = F_OBJECT("consent", OPT),
    [PF_NAME] = F_STRING("name", OPT, 1, 200, len200),
    [PF_TRAINED] = F_BOOL("trained", REQ),
    [PF_TRAINED_ON] = F_DATE("trained_on", OPT),
};
FIELD_TABLE_CHECK(mentor_fields, PF_MAX);
static const struct vf_field mentee_fields[] = {
    [PF_ID] = F_STRING("id", REQ, 1, 64, len64),
    [PF_CATEGORY] = F_ENUM("category", REQ, vf_mentee_category_enum),
    [PF_MINOR] = F_BOOL("minor", REQ),
    [PF_CONSENT] = F_OBJECT("consent", OPT),
    [PF_NAME] = F_STRING("name", OPT, 1, 200, len200),
};
FIELD_TABLE_CHECK(mentee_fields, PF_MENTEE_MAX);

enum consent_field { CF_GIVEN, CF_DATE, CF_BY, CF_MAX };
static const struct vf_field consent_fields[] = {
    [CF_GIVEN] = F_BOOL("given", REQ),
    [CF_DATE] = F_DATE("date", OPT),
    [CF_BY] = F_ENUM("by", REQ, vf_consent_by_enum),
};
FIELD_TABLE_CHECK(consent_fields, CF_MAX);

enum pair_field {
    PAIR_ID,
    PAIR_FORM,
    PAIR_MENTORS,
    PAIR_MENTEES,
    PAIR_ORDER,
    PAIR_STATUS,
    PAIR_DEVELOPMENT_PLAN,
    PAIR_MEETINGS,
    PAIR_MAX
};
static const struct vf_field pair_fields[] = {
    [PAIR_ID] = F_STRING("id", REQ, 1, 64, len64),
    [PAIR_FORM] = F_ENUM("form", REQ, vf_pair_form_enum),
    [PAIR_MENTORS] = F_ARRAY("mentors", REQ, 1, 20, items20),
    [PAIR_MENTEES] = F_ARRAY("mentees", REQ, 1, 50, items50),
    [PAIR_ORDER] = F_OBJECT("order", OPT),
    [PAIR_STATUS] = F_ENUM("status", REQ, vf_pair_status_enum),
    [PAIR_DEVELOPMENT_PLAN] = F_BOOL("development_plan", REQ),
    [PAIR_MEETINGS] = F_ARRAY("meetings", REQ, 0, 200, items200),
};
FIELD_TABLE_CHECK(pair_fields, PAIR_MAX);

/* An item of pairs[].mentors / pairs[].mentees: a participant's id. */
static const struct vf_field pair_member_field = F_STRING("id", REQ, 1, 64, len64);

enum order_field { OF_NUMBER, OF_DATE, OF_MAX };
static const struct vf_field order_fields[] = {
    [OF_NUMBER] = F_STRING("number", REQ, 1, 64, len64),
    [OF_DATE] = F_DATE("date", REQ),
};
FIELD_TABLE_CHECK(order_fields, OF_MAX);

enum meeting_field { MF_TYPE, MF_DATE, MF_FEEDBACK, MF_MAX };
static const struct vf_field meeting_fields[] = {
    [MF_TYPE] = F_ENUM("type", REQ, vf_meeting_type_enum),
    [MF_DATE] = F_DATE("date", REQ),
    [MF_FEEDBACK] = F_BOOL("feedback", REQ),
};
FIELD_TABLE_CHECK(meeting_fields, MF_MAX);

enum monitoring_field {
    MON_SATISFACTION_MENTORS,
    MON_SATISFACTION_MENTEES,
    MON_QUALITY,
    MON_GROWTH_ENTRY,
    MON_GROWTH_EXIT,
    MON_MAX
};
static const struct vf_field monitoring_fields[] = {
    [MON_SATISFACTION_MENTORS] = F_PERCENT("satisfaction_mentors"),
    [MON_SATISFACTION_MENTEES] = F_PERCENT("satisfaction_mentees"),
    [MON_QUALITY] = F_PERCENT("quality"),
    [MON_GROWTH_ENTRY] = F_PERCENT("growth_entry"),
    [MON_GROWTH_EXIT] = F_PERCENT("growth_exit"),
};
FIELD_TABLE_CHECK(monitoring_fields, MON_MAX);

enum roadmap_field {
    RM_NUMBER,
    RM_TITLE,
    RM_DUE_FROM,
    RM_DUE_TO,
    RM_RESPONSIBLE,
    RM_STATUS,
    RM_DONE_ON,
    RM_EVIDENCE,
    RM_MAX
};
static const struct vf_field roadmap_fields[] = {
    [RM_NUMBER] = F_STRING("number", REQ, 1, 32, len32),
    [RM_TITLE] = F_STRING("title", REQ, 1, 2000, len2000),
    [RM_DUE_FROM] = F_DATE("due_from", OPT),
    [RM_DUE_TO] = F_DATE("due_to", REQ),
    [RM_RESPONSIBLE] = F_STRING("responsible", OPT, 0, 500, len500),
    [RM_STATUS] = F_ENUM("status", REQ, vf_roadmap_status_enum),
    [RM_DONE_ON] = F_DATE("done_on", OPT),
    [RM_EVIDENCE] = F_STRING("evidence", OPT, 0, 2000, len2000),
};
FIELD_TABLE_CHECK(roadmap_fields, RM_MAX);

enum document_field { DF_TYPE, DF_TITLE, DF_URL, DF_MAX };
static const struct vf_field document_fields[] = {
    [DF_TYPE] = F_ENUM("type", REQ, vf_document_type_enum),
    [DF_TITLE] = F_STRING("title", REQ, 1, 2000, len2000),
    [DF_URL] = F_URL("url", REQ),
};
FIELD_TABLE_CHECK(document_fields, DF_MAX);

enum practice_field { PR_TITLE, PR_SUBMITTED_ON, PR_URL, PR_MAX };
static const struct vf_field practice_fields[] = {
    [PR_TITLE] = F_STRING("title", REQ, 1, 2000, len2000),
    [PR_SUBMITTED_ON] = F_DATE("submitted_on", OPT),
    [PR_URL] = F_URL("url", OPT),
};
FIELD_TABLE_CHECK(practice_fields, PR_MAX);

enum competition_field { CO_NAME, CO_LEVEL, CO_PARTICIPANTS, CO_WINNERS, CO_MAX };
static const struct vf_field competition_fields[] = {
    [CO_NAME] = F_STRING("name", REQ, 1, 500, len500),
    [CO_LEVEL] = F_ENUM("level", REQ, vf_competition_level_enum),
    [CO_PARTICIPANTS] = F_INTEGER("participants", REQ, 0, 10000, range_10000),
    [CO_WINNERS] = F_INTEGER("winners", REQ, 0, 10000, range_10000),
};
FIELD_TABLE_CHECK(competition_fields, CO_MAX);

enum incentive_field { IN_KIND, IN_COUNT, IN_MAX };
static const struct vf_field incentive_fields[] = {
    [IN_KIND] = F_ENUM("kind", REQ, vf_incentive_kind_enum),
    [IN_COUNT] = F_INTEGER("count", REQ, 0, 10000, range_10000),
};
FIELD_TABLE_CHECK(incentive_fields, IN_MAX);

enum event_field {
    EV_SCHOOL,
    EV_ACADEMIC_YEAR,
    EV_PAIR,
    EV_TYPE,
    EV_DATE,
    EV_FEEDBACK,
    EV_NOTE,
    EV_MAX
};
static const struct vf_field event_fields[] = {
    [EV_SCHOOL] = F_SCHOOL("school"),
    [EV_ACADEMIC_YEAR] = F_YEAR("academic_year"),
    [EV_PAIR] = F_STRING("pair", REQ, 1, 64, len64),
    [EV_TYPE] = F_ENUM("type", REQ, vf_meeting_type_enum),
    [EV_DATE] = F_DATE("date", REQ),
    [EV_FEEDBACK] = F_BOOL("feedback", REQ),
    [EV_NOTE] = F_STRING("note", OPT, 0, 2000, len2000),
};
FIELD_TABLE_CHECK(event_fields, EV_MAX);

/* ---- rules between fields ------------------------------------------------------------------ */

static const char msg_young_gt_total[] =
    "Молодых педагогов больше, чем педагогов всего (young_teachers > teachers_total)";
static const char msg_mentored_gt_young[] = "Молодых педагогов с наставником больше, чем молодых "
                                            "педагогов (young_teachers_mentored > young_teachers)";
static const char msg_winners_gt_participants[] =
    "Победителей больше, чем участников (winners > participants)";
static const char msg_due_range[] = "Начало срока позже его окончания (due_from > due_to)";
static const char msg_done_on_required[] =
    "Для выполненного пункта (status: done) укажите дату выполнения done_on";
static const char msg_done_on_forbidden[] =
    "Дата выполнения done_on указывается только для пункта со статусом done";
static const char msg_consent_date_required[] = "Укажите дату согласия (date), если согласие дано";
static const char msg_trained_on_required[] =
    "Для обученного наставника (trained: true) укажите дату обучения trained_on";
static const char msg_name_without_consent[] =
    "Имя можно передавать только при согласии на обработку персональных данных (consent.given: "
    "true); уберите имя или укажите согласие";
static const char msg_minor_consent[] =
    "Для несовершеннолетнего участника нужно согласие законного представителя "
    "(consent.given: true, consent.by: guardian)";
static const char msg_duplicate_participant[] =
    "Идентификатор уже использован другим участником отчёта (идентификаторы наставников и "
    "наставляемых не должны совпадать)";
static const char msg_duplicate_pair[] = "Пара с таким идентификатором уже есть в отчёте";
static const char msg_duplicate_member[] = "Этот участник уже указан в этой паре";
static const char msg_unknown_mentor[] =
    "Наставник с таким идентификатором не указан в списке mentors";
static const char msg_unknown_mentee[] =
    "Наставляемый с таким идентификатором не указан в списке mentees";
static const char msg_mentee_not_mentor[] =
    "Этот идентификатор указан в списке mentees, а не mentors: наставник не найден";
static const char msg_mentor_not_mentee[] =
    "Этот идентификатор указан в списке mentors, а не mentees: наставляемый не найден";

static bool is_true(const struct vf_value *v)
{
    return v->state == VF_OK && cJSON_IsTrue(v->node);
}

static double number(const struct vf_value *v)
{
    return v->node->valuedouble;
}

static const char *text(const struct vf_value *v)
{
    return v->node->valuestring;
}

/* Reports a problem at the current path plus one member. */
static void report_member(struct vf_ctx *ctx, const char *member, enum vf_code code,
                          const char *message)
{
    size_t saved = vf_push_member(ctx, member);
    vf_report(ctx, code, message);
    vf_pop(ctx, saved);
}

static void check_staff(struct vf_ctx *ctx, const struct vf_value *v)
{
    const struct vf_value *total = &v[SF_TEACHERS_TOTAL], *young = &v[SF_YOUNG_TEACHERS],
                          *mentored = &v[SF_YOUNG_TEACHERS_MENTORED];
    if (young->state == VF_OK && total->state == VF_OK && number(young) > number(total))
        report_member(ctx, "young_teachers", VC_INCONSISTENT_COUNT, msg_young_gt_total);
    if (mentored->state == VF_OK && young->state == VF_OK && number(mentored) > number(young))
        report_member(ctx, "young_teachers_mentored", VC_INCONSISTENT_COUNT, msg_mentored_gt_young);
}

static void check_roadmap_item(struct vf_ctx *ctx, const struct vf_value *v)
{
    if (v[RM_DUE_FROM].state == VF_OK && v[RM_DUE_TO].state == VF_OK &&
        strcmp(text(&v[RM_DUE_FROM]), text(&v[RM_DUE_TO])) > 0) /* valid dates sort as text */
        report_member(ctx, "due_from", VC_IMPOSSIBLE_DATE_RANGE, msg_due_range);
    if (v[RM_STATUS].state != VF_OK)
        return; /* the status is already reported; its rules cannot be judged */
    if (v[RM_STATUS].choice == RS_DONE && v[RM_DONE_ON].state == VF_ABSENT)
        report_member(ctx, "done_on", VC_MISSING_FIELD, msg_done_on_required);
    if (v[RM_STATUS].choice != RS_DONE && v[RM_DONE_ON].state != VF_ABSENT)
        report_member(ctx, "done_on", VC_INVALID_VALUE, msg_done_on_forbidden);
}

static void check_competition(struct vf_ctx *ctx, const struct vf_value *v)
{
    if (v[CO_WINNERS].state == VF_OK && v[CO_PARTICIPANTS].state == VF_OK &&
        number(&v[CO_WINNERS]) > number(&v[CO_PARTICIPANTS]))
        report_member(ctx, "winners", VC_INCONSISTENT_COUNT, msg_winners_gt_participants);
}

/* An object, or each object of an array, checked by a table and then by an optional rule. */
struct object_rule {
    const struct vf_field *fields;
    size_t count;
    void (*check)(struct vf_ctx *ctx, const struct vf_value *values);
};

static void check_object_with(struct vf_ctx *ctx, const cJSON *node, const struct object_rule *r)
{
    struct vf_value v[FIELDS_MAX];
    if (vf_check_object(ctx, node, r->fields, r->count, v) && r->check != NULL)
        r->check(ctx, v);
}

static void check_object_array(struct vf_ctx *ctx, const cJSON *array, const struct object_rule *r)
{
    size_t i = 0;
    for (const cJSON *item = array->child; item != NULL && !vf_full(ctx); item = item->next) {
        size_t saved = vf_push_index(ctx, i++);
        check_object_with(ctx, item, r);
        vf_pop(ctx, saved);
    }
}

static const struct object_rule order_rule = {order_fields, OF_MAX, NULL};
static const struct object_rule meeting_rule = {meeting_fields, MF_MAX, NULL};

/*
 * The report's members that need nothing beyond their table (and a rule) are dispatched
 * through this table; mentors, mentees and pairs, which share the id index, are walked apart.
 */
static const struct object_rule report_member_rules[RF_MAX] = {
    [RF_STAFF] = {staff_fields, SF_MAX, check_staff},
    [RF_MONITORING] = {monitoring_fields, MON_MAX, NULL},
    [RF_ROADMAP] = {roadmap_fields, RM_MAX, check_roadmap_item},
    [RF_DOCUMENTS] = {document_fields, DF_MAX, NULL},
    [RF_PRACTICES] = {practice_fields, PR_MAX, NULL},
    [RF_COMPETITIONS] = {competition_fields, CO_MAX, check_competition},
    [RF_INCENTIVES] = {incentive_fields, IN_MAX, NULL},
};

/* ---- participants and the id index --------------------------------------------------------- */

enum id_kind { KIND_MENTOR, KIND_MENTEE, KIND_MAX };
static const char *const kind_array_names[] = {
    [KIND_MENTOR] = "mentors", [KIND_MENTEE] = "mentees"};
static_assert(VF_ARRAY_LEN(kind_array_names) == KIND_MAX, "every kind names its array");

/* One participant's id. The index is sorted by (id, kind, position): equal ids are adjacent. */
struct id_entry {
    const char *id; /* borrowed from the tree */
    uint32_t pos;   /* index in mentors[] or mentees[] */
    uint32_t stamp; /* 1 + index of the last pair that named it, for duplicates within a pair */
    enum id_kind kind;
};

struct id_index {
    struct id_entry *items;
    size_t count;
    /* references of a kind are checked only if its array was usable and every id valid;
     * otherwise a missing id may be one we could not read, and we do not guess */
    bool complete[KIND_MAX];
};

static int id_entry_cmp(const void *a, const void *b)
{
    const struct id_entry *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    if (c != 0)
        return c;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Orders duplicates by their place in the document before reporting them. */
static int id_entry_place_cmp(const void *a, const void *b)
{
    const struct id_entry *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The first entry whose id is not less than `id` (binary search). */
static size_t id_lower_bound(const struct id_index *ix, const char *id)
{
    size_t lo = 0, hi = ix->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->items[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Sorts the index and reports every id used a second time, at the later occurrence. */
static void report_duplicate_ids(struct vf_ctx *ctx, struct id_entry *items, size_t count,
                                 const char *const *array_names, const char *message)
{
    if (count < 2)
        return;
    qsort(items, count, sizeof(*items), id_entry_cmp);
    size_t dups = 0;
    for (size_t i = 1; i < count; i++) {
        if (strcmp(items[i].id, items[i - 1].id) == 0)
            dups++;
    }
    if (dups == 0)
        return;
    struct id_entry *later = malloc(dups * sizeof(*later));
    if (later == NULL) {
        vf_report_oom(ctx);
        return;
    }
    size_t n = 0;
    for (size_t i = 1; i < count; i++) {
        if (strcmp(items[i].id, items[i - 1].id) == 0)
            later[n++] = items[i];
    }
    qsort(later, n, sizeof(*later), id_entry_place_cmp);
    for (size_t i = 0; i < n && !vf_full(ctx); i++) {
        size_t saved = vf_push_member(ctx, array_names[later[i].kind]);
        vf_push_index(ctx, later[i].pos);
        vf_push_member(ctx, "id");
        vf_report(ctx, VC_DUPLICATE_ID, message);
        vf_pop(ctx, saved);
    }
    free(later);
}

enum consent_state { CONSENT_ABSENT, CONSENT_UNREADABLE, CONSENT_REFUSED, CONSENT_GIVEN };

/* Checks participant.consent (current path: the participant); *by is -1 when unknown. */
static enum consent_state check_consent(struct vf_ctx *ctx, const struct vf_value *consent, int *by)
{
    *by = -1;
    if (consent->state == VF_ABSENT)
        return CONSENT_ABSENT;
    if (consent->state != VF_OK)
        return CONSENT_UNREADABLE;
    struct vf_value v[CF_MAX];
    size_t saved = vf_push_member(ctx, "consent");
    vf_check_object(ctx, consent->node, consent_fields, CF_MAX, v);
    if (is_true(&v[CF_GIVEN]) && v[CF_DATE].state == VF_ABSENT)
        report_member(ctx, "date", VC_MISSING_FIELD, msg_consent_date_required);
    vf_pop(ctx, saved);
    if (v[CF_BY].state == VF_OK)
        *by = v[CF_BY].choice;
    if (v[CF_GIVEN].state != VF_OK)
        return CONSENT_UNREADABLE;
    return cJSON_IsTrue(v[CF_GIVEN].node) ? CONSENT_GIVEN : CONSENT_REFUSED;
}

static void check_participant(struct vf_ctx *ctx, const cJSON *node, enum id_kind kind,
                              uint32_t pos, struct id_index *ix)
{
    struct vf_value v[PF_MAX];
    bool mentor = kind == KIND_MENTOR;
    if (!vf_check_object(ctx, node, mentor ? mentor_fields : mentee_fields,
                         mentor ? PF_MAX : PF_MENTEE_MAX, v)) {
        ix->complete[kind] = false;
        return;
    }
    if (v[PF_ID].state == VF_OK)
        ix->items[ix->count++] = (struct id_entry){.id = text(&v[PF_ID]), .pos = pos, .kind = kind};
    else
        ix->complete[kind] = false;

    int by;
    enum consent_state consent = check_consent(ctx, &v[PF_CONSENT], &by);
    bool not_given = consent == CONSENT_ABSENT || consent == CONSENT_REFUSED;
    if (v[PF_NAME].state != VF_ABSENT && not_given)
        report_member(ctx, "name", VC_NAME_WITHOUT_CONSENT, msg_name_without_consent);
    if (is_true(&v[PF_MINOR]) &&
        (not_given || (consent == CONSENT_GIVEN && by >= 0 && by != BY_GUARDIAN)))
        report_member(ctx, "consent", VC_MINOR_WITHOUT_GUARDIAN_CONSENT, msg_minor_consent);
    if (mentor && is_true(&v[PF_TRAINED]) && v[PF_TRAINED_ON].state == VF_ABSENT)
        report_member(ctx, "trained_on", VC_MISSING_FIELD, msg_trained_on_required);
}

static size_t array_length(const cJSON *array)
{
    size_t n = 0;
    for (const cJSON *it = array->child; it != NULL; it = it->next)
        n++;
    return n;
}

/* Walks mentors[] and mentees[] (already checked as arrays) and fills the id index. */
static bool check_participants(struct vf_ctx *ctx, const struct vf_value *v, struct id_index *ix)
{
    static const enum report_field array_field[] = {
        [KIND_MENTOR] = RF_MENTORS, [KIND_MENTEE] = RF_MENTEES};
    size_t total = 0;
    for (int k = 0; k < KIND_MAX; k++) {
        ix->complete[k] = v[array_field[k]].state == VF_OK;
        if (ix->complete[k])
            total += array_length(v[array_field[k]].node);
    }
    ix->items = malloc((total ? total : 1) * sizeof(*ix->items));
    if (ix->items == NULL) {
        vf_report_oom(ctx);
        return false;
    }
    for (int k = 0; k < KIND_MAX; k++) {
        if (v[array_field[k]].state != VF_OK)
            continue;
        size_t saved = vf_push_member(ctx, kind_array_names[k]);
        uint32_t pos = 0;
        for (const cJSON *it = v[array_field[k]].node->child; it != NULL && !vf_full(ctx);
             it = it->next) {
            size_t saved_item = vf_push_index(ctx, pos);
            check_participant(ctx, it, (enum id_kind)k, pos, ix);
            vf_pop(ctx, saved_item);
            pos++;
        }
        vf_pop(ctx, saved);
    }
    report_duplicate_ids(ctx, ix->items, ix->count, kind_array_names, msg_duplicate_participant);
    return true;
}

/* ---- pairs --------------------------------------------------------------------------------- */

/*
 * Checks the ids of pairs[p].mentors or .mentees (current path: that array): each must name a
 * participant of the right kind, once per pair. Lookups are binary searches in the index.
 */
static void check_pair_members(struct vf_ctx *ctx, const cJSON *array, enum id_kind kind,
                               uint32_t pair_stamp, struct id_index *ix)
{
    size_t j = 0;
    for (const cJSON *it = array->child; it != NULL; it = it->next, j++) {
        size_t saved = vf_push_index(ctx, j);
        int unused;
        if (vf_check_value(ctx, it, &pair_member_field, &unused) == VF_OK) {
            size_t at = id_lower_bound(ix, it->valuestring);
            struct id_entry *match = NULL;
            bool other_kind = false;
            for (; at < ix->count && strcmp(ix->items[at].id, it->valuestring) == 0; at++) {
                if (ix->items[at].kind == kind) {
                    match = &ix->items[at];
                    break;
                }
                other_kind = true;
            }
            if (match != NULL && match->stamp == pair_stamp) {
                vf_report(ctx, VC_DUPLICATE_ID, msg_duplicate_member);
            } else if (match != NULL) {
                match->stamp = pair_stamp;
            } else if (ix->complete[kind]) {
                const char *msg = kind == KIND_MENTOR
                                      ? (other_kind ? msg_mentee_not_mentor : msg_unknown_mentor)
                                      : (other_kind ? msg_mentor_not_mentee : msg_unknown_mentee);
                vf_report(ctx, VC_UNKNOWN_REFERENCE, msg);
            }
        }
        vf_pop(ctx, saved);
    }
}

static void check_pair(struct vf_ctx *ctx, const cJSON *node, uint32_t pos, struct id_index *ix,
                       struct id_entry *pair_ids, size_t *pair_count)
{
    struct vf_value v[PAIR_MAX];
    if (!vf_check_object(ctx, node, pair_fields, PAIR_MAX, v))
        return;
    if (v[PAIR_ID].state == VF_OK)
        pair_ids[(*pair_count)++] = (struct id_entry){.id = text(&v[PAIR_ID]), .pos = pos};
    static const struct {
        enum pair_field field;
        enum id_kind kind;
        const char *name;
    } members[] = {{PAIR_MENTORS, KIND_MENTOR, "mentors"}, {PAIR_MENTEES, KIND_MENTEE, "mentees"}};
    for (size_t m = 0; m < VF_ARRAY_LEN(members); m++) {
        if (v[members[m].field].state != VF_OK)
            continue;
        size_t saved = vf_push_member(ctx, members[m].name);
        check_pair_members(ctx, v[members[m].field].node, members[m].kind, pos + 1, ix);
        vf_pop(ctx, saved);
    }
    if (v[PAIR_ORDER].state == VF_OK) {
        size_t saved = vf_push_member(ctx, "order");
        check_object_with(ctx, v[PAIR_ORDER].node, &order_rule);
        vf_pop(ctx, saved);
    }
    if (v[PAIR_MEETINGS].state == VF_OK) {
        size_t saved = vf_push_member(ctx, "meetings");
        check_object_array(ctx, v[PAIR_MEETINGS].node, &meeting_rule);
        vf_pop(ctx, saved);
    }
}

static void check_pairs(struct vf_ctx *ctx, const cJSON *array, struct id_index *ix)
{
    size_t n = array_length(array);
    struct id_entry *pair_ids = malloc((n ? n : 1) * sizeof(*pair_ids));
    if (pair_ids == NULL) {
        vf_report_oom(ctx);
        return;
    }
    size_t count = 0;
    uint32_t pos = 0;
    size_t saved = vf_push_member(ctx, "pairs");
    for (const cJSON *it = array->child; it != NULL && !vf_full(ctx); it = it->next, pos++) {
        size_t saved_item = vf_push_index(ctx, pos);
        check_pair(ctx, it, pos, ix, pair_ids, &count);
        vf_pop(ctx, saved_item);
    }
    vf_pop(ctx, saved);
    static const char *const pairs_name[] = {"pairs"}; /* every pair entry has kind 0 */
    report_duplicate_ids(ctx, pair_ids, count, pairs_name, msg_duplicate_pair);
    free(pair_ids);
}

/* ---- entry points -------------------------------------------------------------------------- */

static void ctx_init(struct vf_ctx *ctx, struct problem_list *out)
{
    ctx->out = out;
    ctx->found = 0;
    ctx->oom = false;
    ctx->depth = 0;
}

bool report_validate(const cJSON *doc, struct problem_list *out, struct report_key *key)
{
    struct vf_ctx ctx;
    ctx_init(&ctx, out);
    struct vf_value v[RF_MAX];
    if (!vf_check_object(&ctx, doc, report_fields, RF_MAX, v))
        return false;

    struct id_index ix = {.items = NULL, .count = 0};
    if (check_participants(&ctx, v, &ix) && v[RF_PAIRS].state == VF_OK)
        check_pairs(&ctx, v[RF_PAIRS].node, &ix);
    free(ix.items);

    for (size_t f = 0; f < RF_MAX && !vf_full(&ctx); f++) {
        const struct object_rule *rule = &report_member_rules[f];
        if (rule->fields == NULL || v[f].state != VF_OK)
            continue;
        size_t saved = vf_push_member(&ctx, report_fields[f].name);
        if (report_fields[f].type == VF_ARRAY)
            check_object_array(&ctx, v[f].node, rule);
        else
            check_object_with(&ctx, v[f].node, rule);
        vf_pop(&ctx, saved);
    }

    if (ctx.found != 0)
        return false;
    key->school = text(&v[RF_SCHOOL]);
    key->academic_year = text(&v[RF_ACADEMIC_YEAR]);
    key->stage = text(&v[RF_STAGE]);
    return true;
}

bool meeting_validate(const cJSON *doc, struct problem_list *out, struct report_key *key)
{
    struct vf_ctx ctx;
    ctx_init(&ctx, out);
    struct vf_value v[EV_MAX];
    if (!vf_check_object(&ctx, doc, event_fields, EV_MAX, v) || ctx.found != 0)
        return false;
    key->school = text(&v[EV_SCHOOL]);
    key->academic_year = text(&v[EV_ACADEMIC_YEAR]);
    key->stage = NULL;
    return true;
}
