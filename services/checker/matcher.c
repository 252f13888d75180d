/* Rule tables for document types and for the pages leading to the mentoring section. */
#include "matcher.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "textfold.h"
#include "urlutil.h"

#define FOLD_MAX    2048
#define MAX_CLAUSES 4

/*
 * A rule matches when any of its clauses does. A clause is groups separated by ';', all of which
 * must hold; a group is alternatives separated by '|', one of which must be present; a group
 * opening with '!' must have none present. An alternative is a phrase: words, each the prefix of
 * consecutive words of the text ("дорожн карт"); '^' before it anchors it at the first word;
 * "@ctx" holds in the mentoring section or when the text mentions mentoring. Cyrillic and the
 * transliterations file names use sit side by side.
 */
struct doc_rule {
    const char *name;
    enum doc_type type;
    const char *clauses[MAX_CLAUSES];
};

#define PAIRS                                                                                                                                                                    \
    "наставническ пар|наставническ групп|пар наставник|групп наставник|пар наставляем|"                   \
    "закреплени наставник|назначени наставник|формировани пар|формировани групп|утверждени пар|" \
    "nastavnichesk par|nastavnichesk grupp|par nastavn|pary nastavn|zakreplen nastavn|"                                                                                          \
    "naznachen nastavn"
#define NOT_ROADMAP "!дорожн карт|план мероприят|dorozh kart|doroj kart"

/* Priority order: the first rule that matches wins. */
static const struct doc_rule rules[] = {
    {"act_of_authority",
     DOC_OTHER,
     {"^распоряжени|^письм|^федеральн закон|^постановлени|^указ|^методическ рекомендац|"
      "^методологи|приказ министерств|приказ минпросвещени|приказ департамент|"
      "приказ управлени образовани|^rasporyazh|^pismo|^metodolog|^metodich rekomend"}},
    {"order_pairs",
     DOC_ORDER_PAIRS,
     {"приказ|prikaz;" PAIRS, PAIRS ";!программ|programm|положени|polozh|poloj"}},
    {"order_curator",
     DOC_ORDER_CURATOR,
     {"приказ|назначени|prikaz|naznach|о создани|утверждени;"
      "куратор|координатор|руководител проектн|kurator|koordinator|rukovoditel proektn"}},
    {"order_mentor_school",
     DOC_ORDER_MENTOR_SCHOOL,
     {"приказ|prikaz|об организаци|о создани|о работ|ob organizac|o sozdan;"
      "школ наставник|shkol nastavn"}},
    {"order_final_event",
     DOC_ORDER_FINAL_EVENT,
     {"приказ|prikaz|о проведени|o provedeni;"
      "итогов мероприят|итогов конференц|итогов встреч|итогов форум|итогов фестивал|"
      "итогов семинар|итогов слет|itogov meropr|itogov konferen|itogov vstrech"}},
    {"order_implementation",
     DOC_ORDER_IMPLEMENTATION,
     {"о внедрени|о введени|об организаци наставничеств|об организаци систем наставничеств|"
      "об организаци работ по внедрени|о реализаци целев модел|o vnedren|ob organizac "
      "nastavn;" NOT_ROADMAP,
      "приказ|prikaz;внедрени|введени|vnedren|vveden|организаци наставничеств|"
      "organizac nastavn;" NOT_ROADMAP "|положени|polozh|poloj|программ|programm"}},
    {"roadmap",
     DOC_ROADMAP,
     {"дорожн карт|dorozh kart|doroj kart|dorog kart", "план мероприят|plan meropr;@ctx"}},
    {"regulation",
     DOC_REGULATION,
     {"положени|polozh|poloj|polozen;@ctx;!конкурс|konkurs|премир|стимулир|оплат"}},
    {"program",
     DOC_PROGRAM,
     {"программ|programm|program;наставни|nastavn|целев модел|tselev model|celev model|"
      "учитель учитель|ученик ученик|учитель ученик|студент ученик|работодател ученик"}},
    {"target_model", DOC_TARGET_MODEL, {"целев модел|tselev model|celev model|tcelev model"}},
};

#define MENTORING "наставни|nastavn|целев модел|tselev model|celev model|tcelev model"

const char *matcher_rule_name(int rule)
{
    return rule >= 0 && (size_t)rule < sizeof(rules) / sizeof(rules[0]) ? rules[rule].name : "?";
}

/* Whether one alternative ("^word word", "@ctx") holds. */
static bool alt_holds(const char *folded, const char *alt, size_t len, bool context)
{
    if (len == 4 && memcmp(alt, "@ctx", 4) == 0)
        return context || matcher_mentions_mentoring(folded);
    if (len > 0 && alt[0] == '^') {
        /* anchored: the phrase must match at the text's first word */
        size_t k = 1, w = 0;
        while (k < len) {
            size_t plen = 0;
            while (k + plen < len && alt[k + plen] != ' ')
                plen++;
            if (strncmp(folded + w, alt + k, plen) != 0)
                return false;
            k += plen + 1;
            if (k < len) {
                const char *sp = strchr(folded + w, ' ');
                if (sp == NULL)
                    return false;
                w = (size_t)(sp - folded) + 1;
            }
        }
        return true;
    }
    return text_has_phrase(folded, alt, len);
}

/* Whether any alternative of group[0..len) holds. */
static bool group_any(const char *folded, const char *group, size_t len, bool context)
{
    size_t i = 0;
    while (i <= len) {
        size_t n = 0;
        while (i + n < len && group[i + n] != '|')
            n++;
        if (n > 0 && alt_holds(folded, group + i, n, context))
            return true;
        i += n + 1;
    }
    return false;
}

static bool clause_holds(const char *folded, const char *clause, bool context)
{
    for (const char *g = clause; *g != '\0';) {
        size_t n = strcspn(g, ";");
        bool negated = g[0] == '!';
        bool any = group_any(folded, g + negated, n - negated, context);
        if (any == negated)
            return false;
        g += n;
        if (*g == ';')
            g++;
    }
    return true;
}

static bool rule_holds(const struct doc_rule *rule, const char *folded, bool context)
{
    for (int c = 0; c < MAX_CLAUSES && rule->clauses[c] != NULL; c++) {
        if (clause_holds(folded, rule->clauses[c], context))
            return true;
    }
    return false;
}

bool matcher_doc_type(const char *folded, bool mentoring_context, struct doc_match *out)
{
    if (folded == NULL || folded[0] == '\0')
        return false;
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
        if (rule_holds(&rules[r], folded, mentoring_context)) {
            out->type = rules[r].type;
            out->rule = (int)r;
            return true;
        }
    }
    return false;
}

bool matcher_mentions_mentoring(const char *folded)
{
    return group_any(folded, MENTORING, strlen(MENTORING), false);
}

static bool any_of(const char *folded, const char *alternatives)
{
    return folded != NULL && group_any(folded, alternatives, strlen(alternatives), false);
}

int matcher_section_score(const char *text, const char *path)
{
    int score = 0;
    if (strcmp(text, "наставничество") == 0 || strcmp(text, "целевая модель наставничества") == 0)
        score = 10;
    else if (any_of(text, "^наставничеств|^целев модел"))
        score = 8;
    else if (any_of(text, "наставничеств|целев модел"))
        score = 7;
    else if (any_of(text, "наставни"))
        score = 4;
    if (any_of(path, "nastavn|наставни|celevaya model|tselevaya model|celev model|tselev model"))
        score += 4;
    if (score > 0 && (any_of(text, "конкурс|новост|наставник года|фотоотчет|итоги") ||
                      any_of(path, "news|novost|konkurs")))
        score -= 5;
    return score > 10 ? 10 : score < 0 ? 0 : score;
}

int matcher_nav_score(const char *text, const char *path)
{
    if (any_of(text, "сведени об образовательн") || any_of(path, "^sveden|^svedeniya"))
        return 8;
    if (any_of(text, "^документ|^нормативн документ|^локальн акт") ||
        any_of(path, "^dokument|^documents|^docs"))
        return 6;
    if (any_of(text, "педагог|сотрудник") || any_of(path, "pedagog|sotrudnik|uchitel"))
        return 5;
    if (any_of(text, "^наша школа|^о школе|^об учреждени|^об организаци") ||
        any_of(path, "^nasha shkol|^o shkole|^about"))
        return 4;
    if (any_of(text, "методическ") || any_of(path, "metodich"))
        return 3;
    return 0;
}

bool matcher_is_generic_text(const char *folded)
{
    static const char *const words[] = {"скачать",
                                        "подробнее",
                                        "открыть",
                                        "просмотр",
                                        "просмотреть",
                                        "смотреть",
                                        "читать",
                                        "далее",
                                        "здесь",
                                        "тут",
                                        "ссылка",
                                        "перейти",
                                        "файл",
                                        "документ",
                                        "кб",
                                        "мб",
                                        "kb",
                                        "mb",
                                        "pdf",
                                        "doc",
                                        "docx",
                                        "odt",
                                        "rtf",
                                        "download",
                                        "open",
                                        "view",
                                        "more",
                                        "link",
                                        "here",
                                        "file",
                                        "скачать документ",
                                        "b",
                                        "байт",
                                        "кбайт",
                                        "мбайт",
                                        NULL};
    for (const char *t = folded; *t != '\0';) {
        size_t n = strcspn(t, " ");
        bool generic = true;
        for (size_t k = 0; k < n && generic; k++)
            generic = (t[k] >= '0' && t[k] <= '9');
        for (const char *const *w = words; !generic && *w != NULL; w++)
            generic = strlen(*w) == n && strncmp(t, *w, n) == 0;
        if (!generic)
            return false;
        t += n;
        if (*t == ' ')
            t++;
    }
    return true;
}

static const char *const shape_names[] = {
    [URL_PAGE] = "page",
    [URL_DOC_PAGE] = "doc_page",
    [URL_DOC_FILE] = "doc_file",
    [URL_OTHER_FILE] = "other_file",
};
static_assert(sizeof(shape_names) / sizeof(shape_names[0]) == URL_SHAPE_MAX,
              "every URL shape has a name");

const char *matcher_url_shape_name(enum url_shape shape)
{
    return (unsigned)shape < URL_SHAPE_MAX ? shape_names[shape] : "?";
}

static bool ext_in(const char *ext, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(ext, *list) == 0)
            return true;
    }
    return false;
}

enum url_shape matcher_url_shape(const char *url)
{
    static const char *const doc_ext[] = {"pdf", "doc", "docx", "odt", "rtf", NULL};
    static const char *const page_ext[] = {"html", "htm",   "php",   "asp", "aspx",
                                           "jsp",  "shtml", "phtml", "cgi", NULL};
    char ext[16];
    bool has_ext = url_extension(url, ext, sizeof(ext));
    if (has_ext && ext_in(ext, doc_ext))
        return URL_DOC_FILE;
    char *pq = url_path_query(url);
    if (pq == NULL)
        return URL_PAGE;
    for (char *p = pq; *p != '\0'; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    enum url_shape shape = URL_PAGE;
    if (has_ext && !ext_in(ext, page_ext) && strspn(ext, "0123456789") != strlen(ext))
        shape = URL_OTHER_FILE;
    else if (strstr(pq, "/file/download") != NULL || strstr(pq, "/download.php") != NULL ||
             strstr(pq, "/download?") != NULL || strstr(pq, "/getfile") != NULL)
        shape = URL_DOC_FILE;
    else if (strstr(pq, "/file/card") != NULL || strstr(pq, "attachment_id=") != NULL ||
             strstr(pq, "/attachment/") != NULL || strstr(pq, "/upload/") != NULL ||
             strstr(pq, "/uploads/") != NULL)
        shape = URL_DOC_PAGE;
    free(pq);
    return shape;
}

char *matcher_fold_url(const char *url)
{
    char *pq = url_path_query(url);
    if (pq == NULL)
        return strdup("");
    char *decoded = text_percent_decode(pq, strlen(pq));
    free(pq);
    if (decoded == NULL)
        return NULL;
    char *folded = text_fold(decoded, strlen(decoded), FOLD_MAX);
    free(decoded);
    return folded;
}

char *matcher_fold_file_name(const char *url)
{
    char *path = url_path(url);
    if (path == NULL)
        return strdup("");
    const char *slash = strrchr(path, '/');
    const char *name = slash != NULL ? slash + 1 : path;
    char *decoded = text_percent_decode(name, strlen(name));
    free(path);
    if (decoded == NULL)
        return NULL;
    char *folded = text_fold(decoded, strlen(decoded), FOLD_MAX);
    free(decoded);
    return folded;
}
