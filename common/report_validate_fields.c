/* The table-driven field checker of report validation: types, limits, formats, JSONPath. */
#include "validate_fields.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const code_names[] = {
    [VC_WRONG_TYPE] = "wrong_type",
    [VC_MISSING_FIELD] = "missing_field",
    [VC_UNKNOWN_FIELD] = "unknown_field",
    [VC_INVALID_VALUE] = "invalid_value",
    [VC_INVALID_FORMAT] = "invalid_format",
    [VC_INVALID_DATE] = "invalid_date",
    [VC_IMPOSSIBLE_DATE_RANGE] = "impossible_date_range",
    [VC_OUT_OF_RANGE] = "out_of_range",
    [VC_TOO_LONG] = "too_long",
    [VC_TOO_MANY] = "too_many",
    [VC_DUPLICATE_ID] = "duplicate_id",
    [VC_UNKNOWN_REFERENCE] = "unknown_reference",
    [VC_INCONSISTENT_COUNT] = "inconsistent_count",
    [VC_NAME_WITHOUT_CONSENT] = "name_without_consent",
    [VC_MINOR_WITHOUT_GUARDIAN_CONSENT] = "minor_without_guardian_consent",
    [VC_INTERNAL_ERROR] = "internal_error",
};
static_assert(VF_ARRAY_LEN(code_names) == VC__MAX, "every problem code has a name");

/* What wrong_type says for each kind of field: the kind of value expected. */
static const char *const expected_type[] = {
    [VF_STRING] = "Ожидается строка",
    [VF_ENUM] = "Ожидается строка из списка допустимых значений",
    [VF_SCHOOL] = "Ожидается строка: код школы",
    [VF_YEAR] = "Ожидается строка: учебный год, например \"2024/2025\"",
    [VF_DATE] = "Ожидается строка с датой в формате ГГГГ-ММ-ДД",
    [VF_URL] = "Ожидается строка со ссылкой",
    [VF_INTEGER] = "Ожидается целое число",
    [VF_NUMBER] = "Ожидается число",
    [VF_BOOL] = "Ожидается логическое значение: true или false",
    [VF_OBJECT] = "Ожидается объект { ... }",
    [VF_ARRAY] = "Ожидается массив [ ... ]",
};
static_assert(VF_ARRAY_LEN(expected_type) == VF_TYPE_MAX, "every field type has a message");

const char vf_msg_missing[] = "Поле обязательно";
const char vf_msg_expect_object[] = "Ожидается объект { ... }";
static const char msg_unknown_field[] =
    "Неизвестное поле: проверьте написание (допустимые поля — в описании формата отчёта)";
static const char msg_empty_string[] = "Значение не может быть пустым";
static const char msg_empty_array[] = "Список не может быть пустым";
static const char msg_too_long[] = "Слишком длинное значение";
static const char msg_too_many[] = "Слишком много элементов в списке";
static const char msg_out_of_range[] = "Значение вне допустимого диапазона";
static const char msg_not_integer[] = "Ожидается целое число, без дробной части";
static const char msg_school_format[] =
    "Код школы: латинские буквы, цифры, знаки _ и -, например SOSH14";
static const char msg_year_format[] =
    "Учебный год в виде ГГГГ/ГГГГ, второй год на 1 больше первого, например 2024/2025";
static const char msg_year_range[] = "Учебный год должен начинаться в 2000–2099 годах";
static const char msg_date_format[] = "Дата в формате ГГГГ-ММ-ДД, например 2024-11-12";
static const char msg_date_invalid[] = "Такой даты нет в календаре";
static const char msg_date_range[] = "Дата должна быть между 2000-01-01 и 2100-12-31";
static const char msg_url_format[] =
    "Нужна полная ссылка, начинающаяся с http:// или https://, без пробелов";
static const char msg_oom[] = "Внутренняя ошибка сервера: не хватило памяти для проверки";

/* Bytes of an unknown member's name shown in a path; longer names are cut and marked "…". */
#define VF_SHOWN_NAME_MAX 128

const char *vf_code_name(enum vf_code code)
{
    return (unsigned)code < VC__MAX ? code_names[code] : "internal_error";
}

bool vf_full(const struct vf_ctx *ctx)
{
    return ctx->out->truncated || ctx->oom;
}

/* A path being rendered into a fixed buffer; on overflow it ends in "…". */
struct path_buf {
    size_t len;
    bool full;
    char text[VF_PATH_MAX];
};

static const char ellipsis[] = "\xe2\x80\xa6"; /* … */

static void path_append(struct path_buf *p, const char *s, size_t n)
{
    if (p->full)
        return;
    size_t room = VF_PATH_MAX - 1 - p->len; /* keeps room for the NUL */
    if (n + (sizeof(ellipsis) - 1) > room) {
        /* cut here, on a character boundary, and mark it */
        size_t keep = room >= sizeof(ellipsis) - 1 ? room - (sizeof(ellipsis) - 1) : 0;
        if (keep > n)
            keep = n;
        while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
            keep--;
        memcpy(p->text + p->len, s, keep);
        p->len += keep;
        memcpy(p->text + p->len, ellipsis, sizeof(ellipsis) - 1);
        p->len += sizeof(ellipsis) - 1;
        p->full = true;
    } else {
        memcpy(p->text + p->len, s, n);
        p->len += n;
    }
    p->text[p->len] = '\0';
}

/* RFC 9535 member-name-shorthand: ALPHA / "_" / non-ASCII first, then also DIGIT. */
static bool is_shorthand_name(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    if (*p == '\0' || (*p >= '0' && *p <= '9'))
        return false;
    for (; *p != '\0'; p++) {
        bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
        bool digit = *p >= '0' && *p <= '9';
        if (!alpha && !digit && *p != '_' && *p < 0x80)
            return false;
    }
    return true;
}

/* ".name", or "['name']" escaped as RFC 9535 says; a long name is cut and marked "…". */
static void render_member(struct path_buf *p, const char *name)
{
    size_t len = strlen(name);
    bool cut = len > VF_SHOWN_NAME_MAX;
    if (cut) { /* back off to the start of a UTF-8 character */
        len = VF_SHOWN_NAME_MAX;
        while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
            len--;
    }
    bool shorthand = is_shorthand_name(name);
    path_append(p, shorthand ? "." : "['", shorthand ? 1 : 2);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        char esc[8];
        if (!shorthand && (c == '\'' || c == '\\')) {
            esc[0] = '\\';
            esc[1] = (char)c;
            path_append(p, esc, 2);
        } else if (!shorthand && c < 0x20) {
            int n = snprintf(esc, sizeof(esc), "\\u%04x", c);
            path_append(p, esc, (size_t)n);
        } else {
            path_append(p, &name[i], 1);
        }
    }
    if (cut)
        path_append(p, ellipsis, sizeof(ellipsis) - 1);
    if (!shorthand)
        path_append(p, "']", 2);
}

void vf_report(struct vf_ctx *ctx, enum vf_code code, const char *message)
{
    ctx->found++;
    if (vf_full(ctx))
        return; /* the list is full: only the count matters now */
    struct path_buf p = {.len = 0, .full = false};
    path_append(&p, "$", 1);
    size_t kept = ctx->depth < VF_DEPTH_MAX ? ctx->depth : VF_DEPTH_MAX;
    for (size_t i = 0; i < kept; i++) {
        if (ctx->segs[i].member != NULL) {
            render_member(&p, ctx->segs[i].member);
        } else {
            char buf[32];
            int n = snprintf(buf, sizeof(buf), "[%zu]", ctx->segs[i].index);
            path_append(&p, buf, (size_t)n);
        }
    }
    if (kept < ctx->depth)
        path_append(&p, ellipsis, sizeof(ellipsis) - 1);
    if (!problems_add(ctx->out, vf_code_name(code), p.text, message))
        ctx->oom = true;
}

size_t vf_push_member(struct vf_ctx *ctx, const char *name)
{
    size_t saved = ctx->depth++;
    if (saved < VF_DEPTH_MAX)
        ctx->segs[saved] = (struct vf_segment){.member = name, .index = 0};
    return saved;
}

size_t vf_push_index(struct vf_ctx *ctx, size_t index)
{
    size_t saved = ctx->depth++;
    if (saved < VF_DEPTH_MAX)
        ctx->segs[saved] = (struct vf_segment){.member = NULL, .index = index};
    return saved;
}

void vf_pop(struct vf_ctx *ctx, size_t saved_depth)
{
    ctx->depth = saved_depth;
}

size_t vf_utf8_length(const char *s, size_t limit)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p & 0xC0) != 0x80 && ++n > limit)
            break;
    }
    return n;
}

static const char *limit_message(const struct vf_field *f, const char *generic)
{
    return f->limit_message != NULL ? f->limit_message : generic;
}

/* Length rules shared by every string type: at least min and at most max characters. */
static enum vf_state check_length(struct vf_ctx *ctx, const char *s, const struct vf_field *f)
{
    size_t max = (size_t)f->max;
    size_t len = vf_utf8_length(s, max);
    if (len < (size_t)f->min) {
        vf_report(ctx, VC_OUT_OF_RANGE, msg_empty_string);
        return VF_BAD;
    }
    if (len > max) {
        vf_report(ctx, VC_TOO_LONG, limit_message(f, msg_too_long));
        return VF_BAD;
    }
    return VF_OK;
}

static bool is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static int parse4(const char *s)
{
    return (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

static enum vf_state check_date(struct vf_ctx *ctx, const char *s)
{
    if (strlen(s) != 10 || !is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) || s[7] != '-' ||
        !is_digits(s + 8, 2)) {
        vf_report(ctx, VC_INVALID_FORMAT, msg_date_format);
        return VF_BAD;
    }
    int year = parse4(s);
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
        vf_report(ctx, VC_INVALID_DATE, msg_date_invalid);
        return VF_BAD;
    }
    if (year < 2000 || year > 2100) {
        vf_report(ctx, VC_OUT_OF_RANGE, msg_date_range);
        return VF_BAD;
    }
    return VF_OK;
}

static enum vf_state check_year(struct vf_ctx *ctx, const char *s)
{
    if (strlen(s) != 9 || !is_digits(s, 4) || s[4] != '/' || !is_digits(s + 5, 4) ||
        parse4(s + 5) != parse4(s) + 1) {
        vf_report(ctx, VC_INVALID_FORMAT, msg_year_format);
        return VF_BAD;
    }
    if (parse4(s) < 2000 || parse4(s) > 2099) {
        vf_report(ctx, VC_OUT_OF_RANGE, msg_year_range);
        return VF_BAD;
    }
    return VF_OK;
}

static enum vf_state check_school(struct vf_ctx *ctx, const char *s, const struct vf_field *f)
{
    if (check_length(ctx, s, f) != VF_OK)
        return VF_BAD;
    for (const char *p = s; *p != '\0'; p++) {
        bool ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
        if (!ok) {
            vf_report(ctx, VC_INVALID_FORMAT, msg_school_format);
            return VF_BAD;
        }
    }
    return VF_OK;
}

/* A host: a bracketed IP literal, or dot-separated non-empty labels of letters, digits, '-'
 * and non-ASCII (IDN) bytes. */
static bool is_url_host(const char *h, size_t n)
{
    if (n == 0)
        return false;
    if (h[0] == '[')
        return n > 2 && h[n - 1] == ']';
    if (h[0] == '.' || h[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c >= 0x80;
        if (!ok || (c == '.' && h[i - 1] == '.')) /* i > 0 here: h[0] is not '.' */
            return false;
    }
    return true;
}

/*
 * An absolute http(s) URL: scheme (any case), "//", a non-empty host, an optional numeric
 * port; no whitespace or control characters anywhere. Non-ASCII is allowed (IDN hosts such
 * as школа.рф, Cyrillic path segments on Госвеб).
 */
static bool is_http_url(const char *s)
{
    size_t skip;
    if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7F || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return false;
    }
    const char *auth = s + skip;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', auth_len);
    while (at != NULL) { /* the host follows the last '@' of the authority */
        const char *next = memchr(at + 1, '@', auth_len - (size_t)(at + 1 - auth));
        if (next == NULL)
            break;
        at = next;
    }
    const char *host = at != NULL ? at + 1 : auth;
    size_t host_len = auth_len - (size_t)(host - auth);
    const char *port = NULL;
    if (host_len > 0 && host[0] == '[') {
        const char *close = memchr(host, ']', host_len);
        if (close == NULL)
            return false;
        if ((size_t)(close + 1 - host) < host_len) {
            if (close[1] != ':')
                return false;
            port = close + 2;
        }
    } else {
        port = memchr(host, ':', host_len);
        if (port != NULL)
            port++;
    }
    if (port != NULL) {
        size_t port_len = host_len - (size_t)(port - host);
        if (port_len == 0 || port_len > 5 || !is_digits(port, port_len))
            return false;
        host_len = (size_t)(port - 1 - host);
    }
    return is_url_host(host, host_len);
}

static enum vf_state check_url(struct vf_ctx *ctx, const char *s, const struct vf_field *f)
{
    if (check_length(ctx, s, f) != VF_OK)
        return VF_BAD;
    if (!is_http_url(s)) {
        vf_report(ctx, VC_INVALID_FORMAT, msg_url_format);
        return VF_BAD;
    }
    return VF_OK;
}

static enum vf_state check_enum(struct vf_ctx *ctx, const char *s, const struct vf_field *f,
                                int *choice)
{
    for (size_t i = 0; i < f->values->count; i++) {
        if (strcmp(s, f->values->names[i]) == 0) {
            *choice = (int)i;
            return VF_OK;
        }
    }
    vf_report(ctx, VC_INVALID_VALUE, f->values->message);
    return VF_BAD;
}

/*
 * Numbers. An integer field takes any JSON number with no fractional part (3 and 3.0, as
 * JSON Schema's "integer" does); 3.5 is wrong_type. Far out-of-range values (1e300) are
 * out_of_range before the integrality test, which could not convert them.
 */
static enum vf_state check_number(struct vf_ctx *ctx, const cJSON *node, const struct vf_field *f)
{
    double x = node->valuedouble;
    if (!(x >= -1e15 && x <= 1e15)) {
        vf_report(ctx, VC_OUT_OF_RANGE, limit_message(f, msg_out_of_range));
        return VF_BAD;
    }
    if (f->type == VF_INTEGER && (double)(int64_t)x != x) {
        vf_report(ctx, VC_WRONG_TYPE, msg_not_integer);
        return VF_BAD;
    }
    if (x < f->min || x > f->max) {
        vf_report(ctx, VC_OUT_OF_RANGE, limit_message(f, msg_out_of_range));
        return VF_BAD;
    }
    return VF_OK;
}

static enum vf_state check_array(struct vf_ctx *ctx, const cJSON *node, const struct vf_field *f)
{
    size_t count = 0, max = (size_t)f->max;
    /* count no further than max + 1: a 100,000-item array costs no more than a full one */
    for (const cJSON *it = node->child; it != NULL && count <= max; it = it->next)
        count++;
    if (count > max) {
        vf_report(ctx, VC_TOO_MANY, limit_message(f, msg_too_many));
        return VF_BAD;
    }
    if (count < (size_t)f->min) {
        vf_report(ctx, VC_OUT_OF_RANGE, msg_empty_array);
        return VF_BAD;
    }
    return VF_OK;
}

/* Whether node's JSON type is the one the field's type needs. */
static bool type_matches(const cJSON *node, enum vf_type type)
{
    switch (type) {
    case VF_INTEGER:
    case VF_NUMBER:
        return cJSON_IsNumber(node);
    case VF_BOOL:
        return cJSON_IsBool(node);
    case VF_OBJECT:
        return cJSON_IsObject(node);
    case VF_ARRAY:
        return cJSON_IsArray(node);
    case VF_STRING:
    case VF_ENUM:
    case VF_SCHOOL:
    case VF_YEAR:
    case VF_DATE:
    case VF_URL:
        return cJSON_IsString(node) && node->valuestring != NULL;
    case VF_TYPE_MAX:
        break;
    }
    return false;
}

enum vf_state vf_check_value(struct vf_ctx *ctx, const cJSON *node, const struct vf_field *f,
                             int *choice)
{
    *choice = -1;
    if (!type_matches(node, f->type)) {
        vf_report(ctx, VC_WRONG_TYPE, expected_type[f->type]);
        return VF_BAD;
    }
    switch (f->type) {
    case VF_STRING:
        return check_length(ctx, node->valuestring, f);
    case VF_ENUM:
        return check_enum(ctx, node->valuestring, f, choice);
    case VF_SCHOOL:
        return check_school(ctx, node->valuestring, f);
    case VF_YEAR:
        return check_year(ctx, node->valuestring);
    case VF_DATE:
        return check_date(ctx, node->valuestring);
    case VF_URL:
        return check_url(ctx, node->valuestring, f);
    case VF_INTEGER:
    case VF_NUMBER:
        return check_number(ctx, node, f);
    case VF_ARRAY:
        return check_array(ctx, node, f);
    case VF_BOOL:
    case VF_OBJECT:
    case VF_TYPE_MAX:
        break;
    }
    return VF_OK;
}

bool vf_check_object(struct vf_ctx *ctx, const cJSON *node, const struct vf_field *fields, size_t n,
                     struct vf_value *values)
{
    for (size_t i = 0; i < n; i++)
        values[i] = (struct vf_value){.node = NULL, .state = VF_ABSENT, .choice = -1};
    if (!cJSON_IsObject(node)) {
        vf_report(ctx, VC_WRONG_TYPE, vf_msg_expect_object);
        return false;
    }
    for (const cJSON *m = node->child; m != NULL; m = m->next) {
        const char *name = m->string != NULL ? m->string : "";
        size_t i = 0;
        while (i < n && strcmp(fields[i].name, name) != 0)
            i++;
        size_t saved = vf_push_member(ctx, name);
        if (i == n) {
            vf_report(ctx, VC_UNKNOWN_FIELD, msg_unknown_field);
        } else if (values[i].node ==
                   NULL) { /* a duplicate key (the strict parser refuses them) is ignored */
            values[i].node = m;
            values[i].state = vf_check_value(ctx, m, &fields[i], &values[i].choice);
        }
        vf_pop(ctx, saved);
    }
    for (size_t i = 0; i < n; i++) {
        if (fields[i].required && values[i].state == VF_ABSENT) {
            size_t saved = vf_push_member(ctx, fields[i].name);
            vf_report(ctx, VC_MISSING_FIELD, vf_msg_missing);
            vf_pop(ctx, saved);
        }
    }
    return true;
}

void vf_report_oom(struct vf_ctx *ctx)
{
    ctx->oom = true;
    ctx->found++;
    (void)problems_add(ctx->out, vf_code_name(VC_INTERNAL_ERROR), "$", msg_oom);
}
