/* What a link is: a document of a given type, the mentoring section, a page to look through. */
#ifndef CHECKER_MATCHER_H
#define CHECKER_MATCHER_H

#include <stdbool.h>
#include <stddef.h>

#include "doctype.h"

/* A section candidate needs this score, a navigation page this one. */
#define MATCHER_SECTION_MIN 4
#define MATCHER_NAV_MIN     3

struct doc_match {
    enum doc_type type; /* DOC_OTHER also for acts of other bodies (ministry, district) */
    int rule;           /* index in the rule table, for tests and logs */
};

/*
 * The document type of a text in text_fold's form (a link's text, its title attribute, a file
 * name, a card's heading): the first rule of the priority table that matches (orders before
 * the documents they approve, the roadmap before the regulation it implements, acts of the
 * ministry or the district set aside as "other"). mentoring_context says the text stands in the
 * mentoring section, so "Положение" alone is the regulation there. False when no rule matches.
 */
bool matcher_doc_type(const char *folded, bool mentoring_context, struct doc_match *out);

/* The rule's name ("order_pairs", "act_of_authority"...); "?" out of range. */
const char *matcher_rule_name(int rule);

/* Whether the text speaks of mentoring (наставни*, nastavn*, целевая модель). */
bool matcher_mentions_mentoring(const char *folded);

/*
 * How strongly a link leads to the mentoring section: from its folded text and its folded
 * path (matcher_fold_url). 0 when it does not; MATCHER_SECTION_MIN and more when it does.
 */
int matcher_section_score(const char *folded_text, const char *folded_path);

/*
 * How much a link looks like a page that lists sections or documents («Сведения об
 * образовательной организации», /sveden/, «Документы», «Педагогам и сотрудникам», «Наша
 * школа»). 0 when not at all.
 */
int matcher_nav_score(const char *folded_text, const char *folded_path);

/* A link text that says nothing of the document: «Скачать», «Подробнее», «PDF, 1.2 Мб», "". */
bool matcher_is_generic_text(const char *folded);

/* What a URL's shape says about it. */
enum url_shape {
    URL_PAGE,       /* an ordinary page */
    URL_DOC_PAGE,   /* a page that stands for a document: /file/card?id=, attachment pages */
    URL_DOC_FILE,   /* a document file: .pdf/.doc/.docx/.odt/.rtf, /file/download?id= */
    URL_OTHER_FILE, /* a file that is not a document: images, archives, scripts, styles */
    URL_SHAPE_MAX
};

enum url_shape matcher_url_shape(const char *url);
const char *matcher_url_shape_name(enum url_shape shape);

/* The folded path and query of a URL, %-escapes decoded ("/nasha-shkola/наставничество/"). */
char *matcher_fold_url(const char *url);

/* The folded last path segment (the file name), %-escapes decoded; "" when none. */
char *matcher_fold_file_name(const char *url);

#endif
